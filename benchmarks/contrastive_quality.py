"""More seeds for issue 22's quality target: TCL's unsupervised assignments against k-means on CL's embedding.

The protocol of `nbs/25_paper1_contrastive.ipynb` (its `cpu` preset: the same 1000 MNIST test images of digits 0-4,
the same probe sets, k = 5, 30 epochs, batch 128, Adam 1e-3, one restart), for CL and TCL without class information
only, over the seeds given; rows are appended to the CSV (one per seed), in the notebook's columns. `--n-init`
gives both models that many restarts, each keeping the one with the lowest training loss (labels only evaluate).

    OMP_NUM_THREADS=1 python benchmarks/contrastive_quality.py --seeds 3 4 5 6 7 8 9 --csv benchmarks/results/contrastive_quality.csv
    OMP_NUM_THREADS=1 python benchmarks/contrastive_quality.py --seeds 0 1 2 3 4 5 --n-init 3 --csv benchmarks/results/contrastive_quality_ninit3.csv

Prints one line per seed (ACC / NMI / probe accuracy of k-means on the pixels, CL and TCL) and appends the row to
`--csv`; `benchmarks/contrastive.md` has the tables made from these CSVs.
"""
import argparse
from pathlib import Path

import pandas as pd

from clusterrep.data import atomic_write
from clusterrep.paper1_contrastive import CONTRASTIVE_PRESETS, fit_contrastive_models, load_contrastive_data


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", required=True)
    p.add_argument("--csv", type=Path, default=Path("benchmarks/results/contrastive_quality.csv"))
    p.add_argument("--n-init", type=int, default=1, help="restarts per model, the best chosen by its training loss")
    a = p.parse_args(argv)
    cfg = CONTRASTIVE_PRESETS["cpu"]
    data = load_contrastive_data(cfg["n_fit"], cfg["n_probe"])
    for seed in a.seeds:
        row = fit_contrastive_models(data, seed, max_epochs=cfg["max_epochs"], models=("cl", "tcl"), n_init=a.n_init)["row"]
        row["n_init"] = a.n_init
        old = pd.read_csv(a.csv) if a.csv.exists() else pd.DataFrame()
        new = pd.concat([old[old.seed != seed] if len(old) else old, pd.DataFrame([row])], ignore_index=True)
        a.csv.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(a.csv) as f:
            new.to_csv(f, index=False)
        print(seed, {k: round(v, 3) for k, v in row.items() if k.endswith(("_acc", "_nmi", "_probe"))}, flush=True)


if __name__ == "__main__":
    main()
