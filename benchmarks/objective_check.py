"""Is the class partition a lower minimum of a cluster-specific model's loss than the partition the alternation finds?

Where TVAE or TRBM fall short of k-means' ACC, two causes are possible: the alternating search stops in a worse
minimum (a search problem), or the loss itself prefers another partition (then no loss-based selection can pick the
classes). `clusterrep.tensorized.objective_at_partition` separates them: it trains the same estimator (same network,
optimizer, epochs, restarts) with S fixed to the class labels and reports the loss there (mean_i L_(i, y_i)), next to
the estimator's own loss (mean_i min_j L_ij) at the partition it finds. Labels only evaluate; nothing is selected.

* ``tvae``: an experiment of notebook 24 (default Fig. 3, MNIST {0, 1, 9}), loss = −ELBO per image, 4 restarts;
* ``trbm``: a subset of notebook 26 (default MNIST 0–4, binarized), loss = the assignment loss (`--assign`), total
  hidden units shared out over the clusters, a training protocol of notebook 26;
* ``tcl``: notebook 25's `cpu` setting (1000 MNIST test images of digits 0–4, draw 0, 30 epochs, batch 128, Adam
  1e-3, one restart), loss = the contrastive assignment loss against fixed references and deformations.

    OMP_NUM_THREADS=1 python benchmarks/objective_check.py tvae --data fig3 --seeds 0 1 2
    OMP_NUM_THREADS=1 python benchmarks/objective_check.py trbm --data mnist04 --protocol long --seeds 0 1 2
    OMP_NUM_THREADS=1 python benchmarks/objective_check.py tcl --seeds 0 1 2 3 4 5 [--search both]
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CLUSTERREP_DATA", str(ROOT.parent / "shared" / "data"))

import torch  # noqa: E402

from clusterrep.metrics import cluster_acc  # noqa: E402
from clusterrep.tensorized import objective_at_partition  # noqa: E402


def tvae_setup(args):
    from clusterrep.paper1_vae import VAE_EXPERIMENTS, load_vae_experiment
    from clusterrep.vae import TVAE
    X, y, _, _ = load_vae_experiment(args.data or "fig3")
    _, _, k, options = VAE_EXPERIMENTS[args.data or "fig3"]
    X = X if options.get("architecture") == "cnn" else X.reshape(len(X), -1)
    make = lambda seed: TVAE(k, n_init=args.n_init, max_epochs=200, random_state=seed, **options)
    return X, y, make, f"TVAE, n_init={args.n_init}, 200 epochs, loss = negative ELBO per image"


def trbm_setup(args):
    from clusterrep.paper1_rbm import PAPER_TRAINING, RBM_PROTOCOLS, RBM_SUBSETS, load_rbm_subset
    from clusterrep.rbm import TRBM
    data = load_rbm_subset(args.data or "mnist04")
    k = len(RBM_SUBSETS[args.data or "mnist04"])
    params = dict(PAPER_TRAINING, **RBM_PROTOCOLS[args.protocol], n_hidden=args.total_hidden // k, assign=args.assign)
    make = lambda seed: TRBM(k, random_state=seed, **params)
    return (data["X_train_bin"], data["y_train"], make,
            f"TRBM, protocol {args.protocol}, {args.total_hidden // k} hidden units per cluster, loss = {args.assign}")


def tcl_setup(args):
    from clusterrep.paper1_contrastive import CONTRASTIVE_PRESETS, load_contrastive_data
    from clusterrep.contrastive import TCL
    cpu = CONTRASTIVE_PRESETS["cpu"]
    data = load_contrastive_data(cpu["n_fit"], cpu["n_probe"])
    make = lambda seed: TCL(5, max_epochs=cpu["max_epochs"], batch_size=128, lr=1e-3, search=args.search, random_state=seed)
    return (data["X"], data["y"], make,
            f"TCL, {cpu['max_epochs']} epochs, 1 restart, search={args.search!r}, loss = contrastive assignment loss")


SETUPS = {"tvae": tvae_setup, "trbm": trbm_setup, "tcl": tcl_setup}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", choices=list(SETUPS))
    ap.add_argument("--data", default=None, help="tvae: fig3 | fig9 | fig10 | fig11; trbm: mnist01 | mnist04")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--n-init", type=int, default=4, help="tvae restarts")
    ap.add_argument("--protocol", default="fig5", help="trbm training protocol (notebook 26)")
    ap.add_argument("--assign", default="reconstruction", help="trbm assignment loss")
    ap.add_argument("--total-hidden", type=int, default=500, help="trbm hidden units over all clusters")
    ap.add_argument("--search", default="direct", help="tcl: how S is searched ('direct', 'prune', 'both')")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    X, y, make, what = SETUPS[args.model](args)
    print(f"{what}: the loss (lower is better) at the partition found vs at the class partition")
    print("| seed | found: loss | found: ACC | classes: loss (S fixed) | classes: after eq. (2) | classes lower? | "
          "found by | fit s |\n|---|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        est = make(seed)
        t = time.perf_counter()
        found = est.fit(X)
        seconds = time.perf_counter() - t
        at = objective_at_partition(est, X, y)
        print(f"| {seed} | {found.loss_:.5g} | {cluster_acc(y, found.labels_):.3f} | {at['fixed']:.5g} | "
              f"{at['relaxed']:.5g} | {'yes' if at['fixed'] < found.loss_ else 'NO'} | "
              f"{getattr(found, 'search_', 'direct')} | {seconds:.0f} |", flush=True)
    print(f"\n{time.perf_counter() - t0:.0f} s, torch {torch.__version__}, {torch.get_num_threads()} thread(s)")


if __name__ == "__main__":
    main()
