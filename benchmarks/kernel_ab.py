"""Paired A/B of the tensor-kernel work: this tree's `clusterrep.grassmann` against the one at a git revision.

Both versions are loaded into one process (the old one from `git show REV:clusterrep/grassmann.py`, as a sibling
module of the package so that its relative imports resolve to this tree's `kernels`), and the kernel work of
`benchmarks/kernel_speed.py` (tensor kernels of both DTKC block outputs + the two companion objectives, forward and
backward, batch of 120 MNIST images, random-init paper CNN) is timed alternately, new/old then old/new, so both see the
same machine load. With `--cnn-step` every kernel pass is preceded by one CNN training step (untimed), as in a
DTKC step and in `kernel_speed.py`, so the allocator sees the same churn as in training. Prints the medians, the median paired ratio new/old with a bootstrap 95 % interval, the number
of pairs in which new was faster, the minor page faults per pass, and the largest gradient difference between the two versions.

    python benchmarks/kernel_ab.py --rev HEAD --repeats 41 --cnn-step
"""
import argparse
import importlib.util
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from kernel_speed import ddc_train_step, paper_cnn_setup  # noqa: E402  (also sets CLUSTERREP_DATA and the import path)

import torch  # noqa: E402


def load_old_grassmann(rev: str):
    "`clusterrep.grassmann` as it is at git revision `rev`, imported as `clusterrep._grassmann_at_rev`."
    source = subprocess.run(["git", "show", f"{rev}:clusterrep/grassmann.py"], cwd=ROOT.parent, check=True,
                            capture_output=True, text=True).stdout
    path = Path(f"/tmp/clusterrep_grassmann_{rev.replace('/', '_')}.py")
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("clusterrep._grassmann_at_rev", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def bootstrap_median_ci(xs, n_boot: int = 4000, seed: int = 0) -> tuple[float, float]:
    rng = random.Random(seed)
    meds = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(n_boot))
    return meds[int(0.025 * n_boot)], meds[int(0.975 * n_boot) - 1]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rev", default="HEAD", help="git revision of the old clusterrep/grassmann.py")
    ap.add_argument("--repeats", type=int, default=41)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--cnn-step", action="store_true", help="run one (untimed) CNN training step before each kernel pass")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    import clusterrep.grassmann as new
    from clusterrep.divergence import companion_loss
    old = load_old_grassmann(args.rev)

    X, net, opt, y1, y2, A, _ = paper_cnn_setup()

    def cnn_step():
        ddc_train_step(net, opt, X)

    def kernel_work(module):
        b1, b2 = y1.clone().requires_grad_(), y2.clone().requires_grad_()
        (companion_loss(A, module.tensor_kernel(b1)) + companion_loss(A, module.tensor_kernel(b2))).backward()
        return b1.grad, b2.grad

    grad_diff = max(((gn - go).abs().max() / go.abs().max()).item()
                    for gn, go in zip(kernel_work(new), kernel_work(old)))
    versions = {"new": new, "old": old}
    times, faults = {"new": [], "old": []}, {"new": [], "old": []}
    minor_faults = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for r in range(args.warmup + args.repeats):
        for name in (("new", "old") if r % 2 else ("old", "new")):
            if args.cnn_step:
                cnn_step()
            f0, t0 = minor_faults(), time.perf_counter()
            kernel_work(versions[name])
            if r >= args.warmup:
                times[name].append(time.perf_counter() - t0)
                faults[name].append(minor_faults() - f0)
    ratios = [a / b for a, b in zip(times["new"], times["old"])]
    lo, hi = bootstrap_median_ci(ratios)
    print(f"old = {args.rev}:clusterrep/grassmann.py, new = working tree; {args.repeats} pairs, {args.threads} threads"
          + (", a CNN step before each kernel pass" if args.cnn_step else ""))
    print(f"kernel work median: new {1e3 * statistics.median(times['new']):.1f} ms, old {1e3 * statistics.median(times['old']):.1f} ms")
    print(f"paired new/old: median {statistics.median(ratios):.3f} (bootstrap 95% CI {lo:.3f}..{hi:.3f}), "
          f"new faster in {sum(x < 1 for x in ratios)}/{len(ratios)} pairs")
    print(f"minor page faults per kernel pass (median): new {statistics.median(faults['new']):.0f}, "
          f"old {statistics.median(faults['old']):.0f}")
    print(f"largest relative gradient difference new vs old: {grad_diff:.1e}")


if __name__ == "__main__":
    main()
