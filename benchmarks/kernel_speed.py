"""Speed of DTKC's tensor kernels against the CNN's own training step and a per-pair SVD reference.

Target (GitHub issue 3): forward + backward of the tensor kernels for both conv blocks of the
paper-2 CNN <= 0.5 x one training step of that CNN on the DDC loss (forward, backward, gradient
clipping at 10, Adam), batch of 120 MNIST images, torch.set_num_threads(2).

Measured side by side: every repeat times each variant once, in the same order, so all see the same
machine load; the report gives per-variant medians and the median (and range) of the per-repeat
ratios. Variants:

* ``cnn_step``  - the CNN training step on the DDC loss (no companion objectives);
* ``kernels``   - tensor kernels (median bandwidth) of both block outputs + the two companion
                  objectives, forward and backward to the block outputs (all kernel work);
* ``dtkc_step`` - the full DTKC step (DDC + 0.01 x companions), for the end-to-end overhead;
* ``reference`` - the same kernels computed the straightforward way: one SVD per sample and mode,
                  then a Python loop over all pairs with d^2 = 2(D_m - ||V_a V_b^T||^2), forward
                  and backward. It is slow (thousands of tiny ops), so it runs on the first
                  ``--reference-n`` images only (default 40, 780 pairs), in the first
                  ``--reference-repeats`` repeats, side by side with ``kernels_sub``, the library's
                  kernels on the same sub-batch; the speed-up is reported at that batch size.

The minor page faults of each variant are printed too. With glibc's malloc defaults, memory one step frees is often
handed back to the system and the next step to allocate pays first-touch page faults (thousands per step here); which
step pays depends on the heap's state, so the ratio moves with it. `--keep-freed-memory` makes malloc keep freed
memory (mallopt), so that neither step pays them: the compute-only ratio, stable from run to run.

    python benchmarks/kernel_speed.py --threads 2 --repeats 15
    python benchmarks/kernel_speed.py --threads 2 --repeats 15 --keep-freed-memory
"""
import argparse
import json
import math
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CLUSTERREP_DATA", str(ROOT.parent / "shared" / "data"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


# --------------------------------------------------------------------------- data and model
def load_batch(n_per_class: int = 12) -> tuple[np.ndarray, str]:
    "120 MNIST test images (first 12 of each digit), (n, 1, 28, 28) float32 in [0, 1]."
    try:
        from clusterrep.data import load_dataset
        d = load_dataset("mnist", split="test", n_per_class=n_per_class, flat=False, scale=True, download=False)
        return d.X, "clusterrep.data.load_dataset('mnist', split='test', n_per_class=12)"
    except Exception as err:  # the loader is another engineer's work in progress: read the IDX files directly
        import gzip
        folder = Path(os.environ["CLUSTERREP_DATA"]) / "mnist"
        with gzip.open(folder / "t10k-images-idx3-ubyte.gz") as f:
            X = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
        with gzip.open(folder / "t10k-labels-idx1-ubyte.gz") as f:
            y = np.frombuffer(f.read(), np.uint8, offset=8)
        idx = np.concatenate([np.flatnonzero(y == c)[:n_per_class] for c in range(10)])
        return X[idx].astype(np.float32) / 255, f"IDX files read directly ({type(err).__name__}: {err})"


class PaperCNN(nn.Module):
    """Paper 2's CNN: two blocks [conv 32, ReLU, conv 32, BN, ReLU, max-pool 2] (5x5 then 3x3, valid
    padding as in the public code), FC 100 + ReLU + BN, softmax over k. Returns both block outputs,
    the hidden representation and the soft assignments."""

    def __init__(self, n_clusters: int = 10, in_channels: int = 1, image_size: int = 28):
        super().__init__()
        block = lambda cin, ks: nn.Sequential(nn.Conv2d(cin, 32, ks), nn.ReLU(), nn.Conv2d(32, 32, ks),
                                              nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
        self.block1, self.block2 = block(in_channels, 5), block(32, 3)
        side = ((image_size - 8) // 2 - 4) // 2
        self.hidden = nn.Sequential(nn.Flatten(), nn.Linear(32 * side * side, 100), nn.ReLU(), nn.BatchNorm1d(100))
        self.out = nn.Linear(100, n_clusters)

    def forward(self, x):
        y1 = self.block1(x)
        y2 = self.block2(y1)
        h = self.hidden(y2)
        return y1, y2, h, torch.softmax(self.out(h), 1)


def paper_cnn_setup(seed: int = 0):
    """The benchmark batch X, a paper CNN initialised with `seed`, its Adam optimiser, the batch's block outputs and
    soft assignments (no grad), and where the batch came from."""
    X_np, source = load_batch()
    X = torch.as_tensor(X_np)
    torch.manual_seed(seed)
    net = PaperCNN(10)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    with torch.no_grad():
        y1, y2, _, A = net(X)
    return X, net, opt, y1, y2, A, source


def ddc_train_step(net: nn.Module, opt: torch.optim.Optimizer, X: torch.Tensor) -> None:
    "One CNN training step on the DDC loss: forward, loss, backward, gradient clipping at 10, Adam update."
    from clusterrep.divergence import ddc_loss
    _, _, h, a = net(X)
    opt.zero_grad()
    ddc_loss(a, h)[0].backward()
    nn.utils.clip_grad_norm_(net.parameters(), 10.0)
    opt.step()


# --------------------------------------------------------------------------- the per-pair reference
def reference_tensor_kernel(Y: torch.Tensor, rel_sigma: float = 0.15) -> torch.Tensor:
    "Straightforward tensor kernel: an SVD per sample and mode, a Python loop over pairs (transposition rule kept)."
    from clusterrep.grassmann import transpose_tall
    from clusterrep.kernels import matricize, kernel_from_sq_dists
    n = len(Y)
    i, j = torch.triu_indices(n, n, 1)
    pair_d2 = 0
    for m in range(Y.ndim - 1):
        M = transpose_tall(matricize(Y, m))
        p = M.shape[1]
        V = [torch.linalg.svd(M[a], full_matrices=False)[2] for a in range(n)]
        pair_d2 = pair_d2 + torch.stack([2 * (p - (V[a] @ V[b].T).square().sum()) for a, b in zip(i.tolist(), j.tolist())])
    D = Y.new_zeros(n, n).index_put((i, j), pair_d2).index_put((j, i), pair_d2)
    return kernel_from_sq_dists(D.clamp_min(0), rel_sigma=rel_sigma)


# --------------------------------------------------------------------------- timing
def keep_freed_memory() -> None:
    """Make glibc's malloc keep freed memory in the process (no trimming, no mmap for blocks up to 32 MiB), so that
    neither the CNN step nor the kernel work pays first-touch page faults for memory another step handed back. With
    glibc's defaults which step pays them depends on the heap's state, and moves either timing by 10-20 %."""
    import ctypes
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError as err:
        raise SystemExit(f"--keep-freed-memory needs glibc's malloc (Linux): {err}") from err
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    if not (libc.mallopt(M_MMAP_THRESHOLD, 32 << 20) and libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)):
        raise RuntimeError("mallopt refused the settings")


def timed(fn, faults: list | None = None) -> float:
    "Wall time of fn(); with `faults`, also appends the minor page faults it caused (first touches of fresh memory)."
    f0, t0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    if faults is not None:
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
    return dt


def summary(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--reference-repeats", type=int, default=2)
    ap.add_argument("--reference-n", type=int, default=40, help="images in the per-pair reference's sub-batch")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--lam", type=float, default=0.01)
    ap.add_argument("--keep-freed-memory", action="store_true",
                    help="glibc keeps freed memory (no first-touch page faults in either step): the compute-only ratio")
    ap.add_argument("--profile", action="store_true", help="print torch.profiler's top operators of the kernel work")
    ap.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    if args.keep_freed_memory:
        keep_freed_memory()
    from clusterrep.divergence import companion_loss, ddc_loss
    from clusterrep.grassmann import pairwise_tensor_distances, tensor_kernel

    X, net, opt, y1, y2, A, source = paper_cnn_setup()

    def train_step(lam: float):
        b1, b2, h, a = net(X)
        loss, _ = ddc_loss(a, h)
        if lam:
            loss = loss + lam * (companion_loss(a, tensor_kernel(b1)) + companion_loss(a, tensor_kernel(b2)))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 10.0)
        opt.step()

    def kernel_work(kernel=tensor_kernel, n=None):
        b1, b2 = y1[:n].clone().requires_grad_(), y2[:n].clone().requires_grad_()
        loss = companion_loss(A[:n], kernel(b1)) + companion_loss(A[:n], kernel(b2))
        loss.backward()
        return b1.grad, b2.grad

    variants = {"cnn_step": lambda: train_step(0.0), "kernels": kernel_work,
                "dtkc_step": lambda: train_step(args.lam),
                "kernels_sub": lambda: kernel_work(n=args.reference_n),
                "reference": lambda: kernel_work(reference_tensor_kernel, n=args.reference_n)}
    load_before = os.getloadavg()
    for _ in range(args.warmup):
        for name in ("cnn_step", "kernels", "dtkc_step"):
            variants[name]()
    times, faults = {k: [] for k in variants}, {k: [] for k in variants}
    for r in range(args.repeats):
        for name, fn in variants.items():
            if name in ("kernels_sub", "reference") and r >= args.reference_repeats:
                continue
            times[name].append(timed(fn, faults[name]))
        print(f"repeat {r + 1}/{args.repeats}: " + ", ".join(f"{k} {1e3 * v[-1]:.0f} ms" for k, v in times.items() if len(v) > r),
              flush=True)
    load_after = os.getloadavg()

    ratio = [k / c for k, c in zip(times["kernels"], times["cnn_step"])]
    overhead = [d / c for d, c in zip(times["dtkc_step"], times["cnn_step"])]
    speedup = [ref / k for ref, k in zip(times["reference"], times["kernels_sub"])]

    # where the kernel time goes: each block and group of same-shaped modes separately (forward + backward), median of 5;
    # the library stacks the modes of a group and runs them through one fused function per tensor
    from clusterrep.grassmann import _mode_groups, _RidgeSqDists, DEFAULT_REL_EPS
    breakdown = []
    for block, Y in (("block1", y1), ("block2", y2)):
        n, dims = Y.shape[0], tuple(Y.shape[1:])
        for group in _mode_groups(n, dims, tuple(range(len(dims))), True, None):
            modes, transposed, route = group
            p, q = sorted((dims[modes[0]], math.prod(dims) // dims[modes[0]]))

            def one_group():
                Yg = Y.clone().requires_grad_()
                _RidgeSqDists.apply(Yg, (group,), DEFAULT_REL_EPS, torch.finfo(Y.dtype).eps).sum().backward()
            t = statistics.median(timed(one_group) for _ in range(5))
            breakdown.append({"block": block, "modes": list(modes), "matrix": f"{len(modes)}x {p}x{q}", "route": route, "ms": 1e3 * t})

    # correctness side checks on this batch: ridge bias vs exact float64 SVD; reference gradients finite?
    bias = {}
    for block, Y in (("block1", y1), ("block2", y2)):
        exact = pairwise_tensor_distances(Y.double(), method="svd")
        ridge = pairwise_tensor_distances(Y).double()
        iu = torch.triu_indices(len(Y), len(Y), 1)
        rel = ((ridge - exact)[iu[0], iu[1]].abs() / exact[iu[0], iu[1]])
        bias[block] = {"median": rel.median().item(), "max": rel.max().item()}
    ref_finite = None
    if args.reference_repeats > 0:
        g_ref = kernel_work(reference_tensor_kernel, n=args.reference_n)
        ref_finite = all(bool(torch.isfinite(g).all()) for g in g_ref)
    g_fast = kernel_work()
    fast_finite = all(bool(torch.isfinite(g).all()) for g in g_fast)

    result = {
        "command": "python benchmarks/kernel_speed.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "data": source, "batch": list(X.shape), "block_shapes": [list(y1.shape[1:]), list(y2.shape[1:])],
        "threads": args.threads, "repeats": args.repeats, "torch": torch.__version__,
        "python": platform.python_version(), "cpu": platform.processor() or platform.machine(),
        "keep_freed_memory": args.keep_freed_memory, "loadavg_before": load_before, "loadavg_after": load_after,
        "times_s": {k: summary(v) for k, v in times.items() if v},
        "minor_page_faults": {k: summary(v) for k, v in faults.items() if v},
        "ratio_kernels_over_cnn_step": summary(ratio),
        "ratio_dtkc_step_over_cnn_step": summary(overhead),
        "speedup_over_reference": summary(speedup) if speedup else None, "reference_n": args.reference_n,
        "breakdown_ms": breakdown, "ridge_bias_vs_exact": bias,
        "reference_grad_finite": ref_finite, "kernels_grad_finite": fast_finite,
    }
    print(f"data: {source}; batch {tuple(X.shape)}; blocks {tuple(y1.shape[1:])}, {tuple(y2.shape[1:])}")
    print(f"torch {torch.__version__}, {args.threads} threads, load average before {load_before[0]:.1f}, after {load_after[0]:.1f}"
          + (", freed memory kept by malloc" if args.keep_freed_memory else ", glibc malloc defaults"))
    for k, v in result["times_s"].items():
        pf = result["minor_page_faults"][k]
        print(f"  {k:10s} median {1e3 * v['median']:8.1f} ms  (min {1e3 * v['min']:.1f}, max {1e3 * v['max']:.1f}, n={v['n']}); "
              f"minor page faults median {pf['median']:.0f} (max {pf['max']:.0f})")
    print(f"(speed-up over the per-pair SVD reference measured on the first {args.reference_n} images)")
    for key in ("ratio_kernels_over_cnn_step", "ratio_dtkc_step_over_cnn_step", "speedup_over_reference"):
        v = result[key]
        if v is None:
            continue
        print(f"{key}: median {v['median']:.3f}  (range {v['min']:.3f} .. {v['max']:.3f}, n={v['n']})")
    target = result["ratio_kernels_over_cnn_step"]["median"] <= 0.5
    print(f"target kernels <= 0.5 x CNN step: {'MET' if target else 'NOT MET'}")
    print("per group of same-shaped modes (forward + backward, ms):")
    for b in breakdown:
        print(f"  {b['block']} modes {str(tuple(b['modes'])):7s} {b['matrix']:>10s} {b['route']:9s} {b['ms']:7.1f}")
    print("ridge (rel_eps=1e-4) vs exact float64 SVD, relative error of d^2:",
          {k: f"median {v['median']:.1e}, max {v['max']:.1e}" for k, v in bias.items()})
    print(f"gradients finite: ridge kernels {fast_finite}, per-pair SVD reference (first {args.reference_n} images) {ref_finite}")

    if args.profile:
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(3):
                kernel_work()
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))
    if args.json:
        tmp = args.json.with_suffix(".tmp")
        tmp.write_text(json.dumps(result, indent=1))
        os.replace(tmp, args.json)
    return result


if __name__ == "__main__":
    main()
