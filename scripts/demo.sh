#!/usr/bin/env bash
# The main job on built-in data: k-means on the raw data against the cluster-specific PTAE
# (paper 1) on the synthetic `parallel_lines` set; prints ACC/NMI/ARI and writes runs/demo/.
# The real datasets (MNIST, USPS, COIL-100, ...) are read from $CLUSTERREP_DATA (default: the
# benchmark mirror ../shared/data when it exists, else the user cache) and downloaded on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CLUSTERREP_DATA:-}" ] && [ -d ../shared/data ]; then
  export CLUSTERREP_DATA="$(cd ../shared/data && pwd)"
fi
bash scripts/env.sh >/dev/null
. .venv/bin/activate
clusterrep datasets
data_dir=$(python -c "from clusterrep.data import resolve_data_dir; print(resolve_data_dir())")
echo
if [ -n "${CLUSTERREP_DATA:-}" ]; then src="from \$CLUSTERREP_DATA"; else src="the user cache: \$CLUSTERREP_DATA is not set"; fi
echo "Data folder: $data_dir ($src)."
echo "A dataset marked 'no' is downloaded there on first use (e.g. \`clusterrep fit kmeans usps\`);"
echo "to use a copy elsewhere: export CLUSTERREP_DATA=/path/to/data (or clusterrep datasets --data-dir DIR)."
echo
clusterrep fit kmeans parallel_lines --seed 0 --out runs/demo/kmeans
clusterrep fit ptae parallel_lines --seed 0 --out runs/demo/ptae
