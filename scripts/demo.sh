#!/usr/bin/env bash
# The main job on built-in data: fit clusterrep's models on a synthetic dataset and print ACC/NMI/ARI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/env.sh >/dev/null
. .venv/bin/activate
clusterrep datasets
clusterrep fit kmeans parallel_lines --out runs/demo-kmeans
