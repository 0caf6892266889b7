"""Merge run files (CSV, `clusterrep.paper2.write_runs`) written by parallel workers into one.

Every row is keyed by (dataset, method, setting, seed); a key found in several files must hold the same numbers.
The first file may be the destination itself (its rows are kept):

    python benchmarks/merge_runs.py nbs/results/paper2/table5_paper.csv shards/*/table5_paper.csv

Then run the notebook once more with the same parameters and no `shard`: it resumes every restart from the
file and writes the table.
"""
import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from clusterrep.paper2 import read_runs, write_runs  # noqa: E402

KEY = ("dataset", "method", "setting", "seed")


def merge(paths):
    "Rows of all `paths`, one per key, in key order; conflicting duplicates raise."
    rows = {}
    for path in paths:
        for r in read_runs(path):
            key = tuple(r[k] for k in KEY)
            if key in rows and not all(_same(rows[key].get(m), r.get(m)) for m in ("loss", "acc", "nmi")):
                raise ValueError(f"{path}: {key} is already in an earlier file with other results")
            rows.setdefault(key, r)
    return [rows[k] for k in sorted(rows)]


def _same(a, b):
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dest", help="the merged run file (its existing rows are kept)")
    ap.add_argument("sources", nargs="+", help="the workers' run files")
    args = ap.parse_args(argv)
    dest = Path(args.dest)
    rows = merge(([dest] if dest.exists() else []) + [Path(p) for p in args.sources])
    write_runs(dest, rows)
    print(f"{dest}: {len(rows)} rows")


if __name__ == "__main__":
    main()
