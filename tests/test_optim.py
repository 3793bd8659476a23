"""Tests for mtlnotes.optim: GD on quadratics and its contraction rate."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtlnotes import optim


def random_spd(rng: np.random.Generator, d: int, kappa: float) -> np.ndarray:
    """SPD matrix, eigenvalues log-spaced in [1, kappa], random eigenvectors."""
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return (q * np.geomspace(1.0, kappa, d)) @ q.T


def test_gd_contraction_closed_form_diagonal():
    assert optim.gd_contraction(np.diag([3.0, 1.0])) == pytest.approx(0.5)
    assert optim.gd_contraction(np.diag([5.0, 5.0])) == pytest.approx(0.0)


def test_gd_contraction_extreme_kappa_is_finite_and_below_one():
    rho = optim.gd_contraction(np.diag([1e12, 1.0]))
    assert rho < 1.0
    assert rho == pytest.approx((1e12 - 1) / (1e12 + 1), rel=1e-15)


def test_condition_number():
    assert optim.condition_number(np.diag([10.0, 2.0])) == pytest.approx(5.0)
    assert optim.condition_number(np.diag([1.0, 0.0])) == math.inf
    assert optim.condition_number(np.zeros((2, 2))) == math.inf


def test_optimal_step_size_minimises_contraction():
    rng = np.random.default_rng(0)
    H = random_spd(rng, 5, 50.0)
    eta_star = optim.optimal_step_size(H)
    rho_star = optim.contraction_factor(H, eta_star)
    assert rho_star == pytest.approx(optim.gd_contraction(H), rel=1e-12)
    for eta in eta_star * np.array([0.5, 0.9, 1.1, 1.5]):
        assert optim.contraction_factor(H, eta) > rho_star


def test_contraction_factor_diverges_beyond_two_over_lmax():
    H = np.diag([4.0, 1.0])
    assert optim.contraction_factor(H, 0.5) == pytest.approx(1.0)  # eta = 2/lmax
    assert optim.contraction_factor(H, 0.6) > 1.0


def test_gd_quadratic_matches_closed_form_recursion():
    rng = np.random.default_rng(1)
    H = random_spd(rng, 4, 20.0)
    beta_star = rng.standard_normal(4)
    b = H @ beta_star
    beta0 = rng.standard_normal(4)
    eta = optim.optimal_step_size(H)
    hist = optim.gd_quadratic(H, b, beta0, eta, 30)
    assert hist.shape == (31, 4)
    expected = beta_star + np.linalg.matrix_power(np.eye(4) - eta * H, 30) @ (
        beta0 - beta_star
    )
    np.testing.assert_allclose(hist[-1], expected, atol=1e-12)


def test_tight_two_by_two_instance():
    lmax, lmin, c = 100.0, 1.0, 2.0
    H = np.diag([lmax, lmin])
    hist = optim.gd_quadratic(H, np.zeros(2), np.array([0.0, c]), 2 / (lmax + lmin), 25)
    errors = np.linalg.norm(hist, axis=1)
    rho = optim.gd_contraction(H)
    np.testing.assert_allclose(errors, c * rho ** np.arange(26), rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    d=st.integers(2, 6),
    log_kappa=st.floats(0.0, 4.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_measured_contraction_never_exceeds_prediction(d, log_kappa, seed):
    rng = np.random.default_rng(seed)
    H = random_spd(rng, d, 10.0**log_kappa)
    beta_star = rng.standard_normal(d)
    hist = optim.gd_quadratic(
        H, H @ beta_star, rng.standard_normal(d), optim.optimal_step_size(H), 40
    )
    err = np.linalg.norm(hist - beta_star, axis=1)
    rho = optim.gd_contraction(H)
    bound = err[0] * rho ** np.arange(41)
    assert np.all(err <= bound * (1 + 1e-9) + 1e-12)


def test_iterations_to_tolerance():
    k = optim.iterations_to_tolerance([1.0, 3.0, 1e12], 1e-6)
    assert k[0] == 0
    assert k[1] == 20  # 0.5**20 <= 1e-6 < 0.5**19
    assert 0.5**20 <= 1e-6 < 0.5**19
    # large kappa: k ~ kappa/2 * ln(1/tol)
    assert k[2] == pytest.approx(0.5e12 * math.log(1e6), rel=1e-6)


@settings(max_examples=100, deadline=None)
@given(kappa=st.floats(1.0001, 1e6), tol=st.floats(1e-10, 0.5))
def test_iterations_to_tolerance_is_smallest(kappa, tol):
    k = int(optim.iterations_to_tolerance(kappa, tol))
    rho = (kappa - 1) / (kappa + 1)
    assert rho**k <= tol * (1 + 1e-9)
    assert k == 0 or rho ** (k - 1) > tol * (1 - 1e-9)


@pytest.mark.parametrize(
    ("H", "match"),
    [
        (np.ones((2, 3)), "H must be a non-empty square"),
        (np.array([[1.0, 2.0], [0.0, 1.0]]), "H must be symmetric"),
        (np.diag([1.0, 0.0]), "H must be positive definite"),
        (np.diag([1.0, -1.0]), "H must be positive definite"),
        (np.array([[np.nan, 0.0], [0.0, 1.0]]), "H must be finite"),
    ],
)
def test_bad_hessian_raises(H, match):
    with pytest.raises(ValueError, match=match):
        optim.gd_contraction(H)


def test_bad_arguments_raise():
    H = np.eye(2)
    with pytest.raises(ValueError, match="eta must be > 0"):
        optim.gd_quadratic(H, np.zeros(2), np.zeros(2), 0.0, 3)
    with pytest.raises(ValueError, match="eta must be > 0"):
        optim.contraction_factor(H, -1.0)
    with pytest.raises(ValueError, match="b must have shape"):
        optim.gd_quadratic(H, np.zeros(3), np.zeros(2), 0.1, 3)
    with pytest.raises(ValueError, match="beta0 must have shape"):
        optim.gd_quadratic(H, np.zeros(2), np.zeros(3), 0.1, 3)
    with pytest.raises(ValueError, match="n_steps must be an integer >= 0"):
        optim.gd_quadratic(H, np.zeros(2), np.zeros(2), 0.1, -1)
    with pytest.raises(TypeError, match="n_steps must be an integer"):
        optim.gd_quadratic(H, np.zeros(2), np.zeros(2), 0.1, 2.5)
    with pytest.raises(ValueError, match="kappa must be >= 1"):
        optim.iterations_to_tolerance(0.5, 0.1)
    with pytest.raises(ValueError, match="tol must lie in"):
        optim.iterations_to_tolerance(2.0, 1.5)
    with pytest.raises(ValueError, match="H must be positive semidefinite"):
        optim.condition_number(np.diag([1.0, -1.0]))


def test_iterations_to_tolerance_rejects_counts_beyond_int64():
    from mtlnotes.optim import iterations_to_tolerance

    kappa_max = 2.0**64 / np.log(1e6)
    # just below the documented bound the count still fits in int64
    assert 0 < iterations_to_tolerance(kappa_max / 2, 1e-6) < 2**63
    for kappa in (kappa_max, 1e308):  # at the bound the count reaches 2**63
        with pytest.raises(ValueError, match=r"kappa must lie in \[1, 1.34e\+18\]"):
            iterations_to_tolerance(kappa, 1e-6)
