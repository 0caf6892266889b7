"""TRBM's searches of S side by side on MNIST digits 0-4 (issue 23): paper 1's direct alternation against the pruned
search (2k clusters, the best k kept by loss, then ceil(epochs / 2) more epochs), same data, seeds and protocol as
`nbs/26_paper1_rbm.ipynb` (200 training images per class, binarized once; 100 hidden units per cluster), with the
objective at the digit partition (S fixed to the labels, `objective_at_partition`) for reference. Labels only evaluate.

    OMP_NUM_THREADS=1 CLUSTERREP_DATA=../shared/data python benchmarks/rbm_search.py --out benchmarks/results/rbm_search.csv

Prints one line per protocol and seed: objective and ACC of each search, and the objective at the digit partition
trained as long as the direct run (`--digits-epochs` to change it; 0 skips it).
"""
import argparse
import time
import warnings
from pathlib import Path

from clusterrep.metrics import cluster_acc
from clusterrep.paper1_rbm import PAPER_TRAINING, RBM_PROTOCOLS, RBM_SUBSETS, load_rbm_subset
from clusterrep.rbm import TRBM
from clusterrep.tensorized import objective_at_partition
from results_io import print_row, write_rows


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--protocols", nargs="+", default=["long", "fig5"], choices=list(RBM_PROTOCOLS))
    p.add_argument("--subset", default="mnist04", choices=list(RBM_SUBSETS))
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--rule", default="reconstruction", choices=["reconstruction", "likelihood"])
    p.add_argument("--digits-epochs", type=int, default=None, help="default: the protocol's epochs (as the direct run)")
    p.add_argument("--out", type=Path, default=None)
    a = p.parse_args()
    data = load_rbm_subset(a.subset, 200, 100)
    X, y = data["X_train_bin"], data["y_train"]
    k = len(RBM_SUBSETS[a.subset])
    rows = []
    for protocol in a.protocols:
        for seed in a.seeds:
            kw = dict(PAPER_TRAINING, **RBM_PROTOCOLS[protocol], n_hidden=500 // k, assign=a.rule, random_state=seed)
            row = dict(protocol=protocol, subset=a.subset, rule=a.rule, seed=seed)
            for search in ("direct", "prune"):
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)   # AIS error warnings of the likelihood rule
                    est = TRBM(k, search=search, **kw).fit(X)
                row.update({f"{search}_objective": est.loss_, f"{search}_acc": cluster_acc(y, est.labels_),
                            f"{search}_seconds": time.perf_counter() - t0})
            epochs = kw["max_epochs"] if a.digits_epochs is None else a.digits_epochs
            if epochs:
                ref = TRBM(k, **{**kw, "max_epochs": epochs})
                row["digits_objective"] = objective_at_partition(ref, X, y)["fixed"]
                row["digits_epochs"] = epochs
            rows.append(row)
            print_row(row, 3)
    if a.out is not None:
        write_rows(a.out, rows)


if __name__ == "__main__":
    main()
