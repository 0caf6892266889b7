#!/usr/bin/env bash
# The main job on built-in data: k-means on the raw data against the cluster-specific PTAE
# (paper 1) on the synthetic `parallel_lines` set; prints ACC/NMI/ARI and writes runs/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/env.sh >/dev/null
. .venv/bin/activate
clusterrep datasets
clusterrep fit kmeans parallel_lines --seed 0 --out runs/demo/kmeans
clusterrep fit ptae parallel_lines --seed 0 --out runs/demo/ptae
