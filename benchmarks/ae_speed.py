"""Time per epoch of PTAE vs AE3 at equal parameter count, and vs the public code's per-cluster loop.

Setting of the target (issue 4): k = 10 clusters, MNIST (784 inputs), batch 256, 2 CPU threads.

* ``AE3``  : standard AE 784 -> 2 -> 10 -> 2 -> 784 (4*784 + 40 parameters), clusterrep.ae.AE
* ``PTAE`` : 784 -> 2 -> [1 per cluster] -> 2 -> 784 (4*784 + 40 parameters), clusterrep.ae.PTAE
* ``TAE2`` : 10 independent 784 -> 2 -> 1 -> 2 -> 784 autoencoders, for reference
* ``loop`` : the public code's formulation (``PartSharedLoss`` in src/loss.py of
  mahalakshmi-sabanayagam/cluster_specific_representation): for every sample and every cluster a separate
  forward pass through shared and per-cluster ``nn.Linear`` modules, losses summed with S, one backward per batch.
  Written here only, as the reference; it is timed on a few batches and scaled to one epoch.

Time per epoch of the clusterrep estimators = wall time of the estimator's training loop (``_train``: all
mini-batch Adam steps and, for PTAE/TAE, the Lloyd step after each epoch) / number of epochs, early stopping off;
set-up, k-means++ seeding, the final assignment pass and AE's k-means on the embedding are outside the loop.
Each model is warmed up with one short fit first; the models are measured in turn, ``--repeats`` times, and
the median is reported.

Run:  OMP_NUM_THREADS=2 python benchmarks/ae_speed.py   (CLUSTERREP_DATA pointing at the data mirror)
"""
import argparse
import os
import platform
import statistics
import time

import numpy as np
import torch
from torch import nn

from clusterrep.ae import AE, PTAE, TAE
from clusterrep.data import load_dataset
from clusterrep.metrics import count_params


def timed(cls):
    "Subclass of an estimator that records the wall time and epoch count of its training loop."
    class Timed(cls):
        def _train(self, *args, **kwargs):
            t0 = time.perf_counter()
            history = super()._train(*args, **kwargs)
            self.train_seconds_, self.train_epochs_ = time.perf_counter() - t0, len(history)
            return history
    Timed.__name__ = cls.__name__
    return Timed


def seconds_per_epoch(make, X):
    est = make().fit(X)
    return est.train_seconds_ / est.train_epochs_, est


class LoopPTAE(nn.Module):
    "The public code's PTAE: shared and per-cluster nn.Linear modules, evaluated one sample and one cluster at a time."
    def __init__(self, d, k, hidden=2, emb=1):
        super().__init__()
        self.enc = nn.Linear(d, hidden, bias=False)
        self.dec = nn.Linear(hidden, d, bias=False)
        self.enc_k = nn.ModuleList(nn.Linear(hidden, emb, bias=False) for _ in range(k))
        self.dec_k = nn.ModuleList(nn.Linear(emb, hidden, bias=False) for _ in range(k))
        self.k, self.mse = k, nn.MSELoss()

    def forward(self, x, centers, s_i, lam=0.1):
        loss, best, best_j = 0.0, float('inf'), -1
        for j in range(self.k):                      # the per-cluster loop
            xc = x - centers[j]
            z = self.enc_k[j](self.enc(xc))
            l = self.mse(self.dec(self.dec_k[j](z)), xc) + lam * torch.square(torch.norm(z))
            if l.item() < best:
                best, best_j = l.item(), j
            loss = loss + (1.0 if j == s_i else 0.0) * l
        return loss, best_j


def loop_seconds_per_epoch(X, k, batch_size, n_batches, lr=1e-2):
    "Time n_batches of the per-sample, per-cluster loop (forward, backward, Adam, Lloyd update) -> per-epoch time."
    g = torch.Generator().manual_seed(0)
    Xt = torch.as_tensor(X)
    labels = torch.randint(k, (len(Xt),), generator=g)
    centers = torch.stack([Xt[labels == j].mean(0) for j in range(k)])
    net = LoopPTAE(Xt.shape[1], k)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    t0 = time.perf_counter()
    for b in range(n_batches):
        idx = torch.arange(b * batch_size, (b + 1) * batch_size)
        opt.zero_grad()
        batch_loss, new = 0.0, []
        for i in idx.tolist():                       # the per-sample loop
            l, j = net(Xt[i], centers, int(labels[i]))
            batch_loss = batch_loss + l
            new.append(j)
        (batch_loss / batch_size).backward()
        opt.step()
        labels[idx] = torch.tensor(new)
        centers = torch.stack([Xt[labels == j].mean(0) if (labels == j).any() else centers[j] for j in range(k)])
    per_batch = (time.perf_counter() - t0) / n_batches
    return per_batch * int(np.ceil(len(Xt) / batch_size)), count_params(net)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n', type=int, default=10000, help='MNIST training images used (default 10000)')
    p.add_argument('--k', type=int, default=10)
    p.add_argument('--batch-size', type=int, default=256)
    p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--loop-batches', type=int, default=2, help='batches timed for the loop reference')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    X = load_dataset('mnist', split='train', flat=True).X[:a.n]
    print(f"MNIST train[:{len(X)}] {X.shape}, k={a.k}, batch {a.batch_size}, torch threads {torch.get_num_threads()}, "
          f"torch {torch.__version__}, {platform.processor() or platform.machine()}, load average {os.getloadavg()}")

    common = dict(n_clusters=a.k, batch_size=a.batch_size, patience=None, random_state=0, lr=1e-2,
                  max_epochs=a.epochs)
    models = {
        'AE3': lambda: timed(AE)(hidden=(2,), embedding_dim=None, **common),
        'PTAE': lambda: timed(PTAE)(hidden=(2,), embedding_dim=1, **common),
        'TAE2': lambda: timed(TAE)(hidden=(2,), embedding_dim=1, **common),
    }
    for make in models.values():                     # warm-up (first-call overheads of torch and scikit-learn)
        make().set_params(max_epochs=1).fit(X[:512])
    times, params = {m: [] for m in models}, {}
    for _ in range(a.repeats):
        for name, make in models.items():
            sec, est = seconds_per_epoch(make, X)
            times[name].append(sec)
            params[name] = count_params(est.model_)
    res = {}
    for name in models:
        res[name] = (statistics.median(times[name]), params[name])
        print(f"{name:5s} {res[name][0] * 1e3:9.1f} ms/epoch   {params[name]:6d} parameters   "
              f"(runs: {', '.join(f'{t * 1e3:.0f}' for t in times[name])})", flush=True)
    loop_sec, loop_params = loop_seconds_per_epoch(X, a.k, a.batch_size, a.loop_batches)
    res['loop'] = (loop_sec, loop_params)
    print(f"loop  {loop_sec * 1e3:9.1f} ms/epoch   {loop_params:6d} parameters  "
          f"(public code's per-sample, per-cluster loop; {a.loop_batches} batches timed, scaled to an epoch)")

    assert res['PTAE'][1] == res['AE3'][1] == res['loop'][1], "PTAE, AE3 and the loop must have equal parameter counts"
    r_ae3 = res['PTAE'][0] / res['AE3'][0]
    r_loop = res['loop'][0] / res['PTAE'][0]
    print(f"\nPTAE / AE3 time per epoch : {r_ae3:.2f}  (target <= 1.5: {'MET' if r_ae3 <= 1.5 else 'NOT MET'})")
    print(f"loop / PTAE time per epoch: {r_loop:.0f}x (target >= 10: {'MET' if r_loop >= 10 else 'NOT MET'})")
    print(f"TAE2 / AE3 time per epoch : {res['TAE2'][0] / res['AE3'][0]:.2f}")


if __name__ == '__main__':
    main()
