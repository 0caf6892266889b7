"""Milliseconds per training step of DDC and DTKC (the paper's CNN, batch 120, 28x28 images, k = 10) on whatever
device it runs, through the estimators' own training loop (`train_clustering_net`: Adam, clipping at 10, the loss as
the estimator builds it), for each training path the code offers.

    OMP_NUM_THREADS=1 python benchmarks/step_speed.py                    # this checkout, on the CPU
    OMP_NUM_THREADS=1 python benchmarks/step_speed.py --device cuda      # on a GPU
    OMP_NUM_THREADS=1 python benchmarks/step_speed.py --repos /tmp/head . --rounds 8 --paths default   # side by side

Each measurement fits one restart on `--n` random images in [0, 1] (`--n` / 120 steps per epoch) for `--epochs`
epochs after one warm-up epoch and reports the median over `--rounds` rounds of wall milliseconds per step. Paths:
`default` (the estimator's defaults), `drop_last` (fixed-shape batches drawn on the device, no per-step finiteness
check: the GPU path), and `paper-rule` / `l2none` (the other bandwidth rule / the paper's un-normalized L2, for the
cost of the options). A checkout that lacks a path's parameters skips it. With `--repos A B ...` every round runs
each checkout in its own process, one after the other (A B, then B A, ...), so both see the same machine load; the
last column is each checkout's time over the first's. On a loaded machine compare one path at a time (`--paths
default`): every path a process measures shifts the load under the next. Prints one markdown table.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PATHS = {"default": {}, "drop_last": {"drop_last": True}, "paper-rule": {"bandwidth_rule": "paper"},
         "l2none": {"l2_normalization": "none"}}


def measure(device: str, n: int, epochs: int, methods, paths) -> dict:
    "{(method, path): ms per step} for the checkout on sys.path."
    import numpy as np
    import torch
    from clusterrep.ddc import DDC, train_clustering_net
    from clusterrep.dtkc import DTKC
    torch.manual_seed(0)
    X = torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(0)).to(device)
    out = {}
    for method in methods:
        cls = {"ddc": DDC, "dtkc": DTKC}[method]
        for path in paths:
            params = PATHS[path]
            if set(params) - set(cls().get_params()):
                continue                                       # an older checkout without this option
            est = cls(n_clusters=10, random_state=0, device=device, **params)
            net = est._build_net((1, 28, 28), 0)
            companions = est._companions(net)
            kwargs = {"drop_last": True} if params.get("drop_last") else {}
            def run(e):
                if device.startswith("cuda"): torch.cuda.synchronize()
                t = time.perf_counter()
                train_clustering_net(net, est._batch_loss(companions), X, lengths=None, n_clusters=10, seed=0,
                                     max_epochs=e, batch_size=120, lr=1e-3, patience=None, clip_norm=10.0, **kwargs)
                if device.startswith("cuda"): torch.cuda.synchronize()
                return time.perf_counter() - t
            run(1)                                             # warm-up (allocator, kernels, caches)
            steps = epochs * (n // 120)
            out[f"{method}|{path}"] = 1000 * run(epochs) / steps
            if companions is not None: companions.remove()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--n", type=int, default=1200, help="images (a multiple of 120: every path takes the same steps)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--methods", nargs="+", default=["ddc", "dtkc"])
    ap.add_argument("--paths", nargs="+", default=list(PATHS), choices=list(PATHS))
    ap.add_argument("--repos", nargs="+", default=None, help="checkouts to compare, each in its own process")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # child mode: print one JSON line
    a = ap.parse_args()
    if a.n % 120:
        ap.error("--n must be a multiple of 120")
    if a.json:
        print(json.dumps(measure(a.device, a.n, a.epochs, a.methods, a.paths)))
        return
    repos = [str(Path(r).resolve()) for r in (a.repos or [Path(__file__).resolve().parents[1]])]
    results = {r: [] for r in repos}
    for rnd in range(a.rounds):
        for r in (repos if rnd % 2 == 0 else repos[::-1]):     # A B, B A, A B, ...: drifting load hits both alike
            env = dict(os.environ, PYTHONPATH=r)
            cmd = [sys.executable, str(Path(__file__).resolve()), "--json", "--device", a.device, "--n", str(a.n),
                   "--epochs", str(a.epochs), "--methods", *a.methods, "--paths", *a.paths]
            line = subprocess.run(cmd, env=env, cwd=r, check=True, capture_output=True, text=True).stdout.strip()
            results[r].append(json.loads(line.splitlines()[-1]))
    keys = [f"{m}|{p}" for m in a.methods for p in a.paths]
    print(f"device {a.device}, {a.n} images, {a.epochs} epochs of {a.n // 120} steps, median of {a.rounds} rounds; "
          f"torch threads {os.environ.get('OMP_NUM_THREADS', 'default')}")
    print("| method | path | " + " | ".join(f"ms/step {Path(r).name}" for r in repos)
          + (" | " + " | ".join(f"{Path(r).name} / {Path(repos[0]).name}" for r in repos[1:]) if len(repos) > 1 else "") + " |")
    print("|---|---|" + "---|" * (len(repos) + max(len(repos) - 1, 0)))
    for k in keys:
        med = [statistics.median(run[k] for run in results[r]) if all(k in run for run in results[r]) else None
               for r in repos]
        if all(m is None for m in med):
            continue
        cells = ["–" if m is None else f"{m:.1f}" for m in med]
        ratios = ["–" if m is None or med[0] is None else f"{m / med[0]:.3f}" for m in med[1:]]
        method, path = k.split("|")
        print(f"| {method} | {path} | " + " | ".join(cells + ratios) + " |")


if __name__ == "__main__":
    main()
