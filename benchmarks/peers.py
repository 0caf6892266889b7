"""DEC and IDEC of clusterrep and of ClustPy (the best-known general deep-clustering library) side by side on
identical arrays (issue 25, part 1).

Command (repository root, our venv active; ClustPy lives in its own venv because it needs torchvision):

    python -m venv /work/venv-clustpy && /work/venv-clustpy/bin/pip install torch==2.14.1 torchvision==0.29.1 clustpy
    OMP_NUM_THREADS=1 CLUSTERREP_DATA=/work/shared/data python benchmarks/peers.py \
        --datasets iris usps mnist --seeds 0 1 2 --clustpy-python /work/venv-clustpy/bin/python

Options: `--epochs usps=10,10` caps (pretraining, self-training) epochs of a data set (USPS and MNIST are capped
at 5 + 5 and 2 + 2 epochs by default on a 2-core machine shared with other jobs, iris runs the full budgets); `--settings matched defaults`;
`--fresh` ignores the cached runs.

What runs: for every data set (iris; USPS, all 9298 images; the MNIST test split, 10000 images; pixels in [0, 1],
iris raw) and seed, each library's DEC and IDEC in two settings:
- `matched`: autoencoder d-500-500-2000-10 with ReLU, per-element MSE, Adam 1e-3 in both phases, batch 256,
  k-means++ with n_init 20 on the embedding, alpha 1, IDEC weight 0.1, P per mini-batch, the same epoch budget
  (iris 100 + 150);
- `defaults`: each library's constructor defaults (clusterrep: 100 + at most 150 epochs, LeakyReLU, self-training lr 1e-4, target P
  per mini-batch for DEC and from the whole data set every epoch for IDEC, stop when < 0.1 % of labels change; ClustPy: 100 + 150 epochs, LeakyReLU,
  per-sample summed squared error, clustering lr 1e-4, P per mini-batch, k-means with sklearn's default n_init),
  except the epoch caps above.
Within one library, seed and pretraining configuration the autoencoder is pretrained once and DEC and IDEC start from
it (`clusterrep.baselines.pretrain_autoencoder` + `DEC(autoencoder=...)`; ClustPy's `FeedforwardAutoencoder.fit`
+ `DEC(neural_network=...)`), as the IDEC paper does; every reported time is pretraining + clustering of that run.
Each side runs as a subprocess in its own venv on the same float32 arrays (a temporary .npz) with one thread;
the two sides alternate seed by seed, so load from other processes hits both alike. Labels come back to this
process, which scores them against the classes (ACC, NMI, ARI from `clusterrep.metrics`). ClustPy's `labels_` are
a k-means re-clustering of its final embedding; its DEC assignments (`dec_labels_`) are scored too.

Prints one row per (data set, setting, model): mean ± sd over seeds of ACC / NMI / ARI for both libraries (ClustPy:
the better of its two outputs), the number of clusters found (min over seeds), mean times and our/ClustPy time ratio.
Writes every run to nbs/results/peers_runs_<library>_<dataset>.csv (cached: runs already there are skipped unless
--fresh; sides and data sets can run as separate processes with --libraries and --datasets) and the table
to nbs/results/peers.csv.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "nbs/results"
TABLE_CSV = RESULTS / "peers.csv"
runs_csv = lambda library, dataset: RESULTS / f"peers_runs_{library}_{dataset}.csv"   # one file per side and data set
MODELS, SETTINGS = ("DEC", "IDEC"), ("matched", "defaults")
RECLUSTER = "kmeans_on_embedding"   # our second output: ClustPy's `labels_` rule applied to our final embedding
DEFAULT_EPOCHS = {"iris": None, "usps": (5, 5), "mnist": (2, 2)}   # None: full budgets
MATCHED_FULL = (100, 150)                                              # matched budget when not capped
RUN_FIELDS = ["dataset", "setting", "model", "library", "output", "seed", "pretrain_epochs", "clustering_epochs",
              "acc", "nmi", "ari", "n_found", "pretrain_s", "cluster_s", "time_s"]


def epochs_for(setting: str, library: str, cap):
    "(pretraining, clustering) epochs of one run; None = the library's default."
    if cap is not None: return tuple(cap)
    if setting == "matched": return MATCHED_FULL
    return (100, 150)   # both libraries' constructor defaults


# ----------------------------------------------------------------------------------------------------------------
def _warm_up():
    """One Adam step on a dummy weight before any timing: torch imports torch._dynamo at the first optimizer step
    (several seconds); importing clustpy does it already, so without this only clusterrep's first timed run paid it."""
    import torch
    w = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.Adam([w], lr=1e-3)
    (w ** 2).sum().backward(); opt.step()


# the two workers: each reads the arrays, fits, writes labels and times (no scoring, no import of the other side)
def _worker_clusterrep(X, k, seed, jobs):
    import torch
    torch.set_num_threads(1)
    from sklearn.cluster import KMeans
    from clusterrep.baselines import DEC, IDEC, pretrain_autoencoder
    out, cache = [], {}
    for job in jobs:
        pe, ce = job["epochs"]
        act = "relu" if job["setting"] == "matched" else "leaky_relu"    # matched: ReLU; our default: LeakyReLU
        if (act, pe) not in cache:
            t = time.perf_counter()
            cache[act, pe] = (pretrain_autoencoder(X, epochs=pe, random_state=seed, activation=act),
                              time.perf_counter() - t)
        ae, t_pre = cache[act, pe]
        cls = DEC if job["model"] == "DEC" else IDEC
        kw = dict(lr=1e-3, target="batch") if job["setting"] == "matched" else {}   # ClustPy: P per mini-batch
        t = time.perf_counter()
        m = cls(k, max_epochs=ce, random_state=seed, autoencoder=ae, verbose=False, **kw).fit(X)
        dt = time.perf_counter() - t
        out.append(dict(job, output="labels_", labels=m.labels_.tolist(), pretrain_s=t_pre, cluster_s=dt))
        # ClustPy's rule for its `labels_`, applied to our model: one k-means++ run on the final embedding
        t = time.perf_counter()
        again = KMeans(k, n_init=1, random_state=seed).fit(m.transform(X)).labels_
        out.append(dict(job, output=RECLUSTER, labels=again.tolist(), pretrain_s=t_pre,
                        cluster_s=dt + time.perf_counter() - t))
    return out


def _worker_clustpy(X, k, seed, jobs):
    import copy
    import torch
    torch.set_num_threads(1)
    from clustpy.deep import DEC, IDEC
    from clustpy.deep.neural_networks import FeedforwardAutoencoder
    per_element_mse = lambda a, b: ((a - b) ** 2).mean()
    out, cache = [], {}
    for job in jobs:
        pe, ce = job["epochs"]
        matched = job["setting"] == "matched"
        key = (matched, pe)
        loss = per_element_mse if matched else None
        if key not in cache:
            t = time.perf_counter()
            params = dict(layers=[X.shape[1], 500, 500, 2000, 10], random_state=seed)
            if matched: params["activation_fn"] = torch.nn.ReLU
            ae = FeedforwardAutoencoder(**params)
            fit_kw = dict(ssl_loss_fn=loss) if matched else {}
            ae.fit(n_epochs=pe, optimizer_params={"lr": 1e-3}, batch_size=256, data=X, **fit_kw)
            cache[key] = (ae, time.perf_counter() - t)
        ae, t_pre = cache[key]
        cls = DEC if job["model"] == "DEC" else IDEC
        kw = dict(clustering_epochs=ce, random_state=seed, device="cpu", neural_network=copy.deepcopy(ae))
        if matched:
            kw.update(batch_size=256, alpha=1.0, pretrain_optimizer_params={"lr": 1e-3},
                      clustering_optimizer_params={"lr": 1e-3}, initial_clustering_params={"n_init": 20},
                      ssl_loss_fn=per_element_mse)
            if job["model"] == "IDEC": kw["clustering_loss_weight"] = 0.1
        t = time.perf_counter()
        m = cls(k, **kw).fit(X)
        dt = time.perf_counter() - t
        for output in ("labels_", "dec_labels_"):
            out.append(dict(job, output=output, labels=getattr(m, output).tolist(), pretrain_s=t_pre, cluster_s=dt))
    return out


def worker(args):
    import numpy as np
    _warm_up()
    d = np.load(args.npz)
    jobs = json.loads(Path(args.jobs).read_text())
    run = _worker_clusterrep if args.worker == "clusterrep" else _worker_clustpy
    res = run(d["X"], int(d["k"]), args.seed, jobs)
    Path(args.result).write_text(json.dumps(res))


# ----------------------------------------------------------------------------------------------------------------
def load_arrays(name: str):
    import numpy as np
    from clusterrep.data import load_dataset
    d = load_dataset("mnist", split="test") if name == "mnist" else load_dataset(name)
    X = np.ascontiguousarray(d.X.reshape(len(d.X), -1), dtype=np.float32)
    return X, d.y.astype(np.int64), int(len(np.unique(d.y)))


def read_runs(libraries=("clusterrep", "clustpy"), datasets=None) -> list[dict]:
    rows = []
    for lib in libraries:
        for path in sorted(RESULTS.glob(f"peers_runs_{lib}_*.csv")):
            with open(path) as f: rows += [r for r in csv.DictReader(f) if datasets is None or r["dataset"] in datasets]
    return rows


def write_csv(path: Path, rows: list[dict], fields: list[str]):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore"); w.writeheader(); w.writerows(rows)
    os.replace(tmp, path)


def save_runs(lib: str, dataset: str, rows: list[dict]):
    "Merge `rows` into the runs file of (library, data set)."
    key = lambda r: run_key(r) + (r["output"],)
    merged = {key(r): r for r in read_runs([lib], [dataset])}
    merged.update({key(r): r for r in rows})
    write_csv(runs_csv(lib, dataset), list(merged.values()), RUN_FIELDS)


def run_key(r) -> tuple:
    return (r["dataset"], r["setting"], r["model"], r["library"], int(r["seed"]), int(r["pretrain_epochs"]),
            int(r["clustering_epochs"]))


def score(y, labels) -> dict:
    import numpy as np
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    from clusterrep.metrics import cluster_acc
    labels = np.asarray(labels)
    return dict(acc=cluster_acc(y, labels), nmi=normalized_mutual_info_score(y, labels),
                ari=adjusted_rand_score(y, labels), n_found=int(np.unique(labels).size))


def run_side(library: str, python: str, npz: Path, seed: int, jobs: list[dict], tmp: Path) -> list[dict]:
    jf, rf = tmp / f"jobs_{library}_{seed}.json", tmp / f"res_{library}_{seed}.json"
    jf.write_text(json.dumps(jobs))
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    cmd = [python, str(Path(__file__).resolve()), "--worker", library, "--npz", str(npz), "--seed", str(seed),
           "--jobs", str(jf), "--result", str(rf)]
    p = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{library} worker failed (seed {seed}):\n{p.stderr[-3000:]}")
    return json.loads(rf.read_text())


def welch_interval(a: list[float], b: list[float]) -> tuple[float, float]:
    "mean(a) − mean(b) and the half-width of its 95 % Welch t interval (seeds are independent draws of each library)."
    import numpy as np
    from scipy import stats
    a, b = np.asarray(a, float), np.asarray(b, float)
    if min(len(a), len(b)) < 2: return float(a.mean() - b.mean()), float("nan")   # no spread from one seed
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    if va + vb == 0: return float(a.mean() - b.mean()), 0.0
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    return float(a.mean() - b.mean()), float(stats.t.ppf(0.975, df) * np.sqrt(va + vb))


def summarize(runs: list[dict], datasets, settings) -> list[dict]:
    import numpy as np
    table = []
    for ds in datasets:
        for st in settings:
            for model in MODELS:
                sel = lambda lib, out: [r for r in runs if (r["dataset"], r["setting"], r["model"], r["library"],
                                                            r["output"]) == (ds, st, model, lib, out)]
                ours, cp_lab, cp_dec = sel("clusterrep", "labels_"), sel("clustpy", "labels_"), sel("clustpy", "dec_labels_")
                ours_km = sel("clusterrep", RECLUSTER)
                ours_km = ours_km if len(ours_km) == len(ours) else []   # only where every seed has it
                if not ours or not cp_lab: continue
                ms = lambda rs, key: (float(np.mean([float(r[key]) for r in rs])), float(np.std([float(r[key]) for r in rs])))
                row = dict(dataset=ds, setting=st, model=model, seeds=len(ours),
                           epochs=f"{ours[0]['pretrain_epochs']}+{ours[0]['clustering_epochs']} / "
                                  f"{cp_lab[0]['pretrain_epochs']}+{cp_lab[0]['clustering_epochs']}")
                for lib, rs in (("ours", ours), ("ours_km", ours_km), ("clustpy", cp_lab), ("clustpy_dec", cp_dec)):
                    for key in ("acc", "nmi", "ari"):
                        row[f"{lib}_{key}"], row[f"{lib}_{key}_sd"] = ms(rs, key) if rs else (float("nan"),) * 2
                    row[f"{lib}_min_found"] = min(int(r["n_found"]) for r in rs) if rs else -1
                row["ours_time_s"], row["clustpy_time_s"] = ms(ours, "time_s")[0], ms(cp_lab, "time_s")[0]
                row["time_ratio"] = row["ours_time_s"] / row["clustpy_time_s"]
                best_acc = max(row["clustpy_acc"], row["clustpy_dec_acc"])
                best_nmi = max(row["clustpy_nmi"], row["clustpy_dec_nmi"])
                for key in ("acc", "nmi"):                  # against ClustPy's better output, as "met" is
                    theirs = max((cp_lab, cp_dec), key=lambda rs: ms(rs, key)[0] if rs else -1.0)
                    row[f"{key}_gap"], row[f"{key}_gap_ci"] = welch_interval([float(r[key]) for r in ours],
                                                                             [float(r[key]) for r in theirs])
                row["met"] = bool(row["ours_acc"] >= best_acc - 1e-9 and row["ours_nmi"] >= best_nmi - 1e-9
                                  and row["time_ratio"] <= 1.0)
                table.append(row)
    return table


def print_table(table):
    print(f"{'data':6} {'setting':9} {'model':5} {'epochs':15} {'clusterrep ACC / NMI / ARI':32} "
          f"{'ClustPy labels_ ACC / NMI / ARI':32} {'ClustPy dec_labels_ ACC/NMI':28} {'k found':8} "
          f"{'time ours/ClustPy s':20} ratio met")
    f = lambda r, lib: " / ".join(f"{r[f'{lib}_{k}']:.3f}±{r[f'{lib}_{k}_sd']:.2f}" for k in ("acc", "nmi", "ari"))
    for r in table:
        print(f"{r['dataset']:6} {r['setting']:9} {r['model']:5} {r['epochs']:15} {f(r, 'ours'):32} "
              f"{f(r, 'clustpy'):32} {r['clustpy_dec_acc']:.3f} / {r['clustpy_dec_nmi']:.3f}{'':13} "
              f"{r['ours_min_found']}/{r['clustpy_min_found']:<6} "
              f"{r['ours_time_s']:7.1f} / {r['clustpy_time_s']:7.1f}    {r['time_ratio']:.2f}  {'yes' if r['met'] else 'no'}")


def markdown_table(table) -> str:
    "The table as markdown (for benchmarks/peers.md)."
    f = lambda r, lib: " / ".join(f"{r[f'{lib}_{k}']:.3f} ± {r[f'{lib}_{k}_sd']:.2f}" for k in ("acc", "nmi"))
    lines = ["| data | setting | model | epochs (ours / ClustPy) | seeds | clusterrep ACC / NMI "
             "| clusterrep, k-means on its embedding | ClustPy `labels_` ACC / NMI "
             "| ClustPy `dec_labels_` ACC / NMI | ARI ours / ClustPy | k found (min) ours / ClustPy "
             "| ACC / NMI ours − ClustPy (95 % CI) | time s ours / ClustPy (ratio) | met |", "|" + "---|" * 14]
    for r in table:
        km = f(r, "ours_km") if r["ours_km_acc"] == r["ours_km_acc"] else "–"          # NaN: not measured
        lines.append(f"| {r['dataset']} | {r['setting']} | {r['model']} | {r['epochs']} | {r['seeds']} | {f(r, 'ours')} | {km} "
                     f"| {f(r, 'clustpy')} | {f(r, 'clustpy_dec')} | {r['ours_ari']:.3f} / {r['clustpy_ari']:.3f} "
                     f"| {r['ours_min_found']} / {r['clustpy_min_found']} "
                     f"| {r['acc_gap']:+.3f} ± {r['acc_gap_ci']:.3f} / {r['nmi_gap']:+.3f} ± {r['nmi_gap_ci']:.3f} "
                     f"| {r['ours_time_s']:.1f} / "
                     f"{r['clustpy_time_s']:.1f} ({r['time_ratio']:.2f}) | {'yes' if r['met'] else 'no'} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", nargs="+", default=["iris", "usps", "mnist"])
    ap.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=SETTINGS)
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--epochs", nargs="*", default=[], help="NAME=PRETRAIN,CLUSTERING caps, or NAME=full")
    ap.add_argument("--libraries", nargs="+", default=["clusterrep", "clustpy"], choices=["clusterrep", "clustpy"],
                    help="run only one side (the other side's cached runs still enter the table)")
    ap.add_argument("--clustpy-python", default="/work/venv-clustpy/bin/python")
    ap.add_argument("--fresh", action="store_true", help="ignore the cached runs in nbs/results/peers_runs_*.csv")
    ap.add_argument("--summary-only", action="store_true", help="only print/write the table from the cached runs")
    ap.add_argument("--markdown", action="store_true", help="also print the table as markdown")
    ap.add_argument("--worker", choices=["clusterrep", "clustpy"], help=argparse.SUPPRESS)
    ap.add_argument("--npz", help=argparse.SUPPRESS); ap.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--jobs", help=argparse.SUPPRESS); ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker: return worker(args)

    import numpy as np
    caps = dict(DEFAULT_EPOCHS)
    for item in args.epochs:
        name, _, val = item.partition("=")
        caps[name] = None if val == "full" else tuple(int(v) for v in val.split(","))
    mine = [] if args.fresh else read_runs(args.libraries)          # this process's sides: cached runs
    done = {run_key(r) for r in mine}
    with tempfile.TemporaryDirectory(prefix="peers_") as tmp:
        tmp = Path(tmp)
        for ds in args.datasets:
            if args.summary_only: break
            X, y, k = load_arrays(ds)
            npz = tmp / f"{ds}.npz"
            np.savez(npz, X=X, k=k)
            for seed in args.seeds:
                for lib, python in (("clusterrep", sys.executable), ("clustpy", args.clustpy_python)):
                    if lib not in args.libraries: continue
                    jobs = [dict(dataset=ds, setting=st, model=m, library=lib, seed=seed,
                                 epochs=epochs_for(st, lib, caps.get(ds)))
                            for st in args.settings for m in MODELS]
                    jobs = [j for j in jobs if (ds, j["setting"], j["model"], lib, seed, *j["epochs"]) not in done]
                    if not jobs: continue
                    print(f"[{time.strftime('%H:%M:%S')}] {ds} seed {seed} {lib}: {len(jobs)} run(s)", flush=True)
                    for r in run_side(lib, python, npz, seed, jobs, tmp):
                        s = score(y, r.pop("labels"))
                        pe, ce = r.pop("epochs")
                        row = dict(r, **s, pretrain_epochs=pe, clustering_epochs=ce,
                                   time_s=r["pretrain_s"] + r["cluster_s"])
                        mine.append({k2: row[k2] for k2 in RUN_FIELDS})
                        print(f"    {row['setting']:9} {row['model']:5} {row['output']:12} ACC {s['acc']:.3f} "
                              f"NMI {s['nmi']:.3f} k={s['n_found']} {row['time_s']:.1f}s", flush=True)
                    done = {run_key(r) for r in mine}
                    save_runs(lib, ds, [r for r in mine if (r["library"], r["dataset"]) == (lib, ds)])
    wanted = lambda r: (r["dataset"] in args.datasets and int(r["seed"]) in args.seeds and
                        (int(r["pretrain_epochs"]), int(r["clustering_epochs"]))
                        == epochs_for(r["setting"], r["library"], caps.get(r["dataset"])))
    runs = read_runs()
    table = summarize([r for r in runs if wanted(r)], args.datasets, args.settings)
    if table:
        write_csv(TABLE_CSV, table, list(table[0]))
        print_table(table)
        if args.markdown: print("\n" + markdown_table(table))


if __name__ == "__main__":
    main()
