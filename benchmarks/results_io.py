"""Writing a benchmark's rows: one CSV, atomically (an interrupted run leaves the previous file)."""
import csv

from clusterrep.data import atomic_write


def write_rows(path, rows: list[dict]) -> None:
    "Rows (dicts with the same keys) as CSV at `path`, written atomically; nothing is written for no rows."
    if not rows:
        return
    with atomic_write(path, "w", newline="") as f:
        out = csv.DictWriter(f, fieldnames=list(rows[0]))
        out.writeheader(); out.writerows(rows)


def print_row(row: dict, digits: int = 3) -> None:
    "One result row as a dict with floats rounded, flushed (progress of a long run)."
    print({c: (round(v, digits) if isinstance(v, float) else v) for c, v in row.items()}, flush=True)
