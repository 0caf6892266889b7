"""Time `clusterrep.importance.importance_maps` for 64 MNIST images under a fitted DTKC (issue 24).

Target (GitHub issue 24): the importance helper explains 64 images of a fitted DTKC in <= 60 s on 2 CPU cores
(the background size stated). A DTKC is first fitted on MNIST training digits (a short fit: the network's
architecture, not its weights, sets the cost; the fit is not timed), then the 64 first MNIST test images are
explained against random training images for each background size, with DeepExplainer (the helper's choice for
DTKC, `method='auto'`) and, for comparison, GradientExplainer (`nsamples` samples per image). Each configuration is
timed `--repeats` times in alternation; the median wall time is reported, with the process CPU time (user +
system, all threads: on a loaded machine CPU time / threads estimates the wall time on 2 free cores), the
local-accuracy error (max |sum of SHAP values - (f(x) - E f(background))|) and whether the 60 s target is met.

    OMP_NUM_THREADS=1 python benchmarks/importance_speed.py --threads 1 --backgrounds 50 100 200 --repeats 2

Prints each timing as it is measured, then a markdown table with one row per (explainer, background size): median
wall seconds for the 64 images (min-max), median process CPU seconds, seconds per image, local-accuracy error, and
the target (wall <= 60 s) met or not.
"""
import argparse
import os
import platform
import statistics
import time


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    ap.add_argument("--images", type=int, default=64, help="images explained (default 64)")
    ap.add_argument("--backgrounds", type=int, nargs="+", default=[50, 100, 200], help="background sizes")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--nsamples", type=int, default=200, help="GradientExplainer samples per image")
    ap.add_argument("--no-gradient", action="store_true", help="time DeepExplainer only")
    ap.add_argument("--fit-images", type=int, default=500, help="MNIST training digits for the DTKC fit")
    ap.add_argument("--fit-epochs", type=int, default=3)
    args = ap.parse_args(argv)

    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    from clusterrep.data import load_dataset
    from clusterrep.dtkc import DTKC
    from clusterrep.importance import importance_maps

    train = load_dataset("mnist", split="train", n_per_class=args.fit_images // 10, flat=False, scale=True)
    X = load_dataset("mnist", split="test", flat=False, scale=True).X[: args.images]
    t0 = time.perf_counter()
    est = DTKC(n_clusters=10, max_epochs=args.fit_epochs, random_state=0).fit(train.X)
    print(f"machine: {platform.processor() or platform.machine()}, torch threads {torch.get_num_threads()}; "
          f"DTKC fitted on {len(train.X)} MNIST training digits, {args.fit_epochs} epochs "
          f"({time.perf_counter() - t0:.0f} s, not timed below); load average before timing "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    rng = np.random.default_rng(0)
    configs = [("deep", b) for b in args.backgrounds]
    if not args.no_gradient: configs += [("gradient", b) for b in args.backgrounds]
    backgrounds = {b: train.X[rng.choice(len(train.X), b, replace=False)] for b in args.backgrounds}
    times, cpu = {c: [] for c in configs}, {c: [] for c in configs}
    errors = {}
    for _ in range(args.repeats):
        for method, b in configs:  # alternate the configurations so they see the same load
            t, c = time.perf_counter(), time.process_time()
            m = importance_maps(est, X, backgrounds[b], method="auto" if method == "deep" else method,
                                nsamples=args.nsamples)
            times[(method, b)].append(time.perf_counter() - t)
            cpu[(method, b)].append(time.process_time() - c)
            print(f"{method} background {b}: {times[(method, b)][-1]:.1f} s wall, {cpu[(method, b)][-1]:.1f} s CPU",
                  flush=True)
            assert m.method == method, (m.method, method)
            errors[(method, b)] = m.additivity_error
    print(f"| explainer | background | {args.images} images: median wall s (min-max) | median CPU s | "
          f"wall s per image | local-accuracy error | wall <= 60 s |")
    print("|---|---|---|---|---|---|---|")
    for method, b in configs:
        ts = times[(method, b)]
        med = statistics.median(ts)
        label = "DeepExplainer" if method == "deep" else f"GradientExplainer ({args.nsamples} samples)"
        print(f"| {label} | {b} | {med:.1f} ({min(ts):.1f}-{max(ts):.1f}) | "
              f"{statistics.median(cpu[(method, b)]):.1f} | {med / args.images:.2f} | "
              f"{errors[(method, b)]:.1e} | {'met' if med <= 60 else 'not met'} |")
    print(f"load average after timing {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
