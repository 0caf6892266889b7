"""Clustering quality of TAE/PTAE against k-means and the standard AEs (paper 1, section III-B), side by side.

Targets (issue 4):
  A. on parallel lines, orthogonal, triangle and lines 3D, TAE and PTAE reach ARI >= 0.95 (the restart with the
     lowest training loss) where k-means on the raw data and the AEs do not;
  B. on every dataset of Fig. 2 (parallel lines, lines 3D, MNIST-5, penguins), PTAE's mean ARI >= AE3's.

Protocol: for each dataset and repetition r (synthetic sets redrawn with seed r), every model is fitted once with
``--n-init`` restarts (seeded by r) and the restart with the lowest final *unsupervised* loss is kept — labels only
score the result. Fixed hyperparameters, no selection at all: Adam lr 1e-2, lambda = 0.1 for TAE/PTAE (the public
code's value), lambda = 0 for the standard AEs, ``--max-epochs`` epochs with patience 30, full batches of 256.
k-means: scikit-learn, 10 inits. Reported: mean, minimum and sd of the ARI over repetitions.

Run:  OMP_NUM_THREADS=1 python benchmarks/ae_quality.py   (CLUSTERREP_DATA pointing at the data mirror)
"""
import argparse
import os
import time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from clusterrep.ae import make_autoencoder
from clusterrep.paper1_ae import AE_MODELS, load_paper1_dataset

TARGET_A = ('parallel_lines', 'orthogonal', 'triangle', 'lines_3d')
FIG2 = ('parallel_lines', 'lines_3d', 'mnist5', 'penguins')


def run(datasets, reps, n_init, max_epochs):
    rows = []
    for key in datasets:
        for rep in range(reps):
            X, y = load_paper1_dataset(key, rep)
            k = len(np.unique(y))
            rows.append(dict(dataset=key, rep=rep, model='k-means',
                             ari=adjusted_rand_score(y, KMeans(k, n_init=10, random_state=rep).fit_predict(X))))
            for model in AE_MODELS:
                t0 = time.perf_counter()
                est = make_autoencoder(model, k, lr=1e-2, n_init=n_init, max_epochs=max_epochs, random_state=rep).fit(X)
                rows.append(dict(dataset=key, rep=rep, model=model, ari=adjusted_rand_score(y, est.labels_),
                                 loss=est.loss_, seconds=time.perf_counter() - t0))
            print(f"{key} rep {rep} done", flush=True)
    return pd.DataFrame(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--reps', type=int, default=3)
    p.add_argument('--n-init', type=int, default=3)
    p.add_argument('--max-epochs', type=int, default=300)
    p.add_argument('--csv', default='benchmarks/results/ae_quality.csv')
    a = p.parse_args()
    datasets = list(dict.fromkeys(TARGET_A + FIG2))
    t0 = time.perf_counter()
    df = run(datasets, a.reps, a.n_init, a.max_epochs)
    os.makedirs(os.path.dirname(a.csv), exist_ok=True)
    tmp = a.csv + '.tmp'
    df.to_csv(tmp, index=False)
    os.replace(tmp, a.csv)
    order = ['k-means', *AE_MODELS]
    mean = df.pivot_table(index='dataset', columns='model', values='ari', aggfunc='mean')[order].loc[datasets]
    low = df.pivot_table(index='dataset', columns='model', values='ari', aggfunc='min')[order].loc[datasets]
    sd = df.pivot_table(index='dataset', columns='model', values='ari', aggfunc='std')[order].loc[datasets]
    pd.set_option('display.width', 200)
    print(f"\nARI, mean over {a.reps} repetitions (n_init={a.n_init}, best restart by loss, max_epochs={a.max_epochs}); "
          f"{time.perf_counter() - t0:.0f}s, load average {os.getloadavg()}")
    print(mean.round(3).to_string())
    print("\nARI, minimum over repetitions")
    print(low.round(3).to_string())
    print("\nARI, sd over repetitions")
    print(sd.round(3).to_string())

    print("\nTarget A: TAE1, TAE2 and PTAE mean ARI >= 0.95 while k-means and AE1-3 stay below")
    for key in TARGET_A:
        m = mean.loc[key]
        ok_t = {name: m[name] >= 0.95 for name in ('TAE1', 'TAE2', 'PTAE')}
        baselines_below = {name: m[name] < 0.95 for name in ('k-means', 'AE1', 'AE2', 'AE3')}
        verdict = 'MET' if all(ok_t.values()) and all(baselines_below.values()) else 'NOT MET'
        print(f"  {key:15s} {verdict}: " + ', '.join(f"{n} {m[n]:.3f}" for n in order))
    print("\nTarget B: PTAE mean ARI >= AE3 mean ARI on the Fig. 2 datasets")
    for key in FIG2:
        m = mean.loc[key]
        print(f"  {key:15s} {'MET' if m['PTAE'] >= m['AE3'] else 'NOT MET'}: PTAE {m['PTAE']:.3f} vs AE3 {m['AE3']:.3f}")


if __name__ == '__main__':
    main()
