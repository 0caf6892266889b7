"""Cost of the progress bar (clusterrep.training.FitProgress): the same fits with the bar shown and hidden.

Command (from the repository root, 2-core machine, no GPU):

    OMP_NUM_THREADS=1 python benchmarks/progress_overhead.py

Fits TAE on iris (full batch: ~1 ms epochs, the worst case for a per-epoch bar) and SoftKMeans-like DEC-free
restarts, alternating bar on (`verbose=True`, the bar written to /dev/null, so tqdm formats and writes as on a
terminal) and off (`verbose=False`), `--repeats` times each. Prints, per model: the median wall time of a fit with
and without the bar, their ratio (bar / no bar), and whether the fitted labels, loss and per-restart losses are
bit-identical (the bar must not consume random numbers). Ratios are only meaningful within one run.
First it prints the cost of one `FitProgress.step(loss)` (one epoch's update) with the bar shown and hidden, in
microseconds, over `--steps` steps.
"""
import argparse
import contextlib
import os
import statistics
import time

import numpy as np


def fit_once(make, X, verbose):
    "Fit a fresh estimator with stderr sent to /dev/null; (seconds, estimator)."
    with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
        est = make(verbose)
        start = time.perf_counter()
        est.fit(X)
        return time.perf_counter() - start, est


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=200_000)
    args = parser.parse_args()
    from clusterrep.training import FitProgress
    for shown in (True, False):
        with open(os.devnull, "w") as sink, FitProgress(4, args.steps // 4, verbose=shown, file=sink) as bar:
            start = time.perf_counter()
            for i in range(args.steps):
                if i % (args.steps // 4) == 0:
                    bar.start_restart(i // (args.steps // 4))
                bar.step(1.0 / (i + 1))
            seconds = time.perf_counter() - start
        print(f"FitProgress.step, bar {'shown' if shown else 'hidden'}: {1e6 * seconds / args.steps:.2f} us per epoch")
    from clusterrep.ae import TAE, AE
    from clusterrep.data import load_dataset
    X = load_dataset("iris", scale="standard").X
    models = {
        "TAE iris, 3 restarts x 300 epochs, full batch": lambda v: TAE(3, n_init=3, max_epochs=300, batch_size=None,
                                                                        patience=None, random_state=0, verbose=v),
        "AE iris, 2 restarts x 200 epochs, batch 16": lambda v: AE(3, n_init=2, max_epochs=200, batch_size=16,
                                                                    patience=None, random_state=0, verbose=v),
    }
    print(f"{'model':48s} {'bar on (s)':>10s} {'bar off (s)':>11s} {'ratio':>6s}  identical")
    for name, make in models.items():
        times = {True: [], False: []}
        fitted = {}
        fit_once(make, X, False)  # warm-up
        for _ in range(args.repeats):
            for verbose in (True, False):
                seconds, est = fit_once(make, X, verbose)
                times[verbose].append(seconds)
                fitted[verbose] = est
        on, off = statistics.median(times[True]), statistics.median(times[False])
        a, b = fitted[True], fitted[False]
        same = (np.array_equal(a.labels_, b.labels_) and a.loss_ == b.loss_ and a.restarts_ == b.restarts_
                and a.history_ == b.history_)
        print(f"{name:48s} {on:10.3f} {off:11.3f} {on / off:6.3f}  {same}")


if __name__ == "__main__":
    main()
