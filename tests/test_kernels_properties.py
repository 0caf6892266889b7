"""Property-based tests (hypothesis) for clusterrep.kernels, clusterrep.grassmann and clusterrep.divergence.

The notebooks 02-04 test the same functions on fixed examples; here random shapes and values check the
defining properties: kernels symmetric, unit diagonal and PSD; the projection distance against an
independent float64 numpy SVD computation, invariant to row-space-preserving maps and to scaling, with
the transposition rule; the CS divergence in [0, 1] with its two extremes.
"""
import math

import numpy as np
import pytest
import torch

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import assume, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from clusterrep.divergence import cs_divergence, ddc_loss  # noqa: E402
from clusterrep.grassmann import (pairwise_tensor_distances, projection_distance,  # noqa: E402
                                  tensor_kernel)
from clusterrep.kernels import gaussian_kernel, matricize, naive_tensor_kernel  # noqa: E402

SETTINGS = settings(max_examples=25, deadline=None)
seeds = st.integers(0, 2**31 - 1)


def rng_tensor(seed, *shape, dtype=torch.float64):
    return torch.from_numpy(np.random.default_rng(seed).standard_normal(shape)).to(dtype)


def np_projection_distance(A, B):
    "sqrt(2(p - ||V_A^T V_B||_F^2)) from numpy's float64 SVD, after the transposition rule (full-rank inputs)."
    A, B = np.asarray(A, np.float64), np.asarray(B, np.float64)
    if A.shape[0] > A.shape[1]:
        A, B = A.T, B.T
    VA, VB = (np.linalg.svd(M, full_matrices=False)[2] for M in (A, B))
    return math.sqrt(max(2 * (A.shape[0] - np.sum((VA @ VB.T) ** 2)), 0.0))


def well_conditioned(M, max_cond=1e3):
    s = np.linalg.svd(np.asarray(M, np.float64), compute_uv=False)
    return s[-1] > 0 and s[0] / s[-1] < max_cond


def assert_kernel_matrix(K):
    n = K.shape[0]
    assert torch.equal(K, K.T)
    assert torch.allclose(K.diagonal(), torch.ones(n, dtype=K.dtype))
    assert float(torch.linalg.eigvalsh(K.double()).min()) >= -1e-5 * float(K.diagonal().sum())


@SETTINGS
@given(seed=seeds, n=st.integers(2, 25), d=st.integers(1, 8), rel_sigma=st.floats(0.05, 2.0),
       rule=st.sampled_from(["paper", "reference"]), dtype=st.sampled_from([torch.float32, torch.float64]))
def test_gaussian_kernel_is_a_kernel_matrix(seed, n, d, rel_sigma, rule, dtype):
    Z = rng_tensor(seed, n, d, dtype=dtype)
    assert_kernel_matrix(gaussian_kernel(Z, rel_sigma=rel_sigma, rule=rule))


@SETTINGS
@given(seed=seeds, n=st.integers(2, 10), shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), sigma=st.floats(0.3, 5.0))
def test_naive_kernel_is_blind_to_a_fixed_permutation(seed, n, shape, sigma):
    X = rng_tensor(seed, n, *shape)
    perm = torch.from_numpy(np.random.default_rng(seed + 1).permutation(int(np.prod(shape))))
    Xp = X.reshape(n, -1)[:, perm].reshape(X.shape)
    assert torch.allclose(naive_tensor_kernel(X, sigma=sigma), naive_tensor_kernel(Xp, sigma=sigma), atol=1e-12)


@SETTINGS
@given(seed=seeds, n=st.integers(2, 12), shape=st.lists(st.integers(1, 5), min_size=2, max_size=3),
       dtype=st.sampled_from([torch.float32, torch.float64]))
def test_tensor_kernel_is_a_kernel_matrix(seed, n, shape, dtype):
    X = torch.relu(rng_tensor(seed, n, *shape, dtype=dtype))  # ReLU maps: often rank deficient
    K = tensor_kernel(X)
    assert torch.isfinite(K).all()
    assert_kernel_matrix(K)


@SETTINGS
@given(seed=seeds, p=st.integers(1, 6), q=st.integers(1, 9))
def test_projection_distance_matches_numpy_svd(seed, p, q):
    A, B = rng_tensor(seed, p, q), rng_tensor(seed + 1, p, q)
    assume(well_conditioned(A) and well_conditioned(B))
    ref = np_projection_distance(A, B)
    assert projection_distance(A, B, method="svd").item() ** 2 == pytest.approx(ref**2, abs=1e-8)
    assert projection_distance(A, B, rel_eps=1e-12).item() ** 2 == pytest.approx(ref**2, abs=1e-6)
    # the default ridge projector P_eps differs from the exact P by ||P_eps - P||_F = ||eps / (s^2 + eps)||_2,
    # so by the triangle inequality |d_eps - d| <= that bound for A plus the one for B
    def ridge_gap(M):
        M = np.asarray(M, np.float64)
        s2 = np.linalg.svd(M if M.shape[0] <= M.shape[1] else M.T, compute_uv=False) ** 2
        eps = 1e-4 * s2.sum() / len(s2)
        return np.sqrt(np.sum((eps / (s2 + eps)) ** 2))
    assert abs(projection_distance(A, B).item() - ref) <= ridge_gap(A) + ridge_gap(B) + 1e-7


@SETTINGS
@given(seed=seeds, p=st.integers(1, 5), extra=st.integers(0, 6), scale=st.floats(1e-3, 1e3))
@example(seed=21137, p=1, extra=0, scale=0.015625)  # X = -6e-4 scaled to 1e-5: the absolute floor shows (2.6e-6)
def test_projection_distance_zero_on_the_same_row_space_and_scale_invariant(seed, p, extra, scale):
    q = p + extra
    X = rng_tensor(seed, p, q)
    M = rng_tensor(seed + 1, p, p) + 3 * torch.eye(p, dtype=torch.float64)
    assume(well_conditioned(X) and well_conditioned(M, 50))
    assert projection_distance(X, M @ X, method="svd").item() == pytest.approx(0, abs=1e-6)
    assert projection_distance(X, M @ X, rel_eps=1e-12).item() == pytest.approx(0, abs=1e-4)
    Y = rng_tensor(seed + 2, p, q)
    # the ridge is eps = rel_eps * tr(XX^T)/p + abs_eps: the relative part scales with X, the absolute floor (machine
    # epsilon, which keeps an all-zero X finite) does not. Scaling X by s acts like changing eps by
    # abs_eps (1/s^2 - 1), which moves the projector by at most that times sqrt(p) / s_min(X)^2 in Frobenius norm.
    s_min = np.linalg.svd(X.numpy(), compute_uv=False)[-1]
    floor_effect = torch.finfo(torch.float64).eps * abs(1 / scale**2 - 1) * np.sqrt(p) / s_min**2
    assert abs(projection_distance(scale * X, Y).item() - projection_distance(X, Y).item()) <= floor_effect + 1e-6
    assert projection_distance(X, scale * X).item() <= floor_effect + 1e-6


@SETTINGS
@given(seed=seeds, p=st.integers(2, 8), q=st.integers(1, 7))
def test_transposition_rule(seed, p, q):
    assume(p > q)
    A, B = rng_tensor(seed, p, q), rng_tensor(seed + 1, p, q)
    assert torch.allclose(projection_distance(A, B), projection_distance(A.T, B.T), atol=1e-12)
    assert torch.allclose(projection_distance(A, B, method="svd"), projection_distance(A.T, B.T, method="svd"), atol=1e-12)


@SETTINGS
@given(seed=seeds, n=st.integers(2, 6), shape=st.lists(st.integers(1, 4), min_size=2, max_size=3),
       route=st.sampled_from(["basis", "projector"]))
def test_pairwise_tensor_distances_sum_the_modes(seed, n, shape, route):
    X = rng_tensor(seed, n, *shape)
    D = pairwise_tensor_distances(X, route=route, rel_eps=1e-12)
    ref = np.zeros((n, n))
    for m in range(len(shape)):
        M = matricize(X, m)
        for a in range(n):
            for b in range(n):
                ref[a, b] += projection_distance(M[a], M[b], rel_eps=1e-12).item() ** 2
    assert np.allclose(D.numpy(), ref, atol=1e-7)
    assert torch.equal(D, D.T) and torch.equal(D.diagonal(), torch.zeros(n, dtype=D.dtype))


@SETTINGS
@given(seed=seeds, n=st.integers(2, 8), c=st.integers(1, 4), h=st.integers(1, 4), kind=st.sampled_from(["zero", "rank1", "dead", "same"]))
def test_tensor_kernel_gradients_finite_on_degenerate_batches(seed, n, c, h, kind):
    X = torch.relu(rng_tensor(seed, n, c, h, h, dtype=torch.float32))
    if kind == "zero":
        X = torch.zeros_like(X)
    elif kind == "rank1":
        X = X[:, :1].expand_as(X).contiguous()
    elif kind == "dead":
        X[: n // 2] = 0
    else:
        X = X[:1].expand_as(X).contiguous()
    X.requires_grad_()
    w = torch.from_numpy(np.random.default_rng(seed).random((n, n))).float()
    g, = torch.autograd.grad((tensor_kernel(X) * w).sum(), X)
    assert torch.isfinite(g).all()


@SETTINGS
@given(seed=seeds, n=st.integers(2, 30), k=st.integers(2, 6))
def test_cs_divergence_range_and_extremes(seed, n, k):
    rng = np.random.default_rng(seed)
    A = torch.softmax(torch.from_numpy(rng.standard_normal((n, k))), 1)
    K = gaussian_kernel(torch.from_numpy(rng.standard_normal((n, 3))))
    d = cs_divergence(A, K).item()
    assert -1e-12 <= d <= 1 + 1e-12
    labels = torch.from_numpy(rng.integers(0, k, n))
    H = torch.nn.functional.one_hot(labels, k).double()
    K_block = (labels[:, None] == labels[None, :]).double()
    assert cs_divergence(H, K_block).item() == 0.0
    same = torch.from_numpy(rng.random((n, 1)) + 0.1).expand(n, k)
    assert cs_divergence(same, K).item() == pytest.approx(1.0, abs=1e-12)
    total, terms = ddc_loss(A, K=K)
    assert total.item() == pytest.approx(sum(t.item() for t in terms.values()), abs=1e-12)
