import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The shared benchmark-data mirror sits beside the repository on the project's machines.
os.environ.setdefault("CLUSTERREP_DATA", str(ROOT.parent / "shared" / "data"))
# Two cores and several test workers: keep torch from oversubscribing them.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def load_script():
    "Import a repository script (e.g. 'scripts/sync_readme.py') as a module, by path."
    def load(relpath: str):
        path = ROOT / relpath
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load
