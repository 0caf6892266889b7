"""The sharded-run workflow: workers run disjoint shards of the restarts into their own run files,
`benchmarks/merge_runs.py` joins the files, and a resumed run reads every restart back instead of fitting it."""
import numpy as np
import pytest
from sklearn.datasets import load_iris

from clusterrep.paper2 import kmeans_runner, read_runs, run_protocol, shard_seeds, write_runs


def _must_not_fit(seed):
    raise AssertionError(f"restart {seed} should have been read from the merged file")


def test_shards_merge_to_the_unsharded_run(tmp_path, load_script):
    X, y = load_iris(return_X_y=True)
    seeds = list(range(7))
    fit = kmeans_runner(X, 3)
    whole = run_protocol(fit, seeds, y, tmp_path / "whole.csv", dataset="iris", method="kmeans", verbose=False)
    for i in range(3):  # three workers, each with its own file
        run_protocol(fit, shard_seeds(seeds, f"{i}/3"), y, tmp_path / f"w{i}" / "runs.csv", dataset="iris",
                     method="kmeans", verbose=False)
    merged = tmp_path / "merged.csv"
    load_script("benchmarks/merge_runs.py").main([str(merged)] + [str(tmp_path / f"w{i}" / "runs.csv") for i in range(3)])
    assert len(read_runs(merged)) == len(seeds)
    resumed = run_protocol(_must_not_fit, seeds, y, merged, dataset="iris", method="kmeans", verbose=False)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "seconds"} for r in rows]
    assert strip(resumed) == strip(whole)


def test_merge_keeps_the_destination_and_refuses_conflicts(tmp_path, load_script):
    merge = load_script("benchmarks/merge_runs.py")
    row = dict(dataset="d", method="m", setting="s", seed=1, loss=0.5, acc=0.9, nmi=0.8, ari=0.7, n_samples=10,
               epochs=3, seconds=1.0)
    write_runs(tmp_path / "dest.csv", [row])
    write_runs(tmp_path / "same.csv", [dict(row, seconds=2.0)])            # the same restart again: kept once
    write_runs(tmp_path / "new.csv", [dict(row, seed=2, acc=0.5)])
    merge.main([str(tmp_path / "dest.csv"), str(tmp_path / "same.csv"), str(tmp_path / "new.csv")])
    assert sorted(r["seed"] for r in read_runs(tmp_path / "dest.csv")) == [1, 2]
    write_runs(tmp_path / "bad.csv", [dict(row, acc=0.1)])                  # same key, other result
    with pytest.raises(ValueError, match="already in an earlier file with other results"):
        merge.main([str(tmp_path / "dest.csv"), str(tmp_path / "bad.csv")])
    assert sorted(r["seed"] for r in read_runs(tmp_path / "dest.csv")) == [1, 2]  # nothing half-written
    nan_row = dict(row, seed=3, loss=np.nan)                               # a diverged restart merges with itself
    write_runs(tmp_path / "nan1.csv", [nan_row]); write_runs(tmp_path / "nan2.csv", [nan_row])
    merge.main([str(tmp_path / "dest.csv"), str(tmp_path / "nan1.csv"), str(tmp_path / "nan2.csv")])
    assert len(read_runs(tmp_path / "dest.csv")) == 3
