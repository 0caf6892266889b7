"""k-means baseline on every clusterrep dataset: ACC / NMI / ARI as Best (lowest inertia), Mean and Sd.

Protocol (paper 2, Sec. V-A, applied to k-means): one *run* is scikit-learn
``KMeans(n_clusters=k, n_init=N_INIT, random_state=seed)`` on the whole dataset, k = number
of classes; runs use seeds 0..4. **Best** is the run with the lowest inertia (k-means' own
unsupervised loss, never a label-based choice); Mean and Sd (ddof=1) are over the runs.
Images are flattened and scaled to [0, 1] (all samples: MNIST / Fashion-MNIST 70000,
USPS 9298, COIL-100 7200); sequences are the zero-padded arrays flattened to one vector
per sequence (Character Trajectories: first 10 characters, 1491 sequences).

Results are cached per dataset in a JSON file (``--cache``) so that long datasets can run in
the background and the markdown section is re-rendered from the cache (``--render-only``).

    OMP_NUM_THREADS=1 python benchmarks/kmeans_table.py                  # everything
    OMP_NUM_THREADS=1 python benchmarks/kmeans_table.py --datasets iris mnist
    python benchmarks/kmeans_table.py --render-only                      # table from the cache
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


def render(results: dict, order, machine_line: str) -> str:
    "The markdown section: protocol, table, comparison with paper 2."
    fmt = lambda v: "–" if v is None or v != v else f"{v:.2f}"
    header = ("| Dataset | n | d | k | runs × n_init | ACC Best | ACC Mean ± Sd | NMI Best | NMI Mean ± Sd "
              "| ARI Best | ARI Mean ± Sd | time / run |")
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    notes = []
    for name in order:
        if name not in results:
            continue
        r = results[name]
        s = r["summary"]
        cells = [name + (f" ({r['note']})" if r["note"] else ""), str(r["n"]), str(r["d"]), str(r["k"]),
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
        if name in results:
            s = results[name]["summary"]
            comparison.append(f"| {name} | clusterrep ({len(results[name]['seeds'])} runs) | "
                              + " | ".join(fmt(s[stat][m]) for m in ("acc", "nmi") for stat in ("best", "mean", "sd"))
                              + " |")
    missing = [n for n in order if n not in results]
    if missing:
        notes.append(f"Not run yet: {', '.join(missing)}.")
    return "\n".join([
        "## k-means baseline on every dataset",
        "",
        "scikit-learn `KMeans` (Lloyd, k-means++ initialization), k = number of classes. One run = "
        "`KMeans(n_init=n_init, random_state=seed)` on the whole dataset; **Best** = the run with the lowest "
        "inertia (k-means' own loss — labels never choose), Mean ± Sd (ddof=1) over the runs, as in paper 2's "
        "tables. Images: all samples, flattened, scaled to [0, 1]. Sequences: the zero-padded (n, T, F) arrays "
        "flattened to one (T·F)-vector per sequence — a crude baseline that ignores the lengths; Character "
        "Trajectories uses the first 10 characters (1491 sequences) like paper 2. `time / run` is wall time "
        "per run (all n_init initializations), single-threaded, on a machine shared with other jobs.",
        "",
        "Commands (each caches its datasets; the last renders this section):",
        "",
        "```bash",
        *dict.fromkeys(results[n]["command"] for n in order if n in results),
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
        *notes,
    ]).rstrip() + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=None, help="default: every dataset")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--n-init", type=int, default=10)
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / "results" / "cache" / "kmeans.json",
                        help="per-dataset results (JSON), reused and extended between invocations")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "kmeans.md")
    parser.add_argument("--render-only", action="store_true", help="only re-render the markdown from the cache")
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
            results[name] = {**run_dataset(name, args.seeds, args.n_init), "command": command}
            if args.cache.exists():  # merge with what a concurrent invocation may have written meanwhile
                results = {**json.loads(args.cache.read_text()), name: results[name]}
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
