#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment in .venv and install clusterrep into it.
# torch 2.13.0 is installed first: on machines without a GPU that pin takes the CPU wheel,
# while a bare `pip install torch` would download a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
. .venv/bin/activate
python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
python -c "import torch" 2>/dev/null || python -m pip install -q torch==2.13.0
python -m pip install -q -e ".${extras:+[$extras]}"
