import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The shared benchmark-data mirror sits beside the repository on the project's machines.
os.environ.setdefault("CLUSTERREP_DATA", str(ROOT.parent / "shared" / "data"))
# Two cores and several test workers: keep torch from oversubscribing them.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
