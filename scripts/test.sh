#!/usr/bin/env bash
# The whole test suite: every notebook in nbs/ (executed with papermill, quick presets),
# the pytest tests in tests/, and the documentation build checked in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export CLUSTERREP_DATA="${CLUSTERREP_DATA:-$(cd .. && pwd)/shared/data}"
if ! command -v chromium >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; the docs browser test will fail"
fi
bash scripts/env.sh dev >/dev/null
. .venv/bin/activate
python -m ipykernel install --user --name python3 >/dev/null 2>&1 || true
exec python -m pytest tests -n 2 --durations=0 -q -p no:cacheprovider "$@"
