"""Does the alternating search reach the objective's minimum? (issue 27)

For every synthetic dataset and every cluster-specific autoencoder (TAE1, TAE2, PTAE of paper 1), one row per
repetition r (the data redrawn with seed r):

* **found**: the estimator with its *default* settings (`n_init` restarts, the best chosen by loss) -- its objective
  `loss_` = mean_i min_j L_ij and the ARI of its labels;
* **generative**: `tensorized.objective_at_partition`: the same estimator trained with S fixed to the generative
  partition (`--gen-init` restarts of `--gen-epochs` Adam epochs and `--gen-polish` L-BFGS evaluations, far beyond
  any default budget) -- the objective there, mean_i L_(i, y_i), the minimum the search should reach;
* **stuck?**: `yes` when found > 1.1 x generative (the search stopped above a partition it could have reached);
  `-` when the generative partition is not lower (then the loss prefers another partition, and no search can help);
* **baseline**: the same estimator and seed with `--baseline` changes (default `polish=0`: paper 1's plain
  alternation), fitted in the same row, and the ratio of the two fit times.

The plain AE is not in the table: its objective does not depend on S (it labels by k-means on one embedding).
Labels only evaluate; nothing is selected by them. `--param name=value` overrides an estimator parameter of the
"found" fit (e.g. `--param polish=0` for paper 1's plain alternation without `polish`), so two searches can be compared:

    OMP_NUM_THREADS=1 python benchmarks/search_check.py --reps 3
    OMP_NUM_THREADS=1 python benchmarks/search_check.py --reps 3 --param polish=0
    OMP_NUM_THREADS=1 python benchmarks/search_check.py --reps 3 --seed-offset 100 --oversegment 4

(`--seed-offset` refits with other estimator seeds on the same data, an independent trial of the search;
`--oversegment` changes how many times k clusters `search='prune'` starts from; `--prune-split A B` gives its
over-segmented run round(A * max_epochs) epochs and the finish with the k kept networks round(B * max_epochs), instead
of the library's two thirds and one third, `ClusterSpecificEstimator._prune_epochs`.)

It prints one markdown table (and writes it as CSV with `--csv`); the last line gives the number of stuck rows, the
mean ARI and the total fit time of the "found" fits.
"""
import argparse
import ast
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CLUSTERREP_DATA", str(ROOT.parent / "shared" / "data"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from clusterrep.ae import _ClusterAutoencoder, make_autoencoder  # noqa: E402
from clusterrep.data import load_dataset, make_gaussian_clusters  # noqa: E402
from clusterrep.tensorized import ClusterSpecificEstimator, objective_at_partition  # noqa: E402


def _line_cov(angle_deg: float, along: float = 10.0, across: float = 0.05) -> np.ndarray:
    "Covariance of a thin Gaussian 'line' in the plane at the given angle."
    u = np.array([np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))])
    w = np.array([-u[1], u[0]])
    return along * np.outer(u, u) + across * np.outer(w, w)


def _plane_cov(normal_axis: int, spread: float = 3.0, thickness: float = 0.01) -> np.ndarray:
    "Covariance of a thin Gaussian 'plane' in 3-D, orthogonal to one coordinate axis."
    c = np.full(3, spread)
    c[normal_axis] = thickness
    return np.diag(c)


# Cases built for this check (beyond the paper's synthetic sets): (means, covs, n_samples)
EXTRA = {
    # three lines through (nearly) one point, at 0, 60 and 120 degrees
    "crossing": ([(0, 0), (0.5, 0), (0, 0.5)], [_line_cov(a) for a in (0, 60, 120)], 150),
    # three parallel lines at unequal offsets (gaps 3 and 6 across the lines)
    "offsets": ([(0, -3), (0, 0), (0, 6)], [_line_cov(0)] * 3, 150),
    # three thin planes in 3-D, orthogonal to the x, y and z axes
    "planes_3d": ([(0, 0, 0), (3, 0, 0), (0, 0, 3)], [_plane_cov(a) for a in range(3)], 300),
}
PAPER_SETS = ("parallel_lines", "orthogonal", "triangle", "simpson", "lines_3d")
DATASETS = PAPER_SETS + tuple(EXTRA)
MODELS = ("TAE1", "TAE2", "PTAE")


def load(name: str, rep: int):
    "X (n, d) float32 and labels of a dataset, drawn with seed `rep`."
    if name in EXTRA:
        means, covs, n = EXTRA[name]
        return make_gaussian_clusters(means, covs, n, dummy_dims=3, random_state=rep)
    ds = load_dataset(name, random_state=rep)
    return ds.X.astype(np.float32), ds.y


def _value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


CACHE = ROOT / "nbs" / "results" / "cache" / "search_check_generative.json"


def generative_objective(name, model, rep, X, y, params, gen_init, gen_epochs, gen_polish) -> float:
    "Objective at the generative partition (cached: it does not depend on the search being compared)."
    gen_params = {p: v for p, v in params.items() if p in ("lam", "lr", "batch_size", "hidden", "embedding_dim")}
    key = repr((name, model, rep, gen_init, gen_epochs, gen_polish, sorted(gen_params.items())))
    cache = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    if key not in cache:
        k = len(np.unique(y))
        est = make_autoencoder(model, k, random_state=rep, n_init=gen_init, max_epochs=gen_epochs, patience=None,
                               polish=gen_polish, **gen_params)
        cache[key] = objective_at_partition(est, X, y)["fixed"]
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        CACHE.write_text(json.dumps(cache, indent=0))
    return cache[key]


SEED_OFFSET = 0   # `--seed-offset`: the estimators' seed is rep + offset (the data stay those of seed rep)


def fit(model, k, rep, params, X, y):
    "Fit and time one estimator; its objective (loss_), ARI and seconds."
    t0 = time.perf_counter()
    est = make_autoencoder(model, k, random_state=rep + SEED_OFFSET, **params).fit(X)
    return float(est.loss_), adjusted_rand_score(y, est.labels_), time.perf_counter() - t0


def check_row(name: str, model: str, rep: int, params: dict, baseline: dict, gen_init: int, gen_epochs: int,
              gen_polish: int) -> dict:
    X, y = load(name, rep)
    k = len(np.unique(y))
    base, base_ari, base_s = fit(model, k, rep, {**params, **baseline}, X, y)
    found, ari, seconds = fit(model, k, rep, params, X, y)
    generative = generative_objective(name, model, rep, X, y, params, gen_init, gen_epochs, gen_polish)
    return dict(dataset=name, model=model, rep=rep, baseline=base, baseline_ari=base_ari, found=found, ari=ari,
                generative=generative, ratio=found / generative,
                stuck="yes" if found > 1.1 * generative else ("no" if generative < found else "-"),
                baseline_stuck="yes" if base > 1.1 * generative else "no", seconds=seconds, baseline_seconds=base_s)


def parse_params(ap, items) -> dict:
    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            ap.error(f"expected NAME=VALUE, got {item!r}")
        params[name] = _value(value)
    return params


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--gen-init", type=int, default=3, help="restarts of the fit with S fixed to the generative partition")
    ap.add_argument("--gen-epochs", type=int, default=1000, help="Adam epochs of each such restart (no early stopping)")
    ap.add_argument("--gen-polish", type=int, default=1000, help="then L-BFGS evaluations with S fixed (`polish`)")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="estimator parameter of the 'found' fits (repeatable)")
    ap.add_argument("--baseline", action="append", default=None, metavar="NAME=VALUE",
                    help="what the baseline fits change (repeatable; default polish=0: paper 1's plain alternation)")
    ap.add_argument("--seed-offset", type=int, default=0,
                    help="estimator seeds rep + offset on the same data: independent search trials, same generative objectives")
    ap.add_argument("--oversegment", type=int, default=None,
                    help="search='prune' over-segments into this many times k clusters (default: the library's, 3)")
    ap.add_argument("--prune-split", type=float, nargs=2, default=None, metavar=("A", "B"),
                    help="search='prune' epochs: round(A * max_epochs) over-segmented, round(B * max_epochs) after pruning")
    ap.add_argument("--csv", type=Path, default=None)
    args = ap.parse_args(argv)
    global SEED_OFFSET
    SEED_OFFSET = args.seed_offset
    if args.oversegment is not None:
        _ClusterAutoencoder._oversegment = args.oversegment
    if args.prune_split is not None:
        a, b = args.prune_split
        ClusterSpecificEstimator._prune_epochs = lambda self: (max(1, round(a * self.max_epochs)), round(b * self.max_epochs))
    params, baseline = parse_params(ap, args.param), parse_params(ap, args.baseline or ["polish=0"])
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    t0 = time.perf_counter()
    print(f"found: the estimator's defaults {params or ''}; baseline: the same with {baseline}; generative: S fixed, "
          f"{args.gen_init} restarts x ({args.gen_epochs} Adam epochs without early stopping + {args.gen_polish} L-BFGS "
          "evaluations)")
    print("| dataset | model | rep | baseline objective (ARI) | found objective | found ARI | generative objective | "
          "found / generative | stuck? | time found / baseline |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    X0, y0 = load(args.datasets[0], 0)
    fit(args.models[0], len(np.unique(y0)), 0, params, X0, y0)   # warm-up: the first fit in a process pays one-off costs
    rows = []
    for name in args.datasets:
        for model in args.models:
            for rep in range(args.reps):
                r = check_row(name, model, rep, params, baseline, args.gen_init, args.gen_epochs, args.gen_polish)
                rows.append(r)
                print(f"| {name} | {model} | {rep} | {r['baseline']:.4f} ({r['baseline_ari']:.2f}) | {r['found']:.4f} | "
                      f"{r['ari']:.2f} | {r['generative']:.4f} | {r['ratio']:.2f} | {r['stuck']} | "
                      f"{r['seconds'] / r['baseline_seconds']:.2f} |", flush=True)
    df = pd.DataFrame(rows)
    if args.csv:
        df.to_csv(args.csv, index=False)
    print(f"\nstuck rows: found {int((df.stuck == 'yes').sum())}, baseline {int((df.baseline_stuck == 'yes').sum())} "
          f"of {len(df)}; mean ARI found {df.ari.mean():.3f}, baseline {df.baseline_ari.mean():.3f}; fit time found / "
          f"baseline {df.seconds.sum() / df.baseline_seconds.sum():.2f} (sum over rows); total "
          f"{time.perf_counter() - t0:.0f} s, torch {torch.__version__}")


if __name__ == "__main__":
    main()
