"""How much of DTKC's companion objectives depends on the block outputs, before and after training.

For a DTKC network (paper 2's CNN) on MNIST, per bandwidth setting: the effective number of neighbours per sample
Σ_{j≠i} κ_ij of each block kernel and of DDC's hidden-layer kernel (`clusterrep.dtkc.kernel_neighbours`; 0 for the
identity matrix), and (`clusterrep.dtkc.companion_gradient_share`) the distance between the gradient of the companion objectives (both blocks, weight 1) and the
gradient of 2·d_cs(A, I) — what the companions reduce to when their kernels are the identity — relative to the
latter, over all network weights. Medians over `--batches` random batches of 120 training images. Measured on the
freshly initialised network and after `DTKC(n_clusters=10, max_epochs=EPOCHS, random_state=0).fit` on the first
100 training images per class (the cpu preset's MNIST subset).

    OMP_NUM_THREADS=1 CLUSTERREP_DATA=../shared/data python benchmarks/companion_share.py
"""
import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from clusterrep.data import load_dataset  # noqa: E402
from clusterrep.dtkc import (DTKC, CompanionObjectives, companion_gradient_share, kernel_neighbours,  # noqa: E402
                             layer_kernel)

BLOCKS = ["backbone.block1", "backbone.block2"]
SETTINGS = [("paper", 0.15), ("reference", 0.15), ("paper", 0.5), ("paper", 1.0)]


def measure(net, xb, rule: str, rel_sigma: float) -> dict:
    "Neighbours per sample (blocks, hidden) and the companions' gradient distance from 2·d_cs(A, I), one batch."
    with CompanionObjectives(net, BLOCKS, rel_sigma=rel_sigma, rule=rule) as co, torch.no_grad():
        _, hidden = net(xb)
        out = {b: float(kernel_neighbours(K).mean()) for b, K in co.kernels().items()}
    out["hidden"] = float(kernel_neighbours(layer_kernel(hidden, rel_sigma, rule)).mean())
    out["share"] = companion_gradient_share(net, xb, BLOCKS, rel_sigma, rule)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batches", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    data = load_dataset("mnist", split="train", n_per_class=100, flat=False, scale=True)
    X = torch.as_tensor(data.X)
    rng = np.random.default_rng(0)
    batches = [X[torch.as_tensor(rng.choice(len(X), 120, replace=False))] for _ in range(args.batches)]
    est = DTKC(n_clusters=10, max_epochs=args.epochs, random_state=0)
    nets = {"initialised": est._build_net((1, 28, 28), 0)}
    nets[f"trained {args.epochs} epochs"] = est.fit(data.X).net_
    print(f"MNIST train, first 100 per class; {args.batches} batches of 120; medians over batches")
    print("| network | rule | σ̃ | neighbours block 1 | block 2 | hidden | ‖∇companions − ∇2d_cs(A,I)‖ / ‖∇2d_cs(A,I)‖ |")
    print("|---|---|---|---|---|---|---|")
    for name, net in nets.items():
        net.train()
        for rule, rel_sigma in SETTINGS:
            rows = [measure(net, xb, rule, rel_sigma) for xb in batches]
            med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
            print(f"| {name} | {rule} | {rel_sigma} | {med[BLOCKS[0]]:.2g} | {med[BLOCKS[1]]:.2g} | "
                  f"{med['hidden']:.2g} | {med['share']:.2g} |")


if __name__ == "__main__":
    main()
