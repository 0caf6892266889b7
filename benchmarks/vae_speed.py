"""TVAE against the standard VAE: a training epoch with S fixed, the Lloyd pass against its arithmetic floor, whole fits.

Setting of the target (issue 21): MNIST 784-d, batch 256, k = 10, 2 CPU threads, the paper's MLP (hidden 200, latent 2).

* **Training epoch with S fixed**: what `TVAE` / `VAE` run per epoch between Lloyd steps — for every mini-batch the
  assigned-path −ELBO (`clusterrep.vae.neg_elbo_assigned`: g_Ω once, the k heads in one batched product and
  gathered, f_Φ for all k gathered, f_Θ once), backward, Adam step. The VAE is the same network with k = 1.
  The two are timed in turn, ``--repeats`` times, median reported. Target: TVAE / VAE <= 1.3.
* **Lloyd pass**: every point's −ELBO under every cluster with one shared draw of ε (`neg_elbo_all`), no gradient,
  in the estimator's chunks. Its floor is the arithmetic it cannot avoid — the GEMMs of g_Ω's first layer (n points
  and k centres), the heads, f_Φ and f_Θ on n·k latent points — timed here as bare `torch.mm` calls of exactly
  those shapes (the machine's achieved GEMM rate), plus one pass over the n·k·784 outputs for the likelihood.
* **Whole fits**: `TVAE(k).fit` / `VAE(k).fit` wall time, ``--fit-epochs`` epochs, no early stopping, at k = 3
  and k = 10 (the TVAE fit includes a Lloyd pass with ``n_eval_samples`` draws after every epoch).

Run:  OMP_NUM_THREADS=2 python benchmarks/vae_speed.py   (CLUSTERREP_DATA pointing at the data mirror)
Prints one line per measurement and the ratios; nothing is asserted.
"""
import argparse
import os
import platform
import statistics
import time

import numpy as np
import torch

from clusterrep.data import load_dataset
from clusterrep.vae import TVAE, VAE, build_vae_net, neg_elbo_all, neg_elbo_assigned, shared_eps


def train_epoch_seconds(net, X, labels, centers, batch_size, generator):
    "One epoch of assigned-path −ELBO steps with Adam (S fixed), as the estimator's training loop runs it."
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    order = torch.randperm(len(X), generator=generator)
    t0 = time.perf_counter()
    for idx in order.split(batch_size):
        loss = neg_elbo_assigned(net, X[idx], labels[idx], centers).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return time.perf_counter() - t0


@torch.no_grad()
def lloyd_pass_seconds(net, X, centers, chunk):
    eps = shared_eps(1, net.latent_dim)
    t0 = time.perf_counter()
    for s in range(0, len(X), chunk):
        neg_elbo_all(net, X[s:s + chunk], centers, eps)
    return time.perf_counter() - t0


def gemm_floor_seconds(n, k, d, hidden, latent, chunk, repeats=3):
    "Time only the GEMMs and the one output pass of the Lloyd pass (inputs made beforehand), best of `repeats`."
    g = torch.Generator().manual_seed(0)
    x, c = torch.rand(chunk, d, generator=g), torch.rand(k, d, generator=g)
    W1, Wh = torch.rand(d, hidden, generator=g), torch.rand(k, hidden, 2 * latent, generator=g)
    Wd, Wo = torch.rand(k, latent, hidden, generator=g), torch.rand(hidden, d, generator=g)
    h, zl = torch.rand(k, chunk, hidden, generator=g), torch.rand(k, chunk, latent, generator=g)
    hd = torch.rand(chunk * k, hidden, generator=g)
    best = float("inf")
    with torch.no_grad():
        for _ in range(repeats):
            t0 = time.perf_counter()
            for s in range(0, n, chunk):
                m = min(chunk, n - s)
                x[:m] @ W1; c @ W1
                torch.bmm(h[:, :m], Wh); torch.bmm(zl[:, :m], Wd)
                out = hd[:m * k] @ Wo
                torch.nn.functional.softplus(out).sum()
            best = min(best, time.perf_counter() - t0)
    return best


def fit_seconds(cls, k, X, epochs, batch_size, n_eval_samples):
    est = cls(k, max_epochs=epochs, patience=None, batch_size=batch_size, random_state=0, n_eval_samples=n_eval_samples)
    t0 = time.perf_counter()
    est.fit(X)
    return time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=10000, help="MNIST training images (default 10000)")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--fit-epochs", type=int, default=3)
    p.add_argument("--fit-n", type=int, default=5000, help="images for the whole-fit comparison")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    X = torch.as_tensor(load_dataset("mnist", split="train", flat=True).X[:a.n])
    n, d = X.shape
    print(f"MNIST train[:{n}] {tuple(X.shape)}, k={a.k}, batch {a.batch_size}, torch threads {torch.get_num_threads()}, "
          f"torch {torch.__version__}, {platform.processor() or platform.machine()}, load average {os.getloadavg()}")
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(a.k, (n,), generator=g)
    centers = torch.stack([X[labels == j].mean(0) for j in range(a.k)])
    nets = {"VAE": (build_vae_net((d,), 1, generator=torch.Generator().manual_seed(1)), torch.zeros(n, dtype=torch.long),
                    X.mean(0, keepdim=True)),
            "TVAE": (build_vae_net((d,), a.k, generator=torch.Generator().manual_seed(1)), labels, centers)}
    for net, lab, cen in nets.values():              # warm-up
        train_epoch_seconds(net, X[:1024], lab[:1024], cen, a.batch_size, g)
    times = {m: [] for m in nets}
    for _ in range(a.repeats):
        for name, (net, lab, cen) in nets.items():
            times[name].append(train_epoch_seconds(net, X, lab, cen, a.batch_size, g))
    med = {m: statistics.median(t) for m, t in times.items()}
    for m, t in times.items():
        print(f"{m:5s} training epoch (S fixed) {med[m] * 1e3:8.1f} ms   (runs: {', '.join(f'{v * 1e3:.0f}' for v in t)})")
    r = med["TVAE"] / med["VAE"]
    print(f"TVAE / VAE training epoch: {r:.2f}  (target <= 1.3: {'MET' if r <= 1.3 else 'NOT MET'})")

    net, _, cen = nets["TVAE"]
    chunk = max(1, 2 ** 24 // (d * a.k))
    lloyd = min(lloyd_pass_seconds(net, X, cen, chunk) for _ in range(3))
    floor = gemm_floor_seconds(n, a.k, d, 200, 2, chunk)
    print(f"Lloyd pass (k={a.k}, one draw): {lloyd * 1e3:.1f} ms; its GEMMs + one output pass alone: {floor * 1e3:.1f} ms "
          f"-> {lloyd / floor:.2f} x the floor; = {lloyd / med['VAE']:.2f} VAE training epochs")

    Xf = X[:a.fit_n].numpy()
    for k in (3, a.k):
        for ne in (1, 8):
            tv = fit_seconds(TVAE, k, Xf, a.fit_epochs, a.batch_size, ne)
            va = fit_seconds(VAE, k, Xf, a.fit_epochs, a.batch_size, ne)
            print(f"whole fit, {a.fit_n} images, {a.fit_epochs} epochs, k={k:2d}, n_eval_samples={ne}: "
                  f"TVAE {tv:.2f} s, VAE {va:.2f} s -> {tv / va:.2f} x")


if __name__ == "__main__":
    main()
