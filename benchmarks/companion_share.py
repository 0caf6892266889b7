"""How much of DTKC's (or RDTKC's) companion objectives depends on the layer outputs, before and after training.

Per bandwidth setting: the effective number of neighbours per sample Σ_{j≠i} κ_ij of each companion kernel and of
DDC's hidden-layer kernel (`clusterrep.dtkc.kernel_neighbours`; 0 for the identity matrix), and
(`clusterrep.dtkc.companion_gradient_share`) the distance between the gradient of the companion objectives (all
companion layers, weight 1) and the gradient of L·d_cs(A, I) — what the companions reduce to when their kernels are
the identity — relative to the latter, over all network weights; and how large the companions' part of the training
gradient is: ‖∇ λ·Σ_l d_cs(A, K_l)‖ / ‖∇ L_DDC‖ at the estimators' λ = 0.01. Medians over `--batches` random
batches of 120.

- `--model dtkc` (default): paper 2's CNN on MNIST, companions on both conv blocks (tensor kernels); trained with
  `DTKC(n_clusters=10, max_epochs=EPOCHS, random_state=0)` on the first 100 training images per class (the cpu
  preset's MNIST subset).
- `--model rdtkc`: the 2-layer bidirectional GRU on Character Trajectories (first 10 characters, 1491 sequences),
  companions on each GRU layer's last hidden state (Gaussian kernels); trained with
  `RDTKC(n_clusters=10, max_epochs=EPOCHS, random_state=0)`.

    OMP_NUM_THREADS=1 CLUSTERREP_DATA=../shared/data python benchmarks/companion_share.py
    OMP_NUM_THREADS=1 CLUSTERREP_DATA=../shared/data python benchmarks/companion_share.py --model rdtkc --epochs 10
"""
import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from clusterrep.data import load_dataset  # noqa: E402
from clusterrep.ddc import ddc_objective  # noqa: E402
from clusterrep.dtkc import (DTKC, RDTKC, CompanionObjectives, companion_gradient_share,  # noqa: E402
                             kernel_neighbours, layer_kernel)

SETTINGS = [("paper", 0.15), ("reference", 0.15), ("paper", 0.5), ("paper", 1.0)]
MODELS = {  # model → (dataset, estimator class, companion layers)
    "dtkc": ("MNIST train, first 100 per class", DTKC, ["backbone.block1", "backbone.block2"]),
    "rdtkc": ("Character Trajectories, first 10 characters", RDTKC,
              ["backbone.last_hidden.0", "backbone.last_hidden.1"]),
}


def load(model: str):
    "Inputs X and lengths (None for images) of the model's dataset, as numpy arrays."
    if model == "dtkc":
        data = load_dataset("mnist", split="train", n_per_class=100, flat=False, scale=True)
        return data.X, None
    data = load_dataset("character_trajectories", first_10=True)
    return data.X, data.lengths


def gradient_norm(net, loss) -> float:
    "‖∇θ loss‖ over all trainable weights of `net`."
    params = [p for p in net.parameters() if p.requires_grad]
    grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
    return float(torch.sqrt(sum((g ** 2).sum() for g in grads if g is not None)))


def measure(net, xb, lb, layers, rule: str, rel_sigma: float, weight: float) -> dict:
    """Neighbours per sample (companion layers, hidden), the companions' gradient distance from L·d_cs(A, I), and
    the size of the λ-weighted companions' gradient relative to the DDC loss's."""
    with CompanionObjectives(net, layers, rel_sigma=rel_sigma, rule=rule) as co, torch.no_grad():
        _, hidden = net(xb) if lb is None else net(xb, lb)
        out = {name: float(kernel_neighbours(K).mean()) for name, K in co.kernels().items()}
    out["hidden"] = float(kernel_neighbours(layer_kernel(hidden, rel_sigma, rule)).mean())
    out["share"] = companion_gradient_share(net, xb, layers, rel_sigma, rule, lengths=lb)
    with CompanionObjectives(net, layers, weight=weight, rel_sigma=rel_sigma, rule=rule) as co:
        A, hidden = net(xb) if lb is None else net(xb, lb)
        ddc_loss, _ = ddc_objective(A, hidden, rel_sigma, rule)
        out["relative"] = gradient_norm(net, co.loss(A)) / gradient_norm(net, ddc_loss)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=sorted(MODELS), default="dtkc")
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batches", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    title, Estimator, layers = MODELS[args.model]
    X, lengths = load(args.model)
    Xt = torch.as_tensor(X, dtype=torch.float32)
    Lt = None if lengths is None else torch.as_tensor(lengths)
    rng = np.random.default_rng(0)
    picks = [torch.as_tensor(rng.choice(len(X), 120, replace=False)) for _ in range(args.batches)]
    batches = [(Xt[i], None if Lt is None else Lt[i]) for i in picks]
    est = Estimator(n_clusters=10, max_epochs=args.epochs, random_state=0)
    nets = {"initialised": est._build_net(tuple(Xt.shape[1:]), 0)}
    fit_kwargs = {} if lengths is None else {"lengths": lengths}
    nets[f"trained {args.epochs} epochs"] = est.fit(X, **fit_kwargs).net_
    print(f"{Estimator.__name__}, {title}; {args.batches} batches of 120; medians over batches")
    print(f"| network | rule | σ̃ | neighbours {' | '.join(layers)} | hidden | "
          f"‖∇companions − ∇L·d_cs(A,I)‖ / ‖∇L·d_cs(A,I)‖ | ‖∇λ·companions‖ / ‖∇L_DDC‖ (λ = {est.companion_weight}) |")
    print("|---|---|---|" + "---|" * len(layers) + "---|---|---|")
    for name, net in nets.items():
        net.train()
        for rule, rel_sigma in SETTINGS:
            rows = [measure(net, xb, lb, layers, rule, rel_sigma, est.companion_weight) for xb, lb in batches]
            med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
            cells = " | ".join(f"{med[layer]:.2g}" for layer in layers)
            print(f"| {name} | {rule} | {rel_sigma} | {cells} | {med['hidden']:.2g} | {med['share']:.2g} | "
                  f"{med['relative']:.2g} |")


if __name__ == "__main__":
    main()
