"""Paired comparison of two methods' restarts from a paper-2 results CSV (notebooks 21 and 22).

Both methods of a pair ran with the same restart seeds (`clusterrep.training.restart_seeds`), so restart i of one
method and restart i of the other share their initialisation seed and mini-batch order seed. This script pairs the
rows by seed and reports, per dataset and metric, the mean of (second - first), the standard error of that mean, a
95 % t interval and the two-sided Wilcoxon signed-rank p-value. It also gives the Best-by-loss values (the restart with
the lowest final unsupervised loss; labels are never used to choose it).

    python benchmarks/paired_restarts.py nbs/results/paper2/table2_cpu-r20.csv --pair ddc dtkc
    python benchmarks/paired_restarts.py nbs/results/paper2/table5_cpu-r20.csv --pair rddc rdtkc
    python benchmarks/paired_restarts.py A.csv B.csv --pair rddc rdtkc --pool   # runs of one schedule, other seeds
    python benchmarks/paired_restarts.py A.csv B.csv --pair dtkc@cpu-r20 dtkc@cpu-r20-ref   # one method, two settings

`--pool` joins runs of different settings (e.g. `cpu-r3-e100-trim` and `cpu-r4-e100-trim`: the same schedule,
restart seeds `restart_seeds(0, 3)` and `restart_seeds(0, 4)`). Those share seeds, and a seed under one schedule is
one restart, so each seed counts once (from the first file that has it; the repeats are listed); Best is the
lowest-loss restart over all of them.

`METHOD@SETTING` on both sides of `--pair` compares runs of two settings that used the same seeds (e.g. the same
schedule with another bandwidth rule), restart by restart. `METHOD@S1+S2` pools a method's runs of several settings
first (each seed once, as `--pool` does), e.g. 20 and 40 restarts of the same schedule on each side:

    python benchmarks/paired_restarts.py A.csv B.csv C.csv D.csv --pair ddc@cpu-r20-s0.5+cpu-r40-s0.5 \
        dtkc@cpu-r20-s0.5-l1+cpu-r40-s0.5-l1
"""
import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from clusterrep.paper2 import summarize_protocol  # noqa: E402  (Best-by-loss exactly as the notebooks' tables)


def paired_rows(df: pd.DataFrame, first: str, second: str) -> pd.DataFrame:
    "One row per (dataset, seed) present for both methods, with the metrics of each side suffixed _1 and _2."
    a = df[df.method == first].set_index(["dataset", "seed"])
    b = df[df.method == second].set_index(["dataset", "seed"])
    if a.index.has_duplicates or b.index.has_duplicates:
        raise ValueError("a (dataset, seed) appears twice for one method: is the CSV mixing run settings?")
    return pd.merge(a, b, how="inner", left_index=True, right_index=True, suffixes=("_1", "_2")).reset_index()


def pool_settings(df: pd.DataFrame, settings: list[str]) -> pd.DataFrame:
    """Rows of several runs as one run (setting 'A+B'). `restart_seeds(0, n)` shares seeds between different n, and
    a seed under the same schedule is the same restart: each (dataset, method, seed) counts once, from the first
    setting that has it; the repeats left out are reported."""
    order = {s: i for i, s in enumerate(settings)}
    df = df.assign(_order=df.setting.map(order)).sort_values("_order", kind="stable")
    repeated = df.duplicated(["dataset", "method", "seed"])
    for (dataset, method, seed, setting) in df.loc[repeated, ["dataset", "method", "seed", "setting"]].itertuples(index=False):
        print(f"note: {dataset} {method} seed {seed} of {setting} repeats an earlier run's restart; counted once")
    return df[~repeated].drop(columns="_order").assign(setting="+".join(settings))


def pair_across_settings(df: pd.DataFrame, first: str, second: str) -> pd.DataFrame:
    """The rows of FIRST and SECOND, given as METHOD@SETTING, each method renamed to its token and both under one
    setting label 'S1 vs S2', so that a method can be paired with itself (or another) across two run settings."""
    parts = []
    for token in (first, second):
        method, at, setting = token.partition("@")
        if not at:
            raise ValueError(f"{token!r}: give both sides of --pair as METHOD@SETTING, or neither")
        pooled = setting.split("+")          # S1+S2: the method's runs of both settings, each seed once
        rows = df[(df.method == method) & df.setting.isin(pooled)]
        if rows.empty:
            raise ValueError(f"no rows of method {method!r} in setting {setting!r}")
        if len(pooled) > 1:
            rows = pool_settings(rows, pooled)
        parts.append(rows.assign(method=token))
    label = " vs ".join(t.partition("@")[2] for t in (first, second))
    return pd.concat(parts, ignore_index=True).assign(setting=label)


def summarize(pairs: pd.DataFrame, best: dict, first: str, second: str, metrics=("acc", "nmi")) -> list[dict]:
    "Paired statistics per dataset and metric; `best` = `summarize_protocol` of all runs, for the Best-by-loss values."
    out = []
    for dataset, g in pairs.groupby("dataset", sort=False):
        setting = g.setting_1.iloc[0]
        best1, best2 = best[(dataset, first, setting)]["best"], best[(dataset, second, setting)]["best"]
        for m in metrics:
            d = (g[f"{m}_2"] - g[f"{m}_1"]).to_numpy()
            n = len(d)
            se = d.std(ddof=1) / math.sqrt(n) if n > 1 else float("nan")
            half = stats.t.ppf(0.975, n - 1) * se if n > 1 else float("nan")
            p = stats.wilcoxon(d).pvalue if n > 1 and np.any(d != 0) else float("nan")
            out.append(dict(dataset=dataset, metric=m.upper(), n=n, mean_1=g[f"{m}_1"].mean(), mean_2=g[f"{m}_2"].mean(),
                            diff=d.mean(), se=se, ci_low=d.mean() - half, ci_high=d.mean() + half, wilcoxon_p=p,
                            wins_2=int((d > 0).sum()), ties=int((d == 0).sum()), best_1=best1[m],
                            best_2=best2[m]))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", type=Path, nargs="+")
    ap.add_argument("--pair", nargs=2, required=True, metavar=("FIRST", "SECOND"))
    ap.add_argument("--setting", default=None, help="only rows of this run setting (default: the CSVs must hold one)")
    ap.add_argument("--pool", action="store_true", help="pool the pairs of several settings (same schedule, other seeds)")
    args = ap.parse_args(argv)
    df = pd.concat([pd.read_csv(path) for path in args.csv], ignore_index=True)
    if "@" in args.pair[0] or "@" in args.pair[1]:
        try:
            df = pair_across_settings(df, *args.pair)
        except ValueError as err:
            sys.exit(str(err))
    if args.setting is not None:
        df = df[df.setting == args.setting]
    settings = sorted(df.setting.unique())
    if args.pool and len(settings) > 1:
        df = pool_settings(df, settings)
        settings = sorted(df.setting.unique())
    if len(settings) != 1:
        sys.exit(f"{', '.join(map(str, args.csv))} hold the settings {settings}; choose one with --setting or --pool")
    first, second = args.pair
    best = summarize_protocol(df.to_dict("records"))                 # diverged runs are left out there too
    rows = summarize(paired_rows(df[np.isfinite(df.loss)], first, second), best, first, second)
    if not rows:
        sys.exit(f"no seed ran both {first} and {second} in {', '.join(map(str, args.csv))}")
    print(f"{', '.join(map(str, args.csv))} (setting {settings[0]}): {second} - {first}, paired by restart seed")
    print(f"| dataset | metric | pairs | mean {first} | mean {second} | mean diff ± se | 95 % CI | Wilcoxon p |"
          f" {second} ahead | Best {first} | Best {second} |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['dataset']} | {r['metric']} | {r['n']} | {r['mean_1']:.3f} | {r['mean_2']:.3f} | "
              f"{r['diff']:+.3f} ± {r['se']:.3f} | [{r['ci_low']:+.3f}, {r['ci_high']:+.3f}] | {r['wilcoxon_p']:.2f} | "
              f"{r['wins_2']}/{r['n']} | {r['best_1']:.3f} | {r['best_2']:.3f} |")
    return rows


if __name__ == "__main__":
    main()
