"""Fit time and objective of the searches of the meta-algorithm, side by side (issue 27).

For every synthetic set and model of `benchmarks/search_check.py` (TAE1, TAE2, PTAE; 8 sets x 3 draws), the same
estimator and seed is fitted back to back with paper 1's plain alternation (`polish=0`) and with
`search='direct'`, `'prune'` and `'both'` (all with the default polish budget); the order rotates from row to row so
that load from other processes hits every variant alike. Prints, per variant, the summed fit time over all rows and its
ratio to the plain scheme's, the mean objective ratio to the plain scheme and the mean ARI (labels only evaluate);
then, per dataset and model, how many of the rows each variant leaves *stuck* (objective > 1.1 x the objective at the
generative partition, `search_check.generative_objective`: read from its cache, computed where missing) and its mean
ARI. `--from-csv` prints both tables again from a saved CSV without refitting.

    OMP_NUM_THREADS=1 CLUSTERREP_DATA=../shared/data python benchmarks/search_time.py --csv benchmarks/results/search_time.csv
    python benchmarks/search_time.py --from-csv benchmarks/results/search_time.csv
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("CLUSTERREP_DATA", str(ROOT.parent / "shared" / "data"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from clusterrep.ae import make_autoencoder  # noqa: E402
from search_check import DATASETS, MODELS, generative_objective, load  # noqa: E402

VARIANTS = {"plain": dict(polish=0), "direct": dict(search="direct"), "prune": dict(search="prune"),
            "both": dict(search="both")}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--csv", type=Path, default=None)
    ap.add_argument("--from-csv", type=Path, default=None, help="print the tables of a saved run, no fitting")
    args = ap.parse_args(argv)
    if args.from_csv:
        report(pd.read_csv(args.from_csv))
        return
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    X0, y0 = load(args.datasets[0], 0)
    make_autoencoder(args.models[0], len(np.unique(y0)), random_state=0).fit(X0)   # warm-up: one-off costs
    rows, names, turn = [], list(VARIANTS), 0
    for name in args.datasets:
        for model in args.models:
            for rep in range(args.reps):
                X, y = load(name, rep)
                k = len(np.unique(y))
                order = names[turn % len(names):] + names[:turn % len(names)]
                turn += 1
                for variant in order:
                    t0 = time.perf_counter()
                    est = make_autoencoder(model, k, random_state=rep, **VARIANTS[variant]).fit(X)
                    rows.append(dict(dataset=name, model=model, rep=rep, variant=variant, seconds=time.perf_counter() - t0,
                                     loss=float(est.loss_), ari=adjusted_rand_score(y, est.labels_)))
    df = pd.DataFrame(rows)
    if args.csv:
        df.to_csv(args.csv, index=False)
    report(df)


def stuck_table(df: pd.DataFrame) -> pd.DataFrame:
    "Per dataset and model: stuck rows and mean ARI of each variant (generative objectives as in search_check.py)."
    gen = {}
    for (name, model, rep), _ in df.groupby(["dataset", "model", "rep"], sort=False):
        X, y = load(name, rep)
        gen[name, model, rep] = generative_objective(name, model, rep, X, y, {}, 3, 1000, 1000)
    df = df.assign(generative=[gen[r.dataset, r.model, r.rep] for r in df.itertuples()])
    df["stuck"] = df.loss > 1.1 * df.generative
    return df.groupby(["dataset", "model", "variant"], sort=False).agg(stuck=("stuck", "sum"), rows=("stuck", "size"),
                                                                       ari=("ari", "mean"))


def report(df: pd.DataFrame) -> None:
    names = [v for v in VARIANTS if v in set(df.variant)]
    wide = df.pivot_table(index=["dataset", "model", "rep"], columns="variant", values=["seconds", "loss", "ari"])
    plain_s = wide["seconds"]["plain"].sum()
    print("| variant | fit time (s, sum over rows) | time / plain | mean objective / plain | mean ARI |")
    print("|---|---|---|---|---|")
    for v in names:
        print(f"| {v} | {wide['seconds'][v].sum():.1f} | {wide['seconds'][v].sum() / plain_s:.2f} | "
              f"{(wide['loss'][v] / wide['loss']['plain']).mean():.3f} | {wide['ari'][v].mean():.3f} |")
    print(f"\n{len(wide)} rows, torch {torch.__version__}\n")
    table = stuck_table(df)
    print("| dataset | model | stuck: " + " / ".join(names) + " | mean ARI: " + " / ".join(names) + " |")
    print("|---|---|---|---|")
    for (name, model), g in table.groupby(level=[0, 1], sort=False):
        g = g.droplevel([0, 1])
        print(f"| {name} | {model} | " + " / ".join(str(int(g.loc[v, 'stuck'])) for v in names) + " | "
              + " / ".join(f"{g.loc[v, 'ari']:.2f}" for v in names) + " |")
    tot = table.groupby(level=2).agg(stuck=("stuck", "sum"), rows=("rows", "sum"))
    print(f"| **all {int(tot.rows.iloc[0])} rows** | | " + " / ".join(str(int(tot.loc[v, 'stuck'])) for v in names)
          + " | " + " / ".join(f"{df[df.variant == v].ari.mean():.3f}" for v in names) + " |")


if __name__ == "__main__":
    main()
