#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment in .venv and install clusterrep into it.
# torch 2.13.0 is installed first: on machines without a GPU that pin takes the CPU wheel,
# while a bare `pip install torch` would download a multi-GB CUDA build.
# Usage: bash scripts/env.sh [EXTRAS]   (e.g. `dev` for the test and docs tools)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() { "$@" >>"$log" 2>&1 || { cat "$log" >&2; echo "scripts/env.sh: failed: $*" >&2; exit 1; }; }
if [ ! -x .venv/bin/python ]; then run python3 -m venv .venv; fi
. .venv/bin/activate
python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
python -c "import torch" 2>/dev/null || run python -m pip install torch==2.13.0
run python -m pip install -e ".${extras:+[$extras]}"
