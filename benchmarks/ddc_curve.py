"""Learning curves of DDC and DTKC: the training loss and the ACC / NMI of the whole set after every epoch.

Each (model, seed) pair is exactly one restart of `nbs/21_paper2_images.ipynb` (`DDC(n_init=1, random_state=seed)`
with the cpu preset's schedule), run through the estimator's own restart with an `on_epoch_end` hook, so the
lowest-loss epoch reproduces the notebook's row for that seed (`--check` also compares it with a plain `fit`).
Labels only evaluate: nothing here is selected by them.

    CLUSTERREP_DATA=../shared/data python benchmarks/ddc_curve.py --n-per-class 1000 --epochs 30 --threads 1 \
        --seeds 579362555 1097657231 --csv benchmarks/results/ddc_curve_p1000.csv --png nbs/figures/ddc_curve_p1000.png

Prints the epoch loss, ACC and NMI of every epoch per (model, seed), then the lowest-loss epoch (and with `--check`
the plain `fit()`'s loss and ACC beside it); writes the curves to `--csv` and the figure to `--png`.
"""
import argparse
import csv
import time
from pathlib import Path

import numpy as np
import torch

from clusterrep.data import atomic_write, load_dataset
from clusterrep.ddc import DDC, predict_batches
from clusterrep.dtkc import DTKC
from clusterrep.metrics import evaluate
from clusterrep.training import restart_seeds

MODELS = {"ddc": DDC, "dtkc": DTKC}


def make_estimator(model: str, k: int, seed: int, args) -> DDC:
    "The notebook's restart: n_init = 1, random_state = seed, the cpu preset's batch, learning rate and clipping."
    return MODELS[model](n_clusters=k, n_init=1, random_state=seed, max_epochs=args.epochs, patience=args.patience,
                         batch_size=120, lr=args.lr, rel_sigma=args.rel_sigma, bandwidth_rule=args.rule)


def curve(est: DDC, X: np.ndarray, y: np.ndarray) -> list[dict]:
    "Train the single restart of `est` as its `fit` would, recording loss, ACC and NMI after every epoch."
    run_seed = restart_seeds(est.random_state, 1)[0]      # the seed `fit` gives its single restart
    Xt = torch.as_tensor(X)
    rows, start = [], time.perf_counter()

    def record(epoch, net, loss):
        A, _ = predict_batches(net, Xt)
        rows.append(dict(epoch=epoch + 1, loss=loss, **evaluate(y, A.argmax(1).numpy()),
                         seconds=round(time.perf_counter() - start, 1)))
        print(f"  epoch {epoch + 1:3d} loss {loss:.5f} acc {rows[-1]['acc']:.3f} nmi {rows[-1]['nmi']:.3f}", flush=True)

    est._fit_once(X, run_seed, on_epoch_end=record)
    return rows


def write_csv(rows: list[dict], path: Path):
    "All rows so far, written atomically (never a half-written CSV)."
    with atomic_write(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader(); w.writerows(rows)


def plot(rows: list[dict], path: Path, title: str):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    colors = {"ddc": "tab:blue", "dtkc": "tab:orange"}
    seeds = sorted({r["seed"] for r in rows})
    linestyles = ["-", "--", ":", "-."]
    for model, seed in sorted({(r["model"], r["seed"]) for r in rows}):
        run = [r for r in rows if (r["model"], r["seed"]) == (model, seed)]
        ep = [r["epoch"] for r in run]
        best = min(run, key=lambda r: r["loss"])
        ls = linestyles[seeds.index(seed) % len(linestyles)]
        axes[0].plot(ep, [r["acc"] for r in run], ls, color=colors[model], label=f"{model.upper()} seed {seed}")
        axes[0].plot(best["epoch"], best["acc"], "o", color=colors[model])
        axes[1].plot(ep, [r["loss"] for r in run], ls, color=colors[model])
        axes[1].plot(best["epoch"], best["loss"], "o", color=colors[model])
    axes[0].set(xlabel="epoch", ylabel="ACC (whole set, eval mode)", title="clustering accuracy")
    axes[1].set(xlabel="epoch", ylabel="epoch loss", title="training loss (dot: lowest = the state kept)")
    axes[0].legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", default="mnist")
    p.add_argument("--split", default="train")
    p.add_argument("--n-per-class", type=int, default=1000)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--patience", type=int, default=30)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--rel-sigma", type=float, default=0.15)
    p.add_argument("--rule", default="paper")
    p.add_argument("--models", nargs="+", default=["ddc", "dtkc"], choices=sorted(MODELS))
    p.add_argument("--seeds", nargs="+", type=int, default=restart_seeds(0, 2))
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--check", action="store_true", help="also fit each restart with `fit` and compare its loss and ACC")
    p.add_argument("--csv", type=Path, default=None)
    p.add_argument("--png", type=Path, default=None)
    args = p.parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    ds = load_dataset(args.dataset, split=args.split, n_per_class=args.n_per_class, flat=False, scale=True)
    X, y = np.asarray(ds.X, dtype=np.float32), np.asarray(ds.y)
    k = len(np.unique(y))
    print(f"{args.dataset} ({args.split}, {args.n_per_class} per class): X {X.shape}, k = {k}")
    rows = []
    for seed in args.seeds:
        for model in args.models:
            print(f"{model} seed {seed}", flush=True)
            run = curve(make_estimator(model, k, seed, args), X, y)
            rows += [dict(model=model, seed=seed, **r) for r in run]
            best = min(run, key=lambda r: r["loss"])
            print(f"  lowest loss at epoch {best['epoch']}: acc {best['acc']:.4f} nmi {best['nmi']:.4f}; "
                  f"highest ACC over the epochs {max(r['acc'] for r in run):.4f}", flush=True)
            if args.check:
                fitted = make_estimator(model, k, seed, args).fit(X)
                m = evaluate(y, fitted.labels_)
                print(f"  fit(): loss {fitted.loss_:.6f} acc {m['acc']:.4f} (curve: {best['loss']:.6f}, {best['acc']:.4f})")
                if abs(fitted.loss_ - best["loss"]) > 1e-6 * abs(best["loss"]) or abs(m["acc"] - best["acc"]) > 1e-9:
                    raise SystemExit("the curve does not reproduce fit(): the script and the estimator disagree")
            if args.csv: write_csv(rows, args.csv)  # after every run, so an interrupted script keeps what it did
    if args.png:
        plot(rows, args.png, f"{args.dataset}, {len(y)} images, batch 120, Adam {args.lr:g}, σ̃ = {args.rel_sigma:g}")


if __name__ == "__main__":
    main()
