"""TRBM trained on cluster-homogeneous batches (the default, `batching="balanced"`) against mixed batches (the paper's
scheme, `batching="mixed"`): quality and time, side by side on the same data and seeds.

With mixed batches of 64 every cluster takes an Adam step at every batch (n / 64 steps per epoch, each from the few of
the batch's points that are its own). With balanced cluster batches every cluster takes ceil(n / (64 k)) steps per
epoch, each from 64 of its own points, and a step costs one RBM step: at equal epochs a cluster makes about k times
fewer updates. With `batching="cluster"` (each point once per epoch) cluster j takes ceil(n_j / 64) steps, so large
clusters get more updates. Variants per protocol of `nbs/26_paper1_rbm.ipynb` (fig5: a = 0, 15 epochs, Adam 1e-3;
long: a from the data, 50 epochs, Adam 1e-2): mixed and balanced at the protocol's epochs for both assignment rules;
for the reconstruction rule also balanced at k times the epochs (as many updates per cluster as mixed) and cluster at
the protocol's epochs. MNIST {0, 1} and digits 0-4 (200 training, 100 held-out images per class, binarized once),
500 hidden units in total (500 / k per cluster), seeds 0-2.

    OMP_NUM_THREADS=1 CLUSTERREP_DATA=/work/shared/data python benchmarks/rbm_batching.py \\
        --out benchmarks/results/rbm_batching.csv

Prints mean ± sd per (protocol, subset, rule, variant): training ACC, held-out log-likelihood (AIS, --eval-betas
temperatures x --eval-chains runs per cluster) and fit seconds; writes every run to --out.
"""
import argparse
import csv
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from clusterrep.metrics import cluster_acc
from clusterrep.paper1_rbm import PAPER_TRAINING, RBM_PROTOCOLS, RBM_SUBSETS, load_rbm_subset
from clusterrep.rbm import TRBM
from results_io import write_rows


def variants(k: int, epochs: int, rule: str) -> dict:
    out = {"mixed": dict(batching="mixed", max_epochs=epochs), "balanced": dict(batching="balanced", max_epochs=epochs)}
    if rule == "reconstruction":
        out.update({f"balanced_x{k}": dict(batching="balanced", max_epochs=k * epochs),
                    "cluster": dict(batching="cluster", max_epochs=epochs)})
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--subsets", nargs="+", default=list(RBM_SUBSETS))
    p.add_argument("--protocols", nargs="+", default=list(RBM_PROTOCOLS))
    p.add_argument("--rules", nargs="+", default=["reconstruction", "likelihood"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--eval-betas", type=int, default=2000)
    p.add_argument("--eval-chains", type=int, default=50)
    p.add_argument("--variants", nargs="+", default=None,
                   help="only these variants (a name, or a prefix such as balanced); with --out, merged into the CSV there")
    p.add_argument("--out", type=Path, default=None)
    a = p.parse_args()
    keep = lambda name: a.variants is None or any(name == v or name.startswith(v + "_x") for v in a.variants)
    w = torch.nn.Parameter(torch.zeros(2))                 # pay torch's first-optimizer-step import before timing
    opt = torch.optim.Adam([w]); (w ** 2).sum().backward(); opt.step()
    rows = []
    for protocol in a.protocols:
        for key in a.subsets:
            data = load_rbm_subset(key, 200, 100)
            k = len(RBM_SUBSETS[key])
            base = dict(PAPER_TRAINING, **RBM_PROTOCOLS[protocol])
            for rule in a.rules:
                for seed in a.seeds:
                    for name, v in variants(k, base["max_epochs"], rule).items():
                        if not keep(name):
                            continue
                        est = TRBM(k, n_hidden=500 // k, assign=rule, **{**base, **v}, search="direct",   # batching alone
                                   random_state=seed)
                        t0 = time.perf_counter()
                        est.fit(data["X_train_bin"])
                        seconds = time.perf_counter() - t0
                        est.estimate_log_partition(a.eval_betas, a.eval_chains, random_state=seed)
                        row = dict(protocol=protocol, subset=key, rule=rule, variant=name, seed=seed,
                                   epochs=v["max_epochs"], seconds=seconds,
                                   acc=cluster_acc(data["y_train"], est.labels_), test_ll=est.score(data["X_test_bin"]),
                                   log_z_sd=float(est.model_.log_z_std.max()))
                        rows.append(row)
                        print({c: (round(x, 3) if isinstance(x, float) else x) for c, x in row.items()}, flush=True)
    if a.out is not None and a.variants is not None and a.out.exists():   # merge: the other variants' rows stay
        key = lambda r: (r["protocol"], r["subset"], r["rule"], r["variant"], int(r["seed"]))
        new = {key(r) for r in rows}
        with open(a.out) as f:
            old = [{c: (v if c in ("protocol", "subset", "rule", "variant") else float(v)) for c, v in r.items()}
                   for r in csv.DictReader(f)]
        rows = [r for r in old if key(r) not in new] + rows
    print("\nprotocol subset rule variant: ACC | held-out LL | seconds (mean ± sd over seeds)")
    groups = {}
    for r in rows:
        groups.setdefault((r["protocol"], r["subset"], r["rule"], r["variant"]), []).append(r)
    ms = lambda rs, c: f"{statistics.mean(r[c] for r in rs):.3f} ± {statistics.pstdev(r[c] for r in rs):.3f}"
    for key, rs in groups.items():
        print(" ".join(key), "|", ms(rs, "acc"), "|", ms(rs, "test_ll"), "|", ms(rs, "seconds"))
    if a.out is not None:
        write_rows(a.out, rows)


if __name__ == "__main__":
    main()
