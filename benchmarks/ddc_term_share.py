"""How much the constant in front of DDC's divergence terms changes the training gradient (paper 2 §III footnote 1).

DDC's original form divides L1 and L3 by k, DTKC (and our default) by C(k, 2); for k = 10 the original weighs them
4.5 times more against the orthogonality term L2. Adam is invariant to a global scale of the loss, so the constant
can only matter through L2's share of the gradient. This script measures, on mini-batches of 120 images of a `cpu`
preset subset (MNIST: the first 100 train images per class, k = 10; COIL-100: the first 6 poses per object, k = 100,
where the two constants differ by (k − 1)/2 = 49.5), for a DDC network at initialisation and after training:

* ‖∇L2‖ / ‖∇(L1 + L3)‖ with respect to all network parameters (the default form; under 1/k it is (k − 1)/2 times
  smaller),
* the cosine between the total gradient of the two forms, ∇(L1 + L2 + L3)/C(k,2)-form vs the 1/k form (1 = same
  direction: an optimiser that is invariant to the gradient's scale takes the same step),
* the norm of each form's total gradient (training clips it at 10: above that, clipping is active).

    OMP_NUM_THREADS=1 CLUSTERREP_DATA=../shared/data python benchmarks/ddc_term_share.py --epochs 15 --batches 5
    OMP_NUM_THREADS=1 CLUSTERREP_DATA=../shared/data python benchmarks/ddc_term_share.py --dataset coil100 --epochs 5

Prints a Markdown table per network state (at initialisation, after training): L1, L2, L3, the share
‖∇L2‖ / ‖∇(L1 + L3)‖, the cosine between the two forms' gradients and both gradient norms.
"""
import argparse
import math
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from clusterrep.data import load_dataset  # noqa: E402
from clusterrep.ddc import DDC  # noqa: E402
from clusterrep.divergence import ddc_loss  # noqa: E402

SUBSETS = {"mnist": dict(split="train", n_per_class=100), "coil100": dict(n_per_class=6)}   # the cpu preset's


def flat_grad(loss, params) -> torch.Tensor:
    grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
    return torch.cat([(g if g is not None else torch.zeros_like(p)).flatten() for g, p in zip(grads, params)])


def batch_stats(net, xb: torch.Tensor, k: int) -> dict:
    "Term values, L2's gradient share and the cosine of the two forms' total gradients on one batch."
    net.train()
    A, z = net(xb)
    _, t = ddc_loss(A, z, rel_sigma=0.15)                       # the C(k, 2) form
    params = [p for p in net.parameters() if p.requires_grad]
    g1, g2, g3 = (flat_grad(t[name], params) for name in ("L1", "L2", "L3"))
    scale = math.comb(k, 2) / k                                   # 1/k form = scale · C(k, 2) form for L1, L3
    pairs, original = g1 + g2 + g3, scale * (g1 + g3) + g2
    cos = float(pairs @ original / (pairs.norm() * original.norm()))
    return dict(L1=t["L1"].item(), L2=t["L2"].item(), L3=t["L3"].item(),
                share=float(g2.norm() / (g1 + g3).norm()), cos=cos, norm=float(pairs.norm()), norm_k=float(original.norm()))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", choices=sorted(SUBSETS), default="mnist")
    ap.add_argument("--epochs", type=int, default=15, help="training epochs of the trained network (cpu preset: "
                    "15 for MNIST, 5 for COIL-100)")
    ap.add_argument("--batches", type=int, default=5, help="mini-batches of 120 to average over")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    data = load_dataset(args.dataset, **SUBSETS[args.dataset], flat=False, scale=True)
    X, k = data.X, data.n_classes
    rng = np.random.default_rng(args.seed)
    batches = [torch.from_numpy(X[rng.choice(len(X), 120, replace=False)]) for _ in range(args.batches)]
    init = DDC(k, random_state=args.seed)._build_net(X.shape[1:], args.seed)
    trained = DDC(k, max_epochs=args.epochs, random_state=args.seed).fit(X).net_
    print(f"{args.dataset} cpu subset (n = {len(X)}, k = {k}), batches of 120, mean over {args.batches} batches; "
          f"under the 1/k form L2's share is {math.comb(k, 2) / k:g} times smaller")
    print("| network | L1 | L2 | L3 | ‖∇L2‖ / ‖∇(L1 + L3)‖ (C(k,2) form) | cos(∇ C(k,2) form, ∇ 1/k form) |"
          " ‖∇L‖ C(k,2) form | ‖∇L‖ 1/k form |")
    print("|---|---|---|---|---|---|---|---|")
    for name, net in (("initialisation", init), (f"trained {args.epochs} epochs", trained)):
        rows = [batch_stats(net, xb, k) for xb in batches]
        m = {key: np.mean([r[key] for r in rows]) for key in rows[0]}
        print(f"| {name} | {m['L1']:.4f} | {m['L2']:.4f} | {m['L3']:.4f} | {m['share']:.3f} | {m['cos']:.4f} |"
              f" {m['norm']:.3g} | {m['norm_k']:.3g} |")


if __name__ == "__main__":
    main()
