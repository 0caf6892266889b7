"""k-means baseline on every clusterrep dataset: ACC / NMI / ARI as Best (lowest inertia), Mean and Sd.

Protocol (paper 2, Sec. V-A, applied to k-means): one *run* is scikit-learn
``KMeans(n_clusters=k, n_init=N_INIT, random_state=seed)`` on the whole dataset, k = number
of classes; by default runs use seeds 0..4 and n_init=10. **Best** is the run with the lowest
inertia (k-means' own unsupervised loss, never a label-based choice); Mean and Sd (ddof=1) are
over the runs. Images are flattened and scaled to [0, 1] (all samples: MNIST / Fashion-MNIST
70000, USPS 9298, COIL-100 7200); sequences are the zero-padded arrays flattened to one vector
per sequence (Character Trajectories: first 10 characters, 1491 sequences).

Results are cached per dataset in a JSON file (``--cache``, default runs/kmeans_table.json,
git-ignored) so that long datasets can run separately (fewer ``--seeds`` / ``--n-init`` on the
big ones when CPU is short), variants sit beside the default (``--tag``), and the markdown
section benchmarks/kmeans.md is re-rendered from the cache (``--render-only``).

    OMP_NUM_THREADS=1 python benchmarks/kmeans_table.py                  # everything, 5 runs x n_init 10
    OMP_NUM_THREADS=1 python benchmarks/kmeans_table.py --datasets iris mnist --seeds 0 1
    OMP_NUM_THREADS=1 python benchmarks/kmeans_table.py --datasets mnist --n-init 1 --tag n_init=1
    python benchmarks/kmeans_table.py --render-only                      # table from the cache

Prints each run's inertia, ACC, NMI and ARI while it runs, then the Markdown section, which it also writes to
`--out` (default benchmarks/kmeans.md).
"""
import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from clusterrep.data import dataset_info, list_datasets, load_dataset  # noqa: E402
from clusterrep.metrics import evaluate, summarize_runs  # noqa: E402

# Dataset-specific loading options (everything else: the loader's defaults, all samples).
IMAGE_OPTIONS = dict(split="all", flat=True, scale=True)
EXTRA_OPTIONS = {"character_trajectories": dict(first_10=True)}
# Paper 2, Table II: k-means Best / Mean / Sd of ACC and NMI (20 runs).
PAPER2_KMEANS = {
    "mnist": dict(acc=(0.51, 0.54, 0.03), nmi=(0.49, 0.50, 0.01)),
    "usps": dict(acc=(0.67, 0.63, 0.04), nmi=(0.63, 0.62, 0.02)),
    "coil100": dict(acc=(0.62, 0.61, 0.01), nmi=(0.83, 0.83, 0.00)),
}


def load_flat(name: str):
    "Load a dataset as (X (n, d) float32, y, note) ready for k-means."
    info = dataset_info(name)
    # only the options this loader has (COIL-100 has no split; MNIST's default split is "train")
    options = {k: v for k, v in IMAGE_OPTIONS.items() if k in info["options"]} if info["kind"] == "images" else {}
    options.update(EXTRA_OPTIONS.get(name, {}))
    ds = load_dataset(name, random_state=0, **options)
    X = np.asarray(ds.X, dtype=np.float32)
    note = {"images": "flattened", "sequences": "zero-padded sequences flattened"}.get(info["kind"], "")
    X = X.reshape(len(X), -1)
    return X, np.asarray(ds.y), note


def run_dataset(name: str, seeds, n_init: int) -> dict:
    "k-means runs on one dataset; returns the per-run rows and the summary."
    from sklearn.cluster import KMeans

    X, y, note = load_flat(name)
    k = len(np.unique(y))
    runs = []
    for seed in seeds:
        start = time.perf_counter()
        km = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(X)
        seconds = time.perf_counter() - start
        runs.append({**evaluate(y, km.labels_), "loss": float(km.inertia_), "seed": int(seed), "seconds": seconds})
        print(f"  {name} seed {seed}: inertia {km.inertia_:.6g}  acc {runs[-1]['acc']:.4f}  "
              f"nmi {runs[-1]['nmi']:.4f}  ari {runs[-1]['ari']:.4f}  ({seconds:.1f} s)", flush=True)
    summary = summarize_runs(runs, metrics=["acc", "nmi", "ari"])
    return dict(n=int(X.shape[0]), d=int(X.shape[1]), k=k, note=note, n_init=n_init, seeds=list(map(int, seeds)),
                runs=runs, summary=summary, seconds=float(sum(r["seconds"] for r in runs)))


def write_atomic(path: Path, text: str) -> None:
    "Write text to path via a temporary file and os.replace (no half-written file)."
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def machine() -> str:
    "One line describing the CPU, its core count, the thread setting and library versions."
    import sklearn
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} CPU cores (shared with other jobs), OMP_NUM_THREADS="
            f"{os.environ.get('OMP_NUM_THREADS', 'unset')}; Python {platform.python_version()}, "
            f"numpy {np.__version__}, scikit-learn {sklearn.__version__}")


PAPER2_SEQUENCES = {  # paper 2, Table V: Best ACC / NMI of the recurrent deep models
    "character_trajectories": "RDDC 0.64 / 0.73, RDTKC 0.80 / 0.83",
    "spoken_arabic_digits": "RDDC 0.46 / 0.63, RDTKC 0.76 / 0.74",
}


def ordered_keys(results: dict, order) -> list:
    "Result keys in dataset order; tagged variants ('mnist, n_init=1') right after their dataset."
    keys = [k for k in results if not k.startswith("_")]
    return [k for name in order for k in keys if results[k].get("dataset", k) == name]


def notes(results: dict, order) -> list:
    "Observations computed from the results."
    fmt = lambda v: f"{v:.2f}"
    gap = lambda a, b: f"{round(a - b, 2) + 0.0:+.2f}"  # + 0.0 turns -0.00 into +0.00
    out = ["- **Sd with n_init = 10.** Every run already keeps the best of 10 k-means++ initializations, so the "
           "runs of one dataset mostly end in the same minimum and Sd is close to 0. Paper 2's Sd (0.01–0.04) "
           "looks like single-initialization runs; the `n_init=1` rows (where present) follow that protocol."]
    for key in ordered_keys(results, order):
        r = results[key]
        name = r.get("dataset", key)
        s = r["summary"]
        if name in PAPER2_KMEANS:
            p = PAPER2_KMEANS[name]
            out.append(f"- **{key}** vs paper 2's k-means: Best ACC {fmt(s['best']['acc'])} vs {fmt(p['acc'][0])} "
                       f"({gap(s['best']['acc'], p['acc'][0])}), Best NMI {fmt(s['best']['nmi'])} vs "
                       f"{fmt(p['nmi'][0])} ({gap(s['best']['nmi'], p['nmi'][0])}); Mean ACC "
                       f"{fmt(s['mean']['acc'])} vs {fmt(p['acc'][1])}.")
        accs = [run["acc"] for run in r["runs"]]
        if s["best"]["acc"] < max(accs) - 0.01:
            out.append(f"- **{key}**: the lowest-inertia run is not the most accurate one (Best ACC "
                       f"{fmt(s['best']['acc'])}, best ACC over the runs {fmt(max(accs))}) — the reason the "
                       "papers' Best can sit below their Mean.")
        if name in PAPER2_SEQUENCES and key == name:
            out.append(f"- **{key}**: this crude k-means (padded sequences flattened) reaches Best ACC / NMI "
                       f"{fmt(s['best']['acc'])} / {fmt(s['best']['nmi'])}; paper 2 (Table V) reports "
                       f"{PAPER2_SEQUENCES[name]} and no k-means baseline for the sequence datasets.")
    return out


def render(results: dict, order, machine_line: str) -> str:
    "The markdown section: protocol, table, comparison with paper 2, notes."
    fmt = lambda v: "–" if v is None or v != v else f"{v:.2f}"
    header = ("| Dataset | n | d | k | runs × n_init | ACC Best | ACC Mean ± Sd | NMI Best | NMI Mean ± Sd "
              "| ARI Best | ARI Mean ± Sd | time / run |")
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    keys = ordered_keys(results, order)
    for key in keys:
        r = results[key]
        s = r["summary"]
        cells = [key + (f" ({r['note']})" if r["note"] else ""), str(r["n"]), str(r["d"]), str(r["k"]),
                 f"{len(r['seeds'])} × {r['n_init']}"]
        for m in ("acc", "nmi", "ari"):
            cells += [fmt(s["best"][m]), f"{fmt(s['mean'][m])} ± {fmt(s['sd'][m])}"]
        cells.append(f"{r['seconds'] / len(r['seeds']):.1f} s")
        lines.append("| " + " | ".join(cells) + " |")
    comparison = ["| Dataset | source | ACC Best | ACC Mean | ACC Sd | NMI Best | NMI Mean | NMI Sd |",
                  "|---|---|---|---|---|---|---|---|"]
    for name, paper in PAPER2_KMEANS.items():
        comparison.append(f"| {name} | paper 2, Table II (20 runs) | "
                          + " | ".join(fmt(v) for m in ("acc", "nmi") for v in paper[m]) + " |")
        for key in keys:
            if results[key].get("dataset", key) == name:
                r = results[key]
                s = r["summary"]
                comparison.append(f"| {key} | clusterrep ({len(r['seeds'])} run{'s' * (len(r['seeds']) > 1)} × n_init {r['n_init']}) | "
                                  + " | ".join(fmt(s[stat][m]) for m in ("acc", "nmi") for stat in ("best", "mean", "sd"))
                                  + " |")
    done = {results[k].get("dataset", k) for k in keys}
    missing = [n for n in order if n not in done]
    return "\n".join([
        "## k-means baseline on every dataset",
        "",
        "scikit-learn `KMeans` (Lloyd, k-means++ initialization), k = number of classes. One run = "
        "`KMeans(n_init=n_init, random_state=seed)` on the whole dataset; **Best** = the run with the lowest "
        "inertia (k-means' own loss — labels never choose), Mean ± Sd (ddof=1) over the runs, as in paper 2's "
        "tables. Images: all samples (MNIST and Fashion-MNIST train + test = 70000), flattened, scaled to [0, 1]. "
        "Sequences: the zero-padded (n, T, F) arrays flattened to one (T·F)-vector per sequence — a crude "
        "baseline that ignores the lengths; Character Trajectories uses the first 10 characters (1491 "
        "sequences) like paper 2. `time / run` is wall time per run (all n_init initializations), "
        "single-threaded, on a machine shared with other jobs (so only roughly comparable). Because of the "
        "CPU budget the large datasets use fewer runs (see `runs × n_init`).",
        "",
        "Commands (each caches its datasets; the last renders this section):",
        "",
        "```bash",
        *dict.fromkeys(results[k]["command"] for k in keys),
        "```",
        "",
        f"Machine: {machine_line}.",
        "",
        *lines,
        "",
        "### Comparison with paper 2's k-means (Table II)",
        "",
        *comparison,
        "",
        "### Notes",
        "",
        *notes(results, order),
        *([f"- Not run yet: {', '.join(missing)}."] if missing else []),
    ]).rstrip() + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=None, help="default: every dataset")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--n-init", type=int, default=10)
    parser.add_argument("--cache", type=Path, default=ROOT / "runs" / "kmeans_table.json",
                        help="per-dataset results (JSON), reused and extended between invocations")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "kmeans.md")
    parser.add_argument("--render-only", action="store_true", help="only re-render the markdown from the cache")
    parser.add_argument("--tag", default=None, help="store as 'DATASET, TAG' beside the default protocol "
                        "(e.g. --tag n_init=1)")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else list(argv)
    command = " ".join(["OMP_NUM_THREADS=1 python benchmarks/kmeans_table.py", *argv])

    order = list_datasets()
    names = args.datasets or order
    unknown = sorted(set(names) - set(order))
    if unknown:
        parser.error(f"unknown dataset(s) {unknown}; choose from {order}")
    results = json.loads(args.cache.read_text()) if args.cache.exists() else {}
    if not args.render_only:
        for name in names:
            print(f"{name} ...", flush=True)
            key = name if args.tag is None else f"{name}, {args.tag}"
            results[key] = {**run_dataset(name, args.seeds, args.n_init), "command": command, "dataset": name}
            if args.cache.exists():  # merge with what a concurrent invocation may have written meanwhile
                results = {**json.loads(args.cache.read_text()), key: results[key]}
            write_atomic(args.cache, json.dumps(results, indent=1))
    machine_line = results.get("_machine") or machine()
    if not args.render_only:
        results["_machine"] = machine_line
        write_atomic(args.cache, json.dumps(results, indent=1))
    text = render(results, order, machine_line)
    write_atomic(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
