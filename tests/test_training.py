"""Tests of clusterrep.training and clusterrep.tensorized beyond the notebooks' own cells:
the scikit-learn estimator checks on a toy `DeepClusterer`, restarts in loky worker processes,
and property-based checks (hypothesis) of the cluster-specific layer and the Lloyd step."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from torch import nn

from clusterrep.tensorized import ClusterLinear, lloyd_step, update_centers
from clusterrep.training import DeepClusterer, RunResult, make_generators


class SoftKMeans(DeepClusterer):
    "Differentiable soft k-means: the smallest estimator that exercises DeepClusterer."
    _input_ndim = 2

    def __init__(self, n_clusters=2, temperature=1.0, n_init=1, max_epochs=5, batch_size=256, lr=0.1,
                 patience=30, random_state=None, device="cpu", n_jobs=None, verbose=False):
        super().__init__(n_clusters=n_clusters, n_init=n_init, max_epochs=max_epochs, batch_size=batch_size,
                         lr=lr, patience=patience, random_state=random_state, device=device, n_jobs=n_jobs,
                         verbose=verbose)
        self.temperature = temperature

    def _loss(self, X, C):
        d2 = torch.cdist(X, C).square()
        return (-self.temperature * torch.logsumexp(-d2 / self.temperature, dim=1)).mean()

    def _fit_once(self, X, seed):
        tg, rng = make_generators(seed)
        Xt = self._tensor(X)
        C = nn.Parameter(Xt[torch.as_tensor(rng.choice(len(X), self.n_clusters, replace=False))].clone())
        history = self._train([C], lambda idx: self._loss(Xt[idx], C), len(X), tg)
        with torch.no_grad():
            loss, labels = float(self._loss(Xt, C)), torch.cdist(Xt, C).argmin(1).numpy()
        return RunResult(loss=loss, state={"centers": C.detach().clone()}, history=history, labels=labels)

    def _set_fitted(self, best):
        self.cluster_centers_ = best.state["centers"].numpy()

    def transform(self, X):
        X = self._check_predict_data(X)
        return torch.cdist(torch.as_tensor(X), torch.as_tensor(self.cluster_centers_)).numpy()

    def predict(self, X):
        return self.transform(X).argmin(1)


def test_sklearn_estimator_checks():
    "DeepClusterer subclasses pass scikit-learn's estimator checks (array-API check skipped by sklearn)."
    from sklearn.utils.estimator_checks import estimator_checks_generator
    import unittest
    failures = []
    for est, check in estimator_checks_generator(SoftKMeans(), mark=None):
        try:
            check(est)
        except (unittest.SkipTest, pytest.skip.Exception):
            pass
        except Exception as e:  # collect all, report together
            failures.append(f"{getattr(check, 'func', check).__name__}: {e}")
    assert not failures, "\n".join(failures)


def test_restarts_in_processes_match_sequential(capsys):
    """n_jobs=2 with joblib's default (loky processes) gives exactly the sequential result, also with the progress bar
    (the workers draw none; the parent counts the restarts)."""
    from sklearn.datasets import make_blobs
    X, _ = make_blobs(n_samples=120, centers=4, cluster_std=0.5, random_state=3)
    kw = dict(n_clusters=4, temperature=0.5, n_init=4, random_state=0, max_epochs=15, batch_size=None, lr=0.2)
    seq = SoftKMeans(**kw).fit(X)
    capsys.readouterr()
    par = SoftKMeans(**kw, n_jobs=2, verbose=True).fit(X)
    err = capsys.readouterr().err
    # one bar: it starts once (tqdm may draw its final 100 % state twice, at the last update and at close, by timing)
    assert "60/60" in err and "restart=4/4" in err and err.count("SoftKMeans:   0%") == 1, err
    assert par.restarts_ == seq.restarts_
    np.testing.assert_array_equal(par.cluster_centers_, seq.cluster_centers_)
    assert seq.loss_ == min(r["loss"] for r in seq.restarts_)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 5), h=st.integers(1, 4), k=st.integers(1, 5),
       bias=st.booleans(), seed=st.integers(0, 2**16))
def test_cluster_linear_matches_loop(n, d, h, k, bias, seed):
    g = torch.Generator().manual_seed(seed)
    layer = ClusterLinear(d, h, k, bias=bias, generator=g)
    x2, x3 = torch.randn(n, d, generator=g), torch.randn(n, k, d, generator=g)
    b = layer.bias.detach() if bias else torch.zeros(k, h)
    W = layer.weight.detach()
    with torch.no_grad():
        torch.testing.assert_close(layer(x2), torch.stack([x2 @ W[j] + b[j] for j in range(k)], 1))
        torch.testing.assert_close(layer(x3), torch.stack([x3[:, j] @ W[j] + b[j] for j in range(k)], 1))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 30), k=st.integers(1, 8), seed=st.integers(0, 2**16), use_loss=st.booleans())
def test_update_centers_never_empty_never_nan(n, k, seed, use_loss):
    "Any labelling (clusters possibly empty): every cluster ends non-empty, centres are the finite means,"
    " exactly one point moves per empty cluster and it is among the worst-fit movable points."
    k = min(k, n)
    rng = np.random.default_rng(seed)
    X = torch.as_tensor(rng.normal(size=(n, 3)).astype(np.float32))
    labels = torch.as_tensor(rng.integers(0, max(1, k // 2 + 1), size=n))  # leaves clusters empty on purpose
    loss = torch.as_tensor(rng.random((n, k)).astype(np.float32)) if use_loss else None
    centers, new = update_centers(X, labels, k, loss)
    counts = torch.bincount(new, minlength=k)
    assert (counts >= 1).all()
    assert torch.isfinite(centers).all()
    for j in range(k):  # reference means, loop only in the test
        torch.testing.assert_close(centers[j], X[new == j].mean(0))
    n_empty = int((torch.bincount(labels, minlength=k) == 0).sum())
    assert int((new != labels).sum()) == n_empty


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 30), k=st.integers(2, 6), seed=st.integers(0, 2**16))
def test_lloyd_step_is_argmin_when_no_cluster_empties(n, k, seed):
    k = min(k, n)
    rng = np.random.default_rng(seed)
    X = torch.as_tensor(rng.normal(size=(n, 2)).astype(np.float32))
    L = torch.as_tensor(rng.random((n, k)).astype(np.float32))
    L[torch.arange(k), torch.arange(k)] = -1.0  # point j prefers cluster j: no cluster is empty
    labels, centers = lloyd_step(X, L)
    np.testing.assert_array_equal(labels.numpy(), L.numpy().argmin(1))


def test_progress_bar_switch(capsys):
    "verbose=True shows one bar per fit (restarts x epochs, restart and loss) on stderr; False and None (piped) nothing."
    X = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    SoftKMeans(2, n_init=2, random_state=0, max_epochs=3).fit(X)
    SoftKMeans(2, n_init=2, random_state=0, max_epochs=3, verbose=None).fit(X)  # captured stderr is no terminal
    quiet = capsys.readouterr()
    assert quiet.err == "" and quiet.out == ""
    SoftKMeans(2, n_init=2, random_state=0, max_epochs=3, verbose=True).fit(X)
    loud = capsys.readouterr()
    assert loud.out == ""
    assert loud.err.count("SoftKMeans:   0%") == 1 and "6/6" in loud.err and "restart=2/2" in loud.err


def test_checkpoint_roundtrip_and_dropped_params(tmp_path):
    "save/load reproduces predictions; a Generator random_state is not stored (not plain) and reported."
    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    est = SoftKMeans(3, random_state=np.random.default_rng(1), max_epochs=3).fit(X)
    path = est.save(tmp_path / "sub" / "m.pt")  # parent folders are created
    again = SoftKMeans.load(path)
    np.testing.assert_array_equal(again.predict(X), est.predict(X))
    assert again.random_state is None
    from clusterrep.training import load_checkpoint
    assert load_checkpoint(path)[1]["dropped_params"] == ["random_state"]


def test_checkpoint_keeps_numpy_scalar_params(tmp_path):
    "Hyperparameters given as numpy scalars are stored as Python numbers, not dropped."
    X = np.random.default_rng(0).normal(size=(30, 2)).astype(np.float32)
    est = SoftKMeans(np.int64(2), temperature=np.float32(0.5), lr=np.float64(0.05), random_state=np.int64(3),
                     max_epochs=2).fit(X)
    again = SoftKMeans.load(est.save(tmp_path / "m.pt"))
    assert (again.n_clusters, again.temperature, again.lr, again.random_state) == (2, 0.5, 0.05, 3)
    np.testing.assert_array_equal(again.predict(X), est.predict(X))
