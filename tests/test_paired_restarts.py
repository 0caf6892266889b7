"""benchmarks/paired_restarts.py: pooled runs count a restart seed once (runs of `restart_seeds(0, n)` for
different n share seeds), and the paired statistics match a direct computation."""
import numpy as np
import pandas as pd


def _runs(setting, seeds, acc_rddc, acc_rdtkc):
    rows = []
    for seed, a, b in zip(seeds, acc_rddc, acc_rdtkc):
        for method, acc in (("rddc", a), ("rdtkc", b)):
            rows.append(dict(dataset="d", method=method, setting=setting, seed=seed, loss=1 - acc, acc=acc,
                             nmi=acc / 2, ari=acc / 3, n_samples=10, epochs=5, seconds=1.0))
    return rows


def test_pool_counts_a_repeated_seed_once(load_script, capsys):
    pr = load_script("benchmarks/paired_restarts.py")
    r3 = _runs("r3", [11, 12, 13], [0.50, 0.60, 0.70], [0.52, 0.61, 0.69])
    r4 = _runs("r4", [12, 13, 14, 15], [0.60, 0.70, 0.40, 0.45], [0.61, 0.69, 0.44, 0.46])  # 12, 13 repeat r3's
    df = pr.pool_settings(pd.DataFrame(r3 + r4), ["r3", "r4"])
    assert "seed 12 of r4 repeats" in capsys.readouterr().out
    assert sorted(df[df.method == "rddc"].seed) == [11, 12, 13, 14, 15] and set(df.setting) == {"r3+r4"}
    pairs = pr.paired_rows(df, "rddc", "rdtkc")
    best = pr.summarize_protocol(df.to_dict("records"))
    acc = [r for r in pr.summarize(pairs, best, "rddc", "rdtkc") if r["metric"] == "ACC"][0]
    d = np.array([0.02, 0.01, -0.01, 0.04, 0.01])                      # rdtkc − rddc, one per distinct seed
    assert acc["n"] == 5 and acc["wins_2"] == 4
    np.testing.assert_allclose([acc["diff"], acc["se"]], [d.mean(), d.std(ddof=1) / np.sqrt(5)], atol=1e-12)
    assert acc["best_1"] == 0.70 and acc["best_2"] == 0.69            # lowest loss over the pooled restarts


def test_pair_one_method_across_two_settings(load_script):
    "METHOD@SETTING pairs a method with itself across two settings that used the same seeds."
    pr = load_script("benchmarks/paired_restarts.py")
    paper = _runs("cpu", [1, 2, 3], [0.50, 0.60, 0.70], [0.55, 0.58, 0.75])
    ref = _runs("cpu-ref", [1, 2, 3], [0.40, 0.65, 0.71], [0.60, 0.70, 0.72])
    df = pr.pair_across_settings(pd.DataFrame(paper + ref), "rdtkc@cpu", "rdtkc@cpu-ref")
    assert set(df.method) == {"rdtkc@cpu", "rdtkc@cpu-ref"} and set(df.setting) == {"cpu vs cpu-ref"}
    pairs = pr.paired_rows(df, "rdtkc@cpu", "rdtkc@cpu-ref")
    best = pr.summarize_protocol(df.to_dict("records"))
    acc = [r for r in pr.summarize(pairs, best, "rdtkc@cpu", "rdtkc@cpu-ref") if r["metric"] == "ACC"][0]
    d = np.array([0.60 - 0.55, 0.70 - 0.58, 0.72 - 0.75])
    np.testing.assert_allclose([acc["diff"], acc["se"]], [d.mean(), d.std(ddof=1) / np.sqrt(3)], atol=1e-12)
    assert acc["wins_2"] == 2 and acc["best_1"] == 0.75 and acc["best_2"] == 0.72
    for bad in (("rdtkc@cpu", "rdtkc"), ("rdtkc@cpu", "rdtkc@nowhere")):
        try:
            pr.pair_across_settings(pd.DataFrame(paper + ref), *bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad} accepted")
