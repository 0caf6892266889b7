"""DEC self-training of clusterrep and ClustPy from the same start on the same batches (issue 25).

The full-budget peer table (`benchmarks/peers.py`) compares the two libraries over a few seeds, where every run draws
its own autoencoder, k-means start and batch order. This script removes those draws to ask whether the two
self-training steps themselves differ:

1. one autoencoder (clusterrep's `pretrain_autoencoder`, cached under `runs/`), copied into ClustPy's
   `FeedforwardAutoencoder` (the same layers; the weights load key for key);
2. one start: the centres of one k-means++ run on its embedding (`KMeans(k, n_init=1, random_state=seed)`), given to
   both (ClustPy through `initial_clustering_class`, clusterrep by replacing its k-means call);
3. the same mini-batches: one permutation per epoch from one seeded generator, fed to ClustPy as a custom
   `DataLoader` and to clusterrep's `train_loop` as its `batches`;
4. ClustPy's protocol on both sides: P from each mini-batch (`target="batch"`), every epoch run (`tol=0`), Adam 1e-4.

It prints the relative gradient difference of one batch, the largest parameter difference after the first steps,
both libraries' ACC / NMI after `--epochs` epochs and their agreement (ARI between the two labelings), then the
k-means local minima of that embedding (20 single k-means++ runs: inertia against ACC) and the start ClustPy's own
`DEC` draws on it. Run it with ClustPy's interpreter (it imports both libraries):

    OMP_NUM_THREADS=1 CLUSTERREP_DATA=/work/shared/data /work/venv-clustpy/bin/python benchmarks/peers_trajectory.py \
        --dataset usps --seed 2 --epochs 150
"""
from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT / "benchmarks"))
import clusterrep.baselines as B                                        # noqa: E402
from clusterrep.metrics import cluster_acc, nmi                          # noqa: E402
from peers import load_arrays                                            # noqa: E402
from sklearn.base import BaseEstimator, ClusterMixin                     # noqa: E402
from sklearn.cluster import KMeans                                       # noqa: E402
from sklearn.metrics import adjusted_rand_score                          # noqa: E402

BATCH = 256


def autoencoder(X, seed: int, path: Path) -> B.StackedAutoencoder:
    "clusterrep's pretrained autoencoder of `seed` (100 epochs, the defaults), cached at `path`."
    ae = B.StackedAutoencoder(X.shape[1])
    if path.exists():
        ae.load_state_dict(torch.load(path)); return ae.eval()
    t = time.perf_counter()
    ae = B.pretrain_autoencoder(X, epochs=100, random_state=seed, verbose=False)
    path.parent.mkdir(parents=True, exist_ok=True); torch.save(ae.state_dict(), path)
    print(f"pretrained the seed-{seed} autoencoder in {time.perf_counter() - t:.0f} s -> {path}")
    return ae


def clustpy_network(ae: B.StackedAutoencoder):
    "ClustPy's FeedforwardAutoencoder with `ae`'s weights (its blocks hold the same Linear layers in the same order)."
    from clustpy.deep.neural_networks import FeedforwardAutoencoder
    dims = [m.out_features for m in ae.encoder if isinstance(m, torch.nn.Linear)]
    net = FeedforwardAutoencoder(layers=[ae.encoder[0].in_features, *dims])
    rename = lambda k: k.replace("encoder.", "encoder.block.").replace("decoder.", "decoder.block.")
    net.load_state_dict({rename(k): v for k, v in ae.state_dict().items()})   # strict: every weight has its place
    net.fitted = True
    return net


def batch_orders(n: int, seed: int, n_batches: int | None = None):
    "One shuffled split into mini-batches per epoch, from one seeded generator (optionally the first few batches)."
    g = torch.Generator().manual_seed(seed)
    while True:
        yield torch.randperm(n, generator=g).split(BATCH)[:n_batches]


class FixedStart(ClusterMixin, BaseEstimator):
    "An 'initial clustering' that returns given centres and labels (ClustPy's `initial_clustering_class`)."
    start = None
    def __init__(self, n_clusters=None, random_state=None):
        self.n_clusters, self.random_state = n_clusters, random_state
    def fit(self, Z, y=None):
        self.cluster_centers_, self.labels_ = self.start.cluster_centers_, self.start.labels_
        return self


def run_clustpy(X, ae, km, epochs, shuffle, n_batches=None):
    from clustpy.deep import DEC
    from clustpy.deep._data_utils import _ClustpyDataset

    class Sampler(torch.utils.data.Sampler):
        "Each epoch's permutation from `batch_orders`; ClustPy iterates the loader once before training (skipped)."
        def __init__(self):
            self.orders, self.calls = batch_orders(len(X), shuffle, n_batches), 0
        def __iter__(self):
            self.calls += 1
            if self.calls == 1: return iter(range(len(self)))
            return iter(torch.cat(next(self.orders)).tolist())
        def __len__(self):
            return len(X) if n_batches is None else min(len(X), BATCH * n_batches)

    ds = _ClustpyDataset(torch.as_tensor(X))
    train = torch.utils.data.DataLoader(ds, batch_size=BATCH, sampler=Sampler())
    test = torch.utils.data.DataLoader(ds, batch_size=BATCH, shuffle=False)
    FixedStart.start = km
    m = DEC(km.n_clusters, clustering_epochs=epochs, random_state=0, device="cpu", neural_network=clustpy_network(ae),
            custom_dataloaders=(train, test), initial_clustering_class=FixedStart).fit(X)
    enc = {k[len("encoder.block."):]: v for k, v in m.neural_network_trained_.state_dict().items()
           if k.startswith("encoder.")}
    return m.dec_labels_, enc, torch.as_tensor(m.dec_cluster_centers_)


def run_clusterrep(X, ae, km, epochs, shuffle, n_batches=None):
    orders = batch_orders(len(X), shuffle, n_batches)
    train_loop, kmeans = B.train_loop, B.KMeans

    def same_batches(opt, loss, n, **kw):
        if kw.get("desc") == "self-training":
            kw["batches"] = lambda n, b, g: iter(next(orders))
        return train_loop(opt, loss, n, **kw)

    class Start:
        def __init__(self, *a, **kw): pass
        def fit(self, Z): self.cluster_centers_, self.labels_ = km.cluster_centers_, km.labels_; return self

    B.train_loop, B.KMeans = same_batches, Start
    try:
        m = B.DEC(km.n_clusters, random_state=0, autoencoder=copy.deepcopy(ae), verbose=False, kmeans_n_init=1,
                  target="batch", tol=0.0, max_epochs=epochs).fit(X)
    finally:
        B.train_loop, B.KMeans = train_loop, kmeans
    enc = {k[len("encoder."):]: v for k, v in m.ae_.state_dict().items() if k.startswith("encoder.")}
    return m.labels_, enc, m.centers_.detach()


def gradient_difference(X, ae, km) -> float:
    "Largest relative difference between the two libraries' DEC-loss gradients on one batch (encoder and centres)."
    from clustpy.deep.dec import _DEC_Module
    x = torch.as_tensor(X[:BATCH])

    def grads(loss_of):
        net = copy.deepcopy(ae); c = torch.nn.Parameter(torch.tensor(km.cluster_centers_))
        loss_of(net.encoder(x), c).backward()
        return [p.grad for p in net.encoder.parameters()] + [c.grad]

    def ours(z, c):
        Q = B.student_t_assignments(z, c); return B.kl_clustering_loss(B.target_distribution(Q.detach()), Q)

    def theirs(z, c):
        mod = _DEC_Module(km.cluster_centers_, 1.0); mod.centers = c; return mod.dec_loss(z)

    return max(float((a - b).abs().max() / b.abs().max()) for a, b in zip(grads(ours), grads(theirs)))


class _GotStart(Exception):
    "Stops ClustPy's DEC once its initialization is drawn."


def clustpy_own_start(X, y, ae, seed):
    "The start ClustPy's DEC(random_state=seed) draws on this embedding (its default: one k-means++ run)."
    import clustpy.deep.dec as cpdec
    init = cpdec.get_default_deep_clustering_initialization
    seen = {}
    def spy(*a, **kw):
        out = init(*a, **kw); seen.update(Z=out[5], labels=out[7], centers=out[8]); raise _GotStart
    cpdec.get_default_deep_clustering_initialization = spy
    try:
        cpdec.DEC(len(np.unique(y)), random_state=seed, device="cpu", neural_network=clustpy_network(ae)).fit(X)
    except _GotStart:
        pass
    finally:
        cpdec.get_default_deep_clustering_initialization = init
    inertia = float(((seen["Z"] - seen["centers"][seen["labels"]]) ** 2).sum())
    return cluster_acc(y, seen["labels"]), inertia


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="usps")
    ap.add_argument("--seed", type=int, default=2, help="the autoencoder's and the k-means start's seed")
    ap.add_argument("--shuffle", type=int, default=0, help="seed of the shared batch order")
    ap.add_argument("--epochs", type=int, default=150)
    a = ap.parse_args()
    torch.set_num_threads(1)
    X, y, k = load_arrays(a.dataset)
    ae = autoencoder(X, a.seed, ROOT / f"runs/peers_trajectory/ae_{a.dataset}_{a.seed}.pt")
    with torch.no_grad(): Z = ae.encoder(torch.as_tensor(X)).numpy()
    km = KMeans(k, n_init=1, random_state=a.seed).fit(Z)
    print(f"{a.dataset}, seed-{a.seed} autoencoder; shared start: one k-means++ run, ACC {cluster_acc(y, km.labels_):.3f},"
          f" inertia {km.inertia_:.0f}")
    print(f"one batch: largest relative gradient difference {gradient_difference(X, ae, km):.1e}")
    for n_batches in (1, 2):
        _, e1, c1 = run_clusterrep(X, ae, km, 1, a.shuffle, n_batches)
        _, e2, c2 = run_clustpy(X, ae, km, 1, a.shuffle, n_batches)
        d = max(max(float((e1[n] - e2[n]).abs().max()) for n in e1), float((c1 - c2.float()).abs().max()))
        print(f"after {n_batches} Adam step(s) of lr 1e-4: largest parameter difference {d:.1e}")
    t = time.perf_counter(); ours, *_ = run_clusterrep(X, ae, km, a.epochs, a.shuffle); t_ours = time.perf_counter() - t
    t = time.perf_counter(); theirs, *_ = run_clustpy(X, ae, km, a.epochs, a.shuffle); t_cp = time.perf_counter() - t
    print(f"after {a.epochs} epochs on the same batches: clusterrep ACC {cluster_acc(y, ours):.4f} NMI {nmi(y, ours):.4f}"
          f" ({t_ours:.0f} s); ClustPy ACC {cluster_acc(y, theirs):.4f} NMI {nmi(y, theirs):.4f} ({t_cp:.0f} s); "
          f"ARI between them {adjusted_rand_score(ours, theirs):.4f}")
    runs = sorted((m.inertia_, cluster_acc(y, m.labels_)) for m in
                  (KMeans(k, n_init=1, random_state=100 + s).fit(Z) for s in range(20)))
    print("k-means local minima of this embedding (20 single k-means++ runs, inertia: ACC): "
          + ", ".join(f"{i:.0f}: {c:.3f}" for i, c in runs))
    km20 = KMeans(k, n_init=20, random_state=a.seed).fit(Z)
    acc, inertia = clustpy_own_start(X, y, ae, a.seed)
    print(f"clusterrep's default start (lowest inertia of 20): ACC {cluster_acc(y, km20.labels_):.3f}, inertia "
          f"{km20.inertia_:.0f}; ClustPy's own start (DEC(random_state={a.seed}), one run): ACC {acc:.3f}, inertia {inertia:.0f}")


if __name__ == "__main__":
    main()
