"""TRBM vs RBM speed on MNIST (784 visible units, batch 64), same hidden units per cluster.

Measures, side by side in one process (runs alternate, medians over --repeats):
  * a CD-1 training epoch with S fixed, exactly as `fit` trains: the estimators' own batches (TRBM's default
    cluster-homogeneous ones, `batching="balanced"`, and `batching="mixed"` side by side), parameters
    (`_train_parameters`) and training step (`_assigned_losses`) in the library's `train_loop` (Adam), S = the
    k-means++ start of the meta-algorithm;
  * the split of one step into CD loss forward+backward and the Adam update (why the ratio is what it is);
  * the Lloyd step's pass (every cluster's reconstruction of every point, `_eval_losses`) against its floor,
    k times the RBM's pass;
  * whole fits (`fit`, 15 epochs, the paper's Fig. 5 training) of TRBM against RBM: TRBM with paper 1's direct search
    (`search="direct"`, balanced and mixed batches) and with the default search (`'both'`: direct and pruned).

    OMP_NUM_THREADS=1 python benchmarks/rbm_speed.py --k 2 10 --out benchmarks/results/rbm_speed.csv

Prints one dict per measurement (k, what was timed, RBM and TRBM medians, their ratio, the step split and the
Lloyd pass against its floor) and writes them to `--out` as CSV.
"""
import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from clusterrep.data import load_dataset
from clusterrep.rbm import RBM, TRBM
from clusterrep.training import make_generators, minibatches
from results_io import print_row, write_rows


def mnist(k: int, n_per_class: int) -> np.ndarray:
    "n_per_class training images of digits 0..k-1 (at least digits 0-1), binarized once with a fixed seed, flattened."
    ds = load_dataset("mnist", split="train", classes=tuple(range(max(k, 2))), n_per_class=n_per_class)
    X = ds.X.reshape(len(ds.X), -1)
    return (np.random.default_rng(0).random(X.shape) < X).astype(np.float32)


def setup(est, X: np.ndarray, seed: int = 0):
    "The estimator's network, data tensor and starting state S exactly as its fit builds them."
    X = est._check_fit_data(X)
    est.input_shape_ = est._feature_shape(X)
    est.n_features_in_ = int(np.prod(est.input_shape_))
    g, _ = make_generators(seed)
    Xt = est._prepare(X)
    model = est._build(g)
    S = est._initial_assignments(Xt, g)
    return model, Xt, S, g


def _padding(labels: torch.Tensor, k: int) -> float:
    "Rows the CD products compute per point: 1 for a one-cluster batch (its own weights), k · max_j n_j / n for a mixed one."
    counts = torch.bincount(labels, minlength=k)
    return 1.0 if int((counts > 0).sum()) == 1 else k * int(counts.max()) / len(labels)


def epoch_seconds(est, X, epochs: int) -> tuple[float, float]:
    """Median seconds per training epoch with S fixed, exactly as the fit trains (its batches, `_train_parameters`,
    train_loop + Adam), and the mean padding factor of the CD products."""
    model, Xt, S, g = setup(est, X)
    k = est._n_models()
    pads = []

    def batch_loss(idx):
        lab = S.labels[idx]
        pads.append(_padding(lab, k))
        return est._assigned_losses(model, Xt[idx], lab, S.centers).mean()

    stamps = [time.perf_counter()]
    batches = est._minibatches(S)
    est._train(est._train_parameters(model), batch_loss, len(Xt), g, max_epochs=epochs, patience=None,
               monitor=lambda epoch, loss: stamps.append(time.perf_counter()),
               **({} if batches is None else dict(batches=batches)))
    return statistics.median(np.diff(stamps)), float(np.mean(pads))


def step_split(est, X, steps: int = 30) -> tuple[float, float]:
    "Median milliseconds of one step's CD loss forward+backward and of its Adam update (the fit's batches and parameters)."
    model, Xt, S, g = setup(est, X)
    opt = torch.optim.Adam(est._train_parameters(model), lr=est.lr)
    batches = est._minibatches(S) or minibatches
    fb, upd = [], []
    for idx in list(batches(len(Xt), est.batch_size, g))[:steps]:
        t0 = time.perf_counter()
        loss = est._assigned_losses(model, Xt[idx], S.labels[idx], S.centers).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        t1 = time.perf_counter()
        opt.step()
        t2 = time.perf_counter()
        fb.append(t1 - t0); upd.append(t2 - t1)
    return 1e3 * statistics.median(fb), 1e3 * statistics.median(upd)


def lloyd_seconds(est, X, repeats: int = 3) -> float:
    "Median seconds of the Lloyd step's pass: every cluster's loss of every point, without gradients."
    model, Xt, S, _ = setup(est, X)
    model.eval()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        est._eval_losses(model, Xt, S.centers)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def fit_seconds(est, X) -> float:
    t0 = time.perf_counter()
    est.fit(X)
    return time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--k", type=int, nargs="+", default=[2, 10])
    p.add_argument("--hidden", type=int, default=500, help="hidden units per cluster (the RBM has the same)")
    p.add_argument("--n-per-class", type=int, default=200)
    p.add_argument("--epochs", type=int, default=3, help="epochs per timed training run")
    p.add_argument("--fit-epochs", type=int, default=15)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", type=Path, default=None)
    a = p.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    w = torch.nn.Parameter(torch.zeros(2))      # torch imports torch._dynamo at the first optimizer step (seconds):
    opt = torch.optim.Adam([w]); (w ** 2).sum().backward(); opt.step()   # pay it before any timing
    rows = []
    for k in a.k:
        X = mnist(k, a.n_per_class)
        common = dict(n_hidden=a.hidden, batch_size=64, lr=1e-3, random_state=0)
        make = {"rbm": lambda: RBM(k, **common), "trbm": lambda: TRBM(k, search="direct", **common),   # balanced batches
                "trbm_mixed": lambda: TRBM(k, batching="mixed", search="direct", **common)}
        ep = {m: [] for m in make}; pad = {}
        for _ in range(a.repeats):                       # alternate the two models
            for m in make:
                s, pad[m] = epoch_seconds(make[m](), X, a.epochs)
                ep[m].append(s)
        split = {m: step_split(make[m](), X) for m in make}
        ll = {m: [] for m in ("rbm", "trbm")}
        for _ in range(a.repeats):
            for m in ll:
                ll[m].append(lloyd_seconds(make[m](), X, 1))
        fit_make = {**make, "trbm_both": lambda: TRBM(k, **common)}   # the default search='auto' ('both')
        fits = {m: [] for m in fit_make}
        for _ in range(max(1, a.repeats - 1)):
            for m in fit_make:
                fits[m].append(fit_seconds(fit_make[m]().set_params(max_epochs=a.fit_epochs), X))
        med = lambda v: statistics.median(v)
        row = dict(k=k, n=len(X), hidden_per_cluster=a.hidden, threads=torch.get_num_threads(),
                   rbm_epoch_s=med(ep["rbm"]), trbm_epoch_s=med(ep["trbm"]), epoch_ratio=med(ep["trbm"]) / med(ep["rbm"]),
                   trbm_mixed_epoch_s=med(ep["trbm_mixed"]), mixed_epoch_ratio=med(ep["trbm_mixed"]) / med(ep["rbm"]),
                   trbm_padding=pad["trbm"], trbm_mixed_padding=pad["trbm_mixed"],
                   rbm_step_fwd_bwd_ms=split["rbm"][0], rbm_step_adam_ms=split["rbm"][1],
                   trbm_step_fwd_bwd_ms=split["trbm"][0], trbm_step_adam_ms=split["trbm"][1],
                   trbm_mixed_step_fwd_bwd_ms=split["trbm_mixed"][0], trbm_mixed_step_adam_ms=split["trbm_mixed"][1],
                   rbm_lloyd_s=med(ll["rbm"]), trbm_lloyd_s=med(ll["trbm"]),
                   lloyd_vs_floor=med(ll["trbm"]) / (k * med(ll["rbm"])),
                   rbm_fit_s=med(fits["rbm"]), trbm_fit_s=med(fits["trbm"]), fit_ratio=med(fits["trbm"]) / med(fits["rbm"]),
                   trbm_mixed_fit_s=med(fits["trbm_mixed"]), mixed_fit_ratio=med(fits["trbm_mixed"]) / med(fits["rbm"]),
                   trbm_both_fit_s=med(fits["trbm_both"]), both_fit_ratio=med(fits["trbm_both"]) / med(fits["rbm"]))
        rows.append(row)
        print_row(row, 4)
    if a.out is not None:
        write_rows(a.out, rows)


if __name__ == "__main__":
    main()
