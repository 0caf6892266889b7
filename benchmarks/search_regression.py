"""No regression on paper 1's Figs. 2 and 7 from the search changes (issue 27).

Runs notebook 20's `cpu` preset (5 repetitions, n_init 1, 150 epochs, lr in {0.01, 0.1} chosen per model and
repetition by the training reconstruction MSE, never by ARI) with the library's *current* defaults, and compares
each model's mean ARI per dataset with the committed results of the same preset (`--reference`, produced before
`polish` existed): the verdict per cell is "ok" when the new mean is at least the reference mean minus one reference
sd. Also prints the mean seconds per fit and per epoch of both runs (different runs, so only a rough guide; the
side-by-side time ratio is `benchmarks/search_check.py`'s).

    OMP_NUM_THREADS=1 python benchmarks/search_regression.py --csv benchmarks/results/search_regression.csv
    python benchmarks/search_regression.py --from-csv benchmarks/results/search_regression.csv   # table only

Datasets run in the order given (`--datasets`); the CSV is rewritten after each (dataset, repetition).
"""
import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CLUSTERREP_DATA", str(ROOT.parent / "shared" / "data"))

import pandas as pd  # noqa: E402

from clusterrep.paper1_ae import AE_MODELS, PAPER1_AE_DATASETS, PRESETS, run_experiment, select_configurations  # noqa: E402

ORDER = ("parallel_lines", "orthogonal", "triangle", "lines_3d", "iris", "penguins", "mnist5")


def compare(new: pd.DataFrame, ref: pd.DataFrame) -> pd.DataFrame:
    "Per (dataset, model): reference mean ± sd, new mean, verdict (new >= ref mean - ref sd)."
    a, b = select_configurations(new), select_configurations(ref)
    rows = []
    for (ds, model), g in a.groupby(["dataset", "model"], sort=False):
        r = b[(b.dataset == ds) & (b.model == model) & (b.rep.isin(g.rep))]
        if r.empty:
            continue
        m, s = r.ari.mean(), r.ari.std(ddof=1) if len(r) > 1 else 0.0
        rows.append(dict(dataset=ds, model=model, reps=len(g), reference=f"{m:.2f} ± {s:.2f}", new=round(g.ari.mean(), 2),
                         verdict="ok" if g.ari.mean() >= m - s - 1e-9 else "REGRESSION",
                         seconds_ref=r.fit_seconds.mean() if "fit_seconds" in r else float("nan"),
                         seconds_new=g.fit_seconds.mean() if "fit_seconds" in g else float("nan")))
    return pd.DataFrame(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=list(ORDER), choices=list(PAPER1_AE_DATASETS))
    ap.add_argument("--reps", type=int, default=PRESETS["cpu"]["reps"])
    ap.add_argument("--reference", type=Path, default=ROOT / "nbs" / "results" / "paper1_autoencoders_cpu.csv")
    ap.add_argument("--csv", type=Path, default=None)
    ap.add_argument("--from-csv", type=Path, default=None, help="only compare an existing run")
    args = ap.parse_args(argv)
    if args.from_csv:
        new = pd.read_csv(args.from_csv)
    else:
        config = dict(PRESETS["cpu"], datasets=tuple(args.datasets), reps=args.reps)
        new = run_experiment(config, args.csv)
    table = compare(new, pd.read_csv(args.reference))
    pd.set_option("display.width", 200)
    print(table.to_string(index=False))
    done = table[table.model.isin(AE_MODELS)]
    print(f"\n{int((done.verdict == 'REGRESSION').sum())} regressions in {len(done)} cells; mean seconds per fit "
          f"{done.seconds_new.mean():.2f} (new) vs {done.seconds_ref.mean():.2f} (reference run)")


if __name__ == "__main__":
    main()
