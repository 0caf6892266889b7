"""Held-out log-likelihoods of one row of `nbs/26_paper1_rbm.ipynb` re-estimated with more AIS temperatures (issue 23).

AIS underestimates log Z on average when the annealing misses mass, which makes held-out log-likelihoods optimistic;
the better a model is trained, the more temperatures it needs. This refits the RBM and both TRBMs of one
(subset, protocol, seed) row exactly as the cpu preset does and estimates log Z with 5000 and with --betas
temperatures (100 runs per cluster), so the comparison RBM vs TRBM can be checked against the estimator's bias.

    OMP_NUM_THREADS=1 CLUSTERREP_DATA=../shared/data python benchmarks/rbm_ais_check.py --subset mnist04 --protocol long --seed 2
"""
import argparse

from clusterrep.paper1_rbm import RBM_PRESETS, RBM_SUBSETS, PAPER_TRAINING, load_rbm_subset
from clusterrep.rbm import RBM, TRBM


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--subset", default="mnist04", choices=list(RBM_SUBSETS))
    p.add_argument("--protocol", default="long")
    p.add_argument("--seed", type=int, default=2)
    p.add_argument("--betas", type=int, default=20000)
    a = p.parse_args()
    config = RBM_PRESETS["cpu"]
    data = load_rbm_subset(a.subset, config["n_train"], config["n_test"])
    k, H = len(RBM_SUBSETS[a.subset]), int(config["total_hidden"])
    kw = dict(PAPER_TRAINING, **config["protocols"][a.protocol], random_state=a.seed, n_ais_betas=config["n_ais_betas"],
              n_ais_chains=config["n_ais_chains"])
    models = {"rbm": RBM(k, n_hidden=H, **kw), "trbm_rec": TRBM(k, n_hidden=H // k, **kw),
              "trbm_lik": TRBM(k, n_hidden=H // k, assign="likelihood", **kw)}
    for name, est in models.items():
        est.fit(data["X_train_bin"])
        out = []
        for betas in (config["eval_betas"], a.betas):
            log_z, sd = est.estimate_log_partition(betas, config["eval_chains"], random_state=a.seed)
            out.append(f"{betas} temperatures: held-out LL {est.score(data['X_test_bin']):.2f} (log Z {log_z.round(2).tolist()}, "
                       f"max sd {sd.max():.2f})")
        print(a.subset, a.protocol, a.seed, name, " | ".join(out), flush=True)


if __name__ == "__main__":
    main()
