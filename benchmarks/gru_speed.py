"""One RDDC training step with `clusterrep.ddc.GRUBackbone` (padded, within-length reversal) against the textbook
packed-sequence bidirectional GRU (kept here as the reference), side by side, on Character Trajectories.

A step is what `clusterrep.ddc.train_clustering_net` does per mini-batch: forward through the 2-layer bidirectional
GRU (hidden 32) and the DDC module, DDC loss, backward, gradient clipping at 10, Adam. Both networks hold the same
weights; every repeat times both, alternating the order, and the report gives the medians and the median
per-repeat ratio, plus the largest differences of the outputs and the input gradients (the two must agree).

    python benchmarks/gru_speed.py --threads 2 --repeats 7
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CLUSTERREP_DATA", str(ROOT.parent / "shared" / "data"))

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence  # noqa: E402


class PackedGRU(nn.Module):
    "The reference: bidirectional nn.GRU layers over a PackedSequence, each layer's h_n concatenated (n, 2h)."

    def __init__(self, input_size: int, hidden_size: int = 32, num_layers: int = 2):
        super().__init__()
        self.layers = nn.ModuleList(nn.GRU(input_size if l == 0 else 2 * hidden_size, hidden_size, batch_first=True,
                                           bidirectional=True) for l in range(num_layers))
        self.out_features = 2 * hidden_size

    def forward(self, x, lengths):
        h = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        for gru in self.layers:
            h, h_n = gru(h)
            last = h_n.transpose(0, 1).reshape(x.shape[0], -1)
        return last

    def copy_to(self, backbone) -> None:
        "Copy these weights into a `clusterrep.ddc.GRUBackbone` (direction d of layer l → layers[l][d])."
        with torch.no_grad():
            for l, gru in enumerate(self.layers):
                for d, suffix in enumerate(("", "_reverse")):
                    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                        getattr(backbone.layers[l][d], f"{name}_l0").copy_(getattr(gru, f"{name}_l0{suffix}"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--batch-size", type=int, default=120)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    from clusterrep.data import load_dataset
    from clusterrep.ddc import DDCNet, GRUBackbone
    from clusterrep.divergence import ddc_loss

    d = load_dataset("character_trajectories")
    X = torch.as_tensor(d.X[: args.batch_size], dtype=torch.float32)
    L = torch.as_tensor(d.lengths[: args.batch_size])
    torch.manual_seed(0)
    ref_backbone = PackedGRU(X.shape[2])
    new_backbone = GRUBackbone(X.shape[2])
    ref_backbone.copy_to(new_backbone)
    nets = {"packed (reference)": DDCNet(ref_backbone, 10), "clusterrep": DDCNet(new_backbone, 10)}
    nets["clusterrep"].head.load_state_dict(nets["packed (reference)"].head.state_dict())

    outs, grads = {}, {}
    for name, net in nets.items():
        xg = X.clone().requires_grad_()
        A, z = net(xg, L)
        ddc_loss(A, z)[0].backward()
        outs[name], grads[name] = A.detach(), xg.grad
        net.zero_grad()

    def step(net, opt):
        A, z = net(X, L)
        loss = ddc_loss(A, z)[0]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 10.0)
        opt.step()

    opts = {name: torch.optim.Adam(net.parameters(), lr=1e-3) for name, net in nets.items()}
    times = {name: [] for name in nets}
    for r in range(args.repeats + 1):
        order = list(nets) if r % 2 else list(nets)[::-1]
        for name in order:
            t0 = time.perf_counter()
            step(nets[name], opts[name])
            if r:  # the first repeat warms up
                times[name].append(time.perf_counter() - t0)
    ratios = [a / b for a, b in zip(times["packed (reference)"], times["clusterrep"])]
    print(f"Character Trajectories, batch {len(X)}, T = {X.shape[1]} (lengths {int(L.min())}-{int(L.max())}), "
          f"2-layer bidirectional GRU (hidden 32) + DDC, torch {torch.__version__}, {args.threads} threads")
    for name, ts in times.items():
        print(f"  {name:20s} median step {1e3 * statistics.median(ts):7.1f} ms  (min {1e3 * min(ts):.1f}, max {1e3 * max(ts):.1f})")
    print(f"speed-up packed / clusterrep: median {statistics.median(ratios):.2f} (range {min(ratios):.2f}..{max(ratios):.2f})")
    a, b = outs.values()
    ga, gb = grads.values()
    print(f"max |A difference| {float((a - b).abs().max()):.1e}, max |input-gradient difference| "
          f"{float((ga - gb).abs().max()):.1e} (largest input gradient {float(ga.abs().max()):.1e})")


if __name__ == "__main__":
    main()
