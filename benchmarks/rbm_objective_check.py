"""Is the digit partition a lower minimum of TRBM's assignment loss than the partition the alternation finds?

The counterpart of `benchmarks/vae_objective_check.py` for issue 23's ACC target on MNIST digits 0–4. TRBM assigns by
its per-cluster loss (reconstruction error by default); `clusterrep.tensorized.objective_at_partition` trains the same
TRBM (same CD-1 training, epochs, restarts) with S fixed to the digit labels and reports that loss there, next to the
one at the partition the meta-algorithm finds. Labels only evaluate.

    OMP_NUM_THREADS=1 python benchmarks/rbm_objective_check.py --seeds 0 1 2 [--protocol fig5|long] [--assign reconstruction]
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
from clusterrep.paper1_rbm import PAPER_TRAINING, RBM_PROTOCOLS, RBM_SUBSETS, load_rbm_subset  # noqa: E402
from clusterrep.rbm import TRBM  # noqa: E402
from clusterrep.tensorized import objective_at_partition  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subset", default="mnist04", choices=list(RBM_SUBSETS))
    ap.add_argument("--protocol", default="fig5", choices=list(RBM_PROTOCOLS))
    ap.add_argument("--assign", default="reconstruction")
    ap.add_argument("--total-hidden", type=int, default=500)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    data = load_rbm_subset(args.subset)
    X, y = data["X_train_bin"], data["y_train"]
    k = len(RBM_SUBSETS[args.subset])
    params = dict(PAPER_TRAINING, **RBM_PROTOCOLS[args.protocol], n_hidden=args.total_hidden // k, assign=args.assign)
    print(f"{args.subset}, protocol {args.protocol}, assign={args.assign}, {args.total_hidden // k} hidden units per cluster: "
          "TRBM assignment loss (lower is better) at the found partition vs at the digit partition")
    print("| seed | found: loss | found: ACC | digits: loss (S fixed) | digits: after eq. (2) | digits lower? |\n"
          "|---|---|---|---|---|---|")
    for seed in args.seeds:
        est = TRBM(k, random_state=seed, **params)
        found = est.fit(X)
        at = objective_at_partition(est, X, y)
        print(f"| {seed} | {found.loss_:.3f} | {cluster_acc(y, found.labels_):.3f} | {at['fixed']:.3f} | "
              f"{at['relaxed']:.3f} | {'yes' if at['fixed'] < found.loss_ else 'NO'} |", flush=True)
    print(f"\n{time.perf_counter() - t0:.0f} s, torch {torch.__version__}, {torch.get_num_threads()} thread(s)")


if __name__ == "__main__":
    main()
