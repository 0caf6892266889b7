"""Time per epoch of TCL against CL (issue 22: TCL <= 1.5 x CL at k = 5, batch 128), fits alternating CL, TCL.

Each repeat fits CL and then TCL (k = 5, batch 128, the paper's network) on the same MNIST test images of digits
0-4 for a few epochs and records every epoch's wall time and this process's CPU time through the library's own loop (`train_loop`'s `monitor`
and `on_epoch_end` hooks); TCL's epoch includes its Lloyd step (the deterministic loss of every image under every
cluster, a pass without gradients). The first epoch of each fit is dropped (warm-up). Printed: per repeat the median
epoch of each model, TCL's Lloyd share and the ratio; then the median ratio over repeats. On a machine shared with
other jobs the wall times swing with their load; with one torch thread the process CPU time is the steadier measure.

    OMP_NUM_THREADS=1 python benchmarks/contrastive_speed.py [--repeats 5] [--epochs 4] [--n 1000] [--threads 1]
"""
import argparse
import os
import time

import numpy as np
import torch

from clusterrep.contrastive import CL, TCL
from clusterrep.data import load_dataset


def timed(cls):
    "The estimator class with per-epoch wall times (whole epoch, and the on_epoch_end hook = the Lloyd step)."
    class Timed(cls):
        def _train(self, params, batch_loss, n_samples, generator, on_epoch_end=None, **overrides):
            self.epoch_seconds_, self.lloyd_seconds_, self.epoch_cpu_, self.lloyd_cpu_ = [], [], [], []
            clocks = lambda: (time.perf_counter(), time.process_time())
            last = [clocks()]

            def end(epoch):
                t0 = clocks()
                out = on_epoch_end(epoch) if on_epoch_end is not None else None
                t1 = clocks()
                self.lloyd_seconds_.append(t1[0] - t0[0]); self.lloyd_cpu_.append(t1[1] - t0[1])
                return out

            def monitor(epoch, loss):
                now = clocks()
                self.epoch_seconds_.append(now[0] - last[0][0]); self.epoch_cpu_.append(now[1] - last[0][1])
                last[0] = now
            last[0] = clocks()
            return super()._train(params, batch_loss, n_samples, generator, on_epoch_end=end, monitor=monitor,
                                  **overrides)
    Timed.__name__ = Timed.__qualname__ = cls.__name__
    return Timed


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--epochs", type=int, default=4, help="epochs per fit (the first is dropped)")
    p.add_argument("--n", type=int, default=1000, help="images (MNIST test split, digits 0-4)")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: OMP_NUM_THREADS or torch's)")
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    d = load_dataset("mnist", split="test", classes=range(5))
    X = d.X[np.random.default_rng(0).permutation(len(d.X))[:a.n]]
    print(f"{a.n} images, k = {a.k}, batch 128, {a.epochs} epochs per fit (first dropped), "
          f"torch threads {torch.get_num_threads()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    ratios = {"wall": [], "cpu": []}
    for r in range(a.repeats):
        med = {}
        for cls in (CL, TCL):
            est = timed(cls)(a.k, max_epochs=a.epochs, batch_size=128, patience=None, random_state=r).fit(X)
            for clock, ep, ll in (("wall", est.epoch_seconds_, est.lloyd_seconds_), ("cpu", est.epoch_cpu_, est.lloyd_cpu_)):
                med[cls.__name__, clock] = np.median(ep[1:])
                med[cls.__name__, clock, "lloyd"] = np.median(ll[1:])
        line = []
        for clock in ("wall", "cpu"):
            ratios[clock].append(med["TCL", clock] / med["CL", clock])
            lloyd = med["TCL", clock, "lloyd"]
            line.append(f"{clock}: CL {med['CL', clock]:.3f} s, TCL {med['TCL', clock]:.3f} s (Lloyd step {lloyd:.3f} s, "
                        f"{lloyd / med['TCL', clock]:.0%}), TCL/CL {ratios[clock][-1]:.3f}")
        print(f"repeat {r}: " + "; ".join(line), flush=True)
    for clock, v in ratios.items():
        print(f"TCL/CL time per epoch ({clock} clock): median {np.median(v):.3f} (min {min(v):.3f}, max {max(v):.3f}) "
              f"over {a.repeats} alternating repeats; target <= 1.5")


if __name__ == "__main__":
    main()
