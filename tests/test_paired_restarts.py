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
