"""Speed of one DTKC training step relative to one DDC step (same CNN, same batch, side by side).

Target (GitHub issue 5): DTKC step <= 1.5 x DDC step, batch 120 of 28x28 MNIST, 2 CPU cores.
A "step" is what `clusterrep.ddc.train_clustering_net` does per mini-batch: forward pass, loss
(DDC; DTKC adds the companion objectives with tensor kernels on both conv blocks), backward pass,
gradient clipping at 10 and an Adam update. DDC and DTKC steps alternate in every repeat, so both see
the same machine load; the reported number is the median over repeats of the per-repeat ratio.

    python benchmarks/dtkc_speed.py --threads 2 --repeats 15 --steps 5
"""
import argparse
import os
import platform
import statistics
import sys
import time


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    ap.add_argument("--batch-size", type=int, default=120)
    ap.add_argument("--repeats", type=int, default=15, help="side-by-side repeats (median ratio reported)")
    ap.add_argument("--steps", type=int, default=5, help="training steps per model per repeat")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--n-clusters", type=int, default=10)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)

    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    from clusterrep.ddc import DDC, train_clustering_net  # noqa: F401  (documents what a step is)
    from clusterrep.dtkc import DTKC

    try:
        from clusterrep.data import load_dataset
        X = load_dataset("mnist", split="test", flat=False, scale=True).X[: args.batch_size]
        source = "MNIST test images"
    except Exception as err:  # no data: random images of the same shape (the timing does not depend on the values)
        X = np.random.default_rng(0).random((args.batch_size, 1, 28, 28), dtype=np.float32)
        source = f"random 28x28 images (MNIST unavailable: {err})"
    xb = torch.as_tensor(X, device=args.device)

    def make_step(est):
        net = est._build_net((1, 28, 28), seed=0)
        net.train()
        companions = est._companions(net)
        loss_fn = est._batch_loss(companions)
        opt = torch.optim.Adam(net.parameters(), lr=est.lr)

        def step():
            loss, _ = loss_fn(net, xb, None)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), est.clip_norm)
            opt.step()
            return float(loss.detach())
        return step

    def make_companion_only(est):
        "Forward + backward of the companion objectives alone, on fixed block outputs (for the breakdown)."
        net = est._build_net((1, 28, 28), seed=0)
        with torch.no_grad():
            y1 = net.backbone.block1(xb)
            y2 = net.backbone.block2(y1)
            A, _ = net(xb)
        y1, y2 = y1.clone().requires_grad_(), y2.clone().requires_grad_()
        from clusterrep.dtkc import layer_kernel
        from clusterrep.divergence import companion_loss

        def step():
            loss = est.companion_weight * (companion_loss(A, layer_kernel(y1)) + companion_loss(A, layer_kernel(y2)))
            loss.backward()
            return float(loss.detach())
        return step

    kw = dict(n_clusters=args.n_clusters, batch_size=args.batch_size, device=args.device)
    steps = {"DDC": make_step(DDC(**kw)), "DTKC": make_step(DTKC(**kw)),
             "companions only": make_companion_only(DTKC(**kw))}
    for fn in steps.values():
        for _ in range(args.warmup):
            fn()

    def timed(fn):
        t = time.perf_counter()
        for _ in range(args.steps):
            fn()
        if args.device != "cpu":
            torch.cuda.synchronize()
        return (time.perf_counter() - t) / args.steps

    per = {name: [] for name in steps}
    ratios = []
    for r in range(args.repeats):
        order = ("DDC", "DTKC", "companions only") if r % 2 == 0 else ("DTKC", "DDC", "companions only")
        t = {name: timed(steps[name]) for name in order}
        for name in t:
            per[name].append(t[name])
        ratios.append(t["DTKC"] / t["DDC"])

    med = {k: statistics.median(v) for k, v in per.items()}
    ratio = statistics.median(ratios)
    print(f"clusterrep DTKC vs DDC training step — {source}, batch {args.batch_size}, k={args.n_clusters}")
    print(f"torch {torch.__version__}, threads={torch.get_num_threads()}, device={args.device}, "
          f"{platform.processor() or platform.machine()}, cpus={os.cpu_count()}")
    print(f"repeats={args.repeats} x steps={args.steps} (after {args.warmup} warm-up steps each)")
    print("| model | median step (ms) |")
    print("|---|---|")
    print(f"| DDC  | {1000 * med['DDC']:.1f} |")
    print(f"| DTKC | {1000 * med['DTKC']:.1f} |")
    print(f"| companion objectives alone (fwd+bwd, 2 tensor kernels) | {1000 * med['companions only']:.1f} |")
    print(f"median ratio DTKC/DDC = {ratio:.2f}  (min {min(ratios):.2f}, max {max(ratios):.2f}); target <= 1.5: "
          f"{'MET' if ratio <= 1.5 else 'NOT MET'}")
    return ratio


if __name__ == "__main__":
    sys.exit(0 if main() <= 1.5 else 1)
