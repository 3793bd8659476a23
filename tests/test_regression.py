"""Tests for mtlnotes.regression: estimators, exact risks, Monte-Carlo risks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtlnotes.regression import (
    covariance_with_condition,
    gaussian_design,
    ols_estimate,
    ols_risk,
    ols_risk_mc,
    ridge_bayes_risk,
    ridge_estimate,
    ridge_posterior_risk,
    ridge_risk,
    ridge_risk_mc,
)


def _spd(d: int, kappa: float, rng: np.random.Generator) -> np.ndarray:
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return (Q * np.geomspace(1.0, 1.0 / kappa, d)) @ Q.T


# ------------------------------------------------------------------------ estimators
def test_ols_recovers_noiseless_parameter_and_matches_normal_equations():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 4))
    beta = rng.standard_normal(4)
    np.testing.assert_allclose(ols_estimate(X, X @ beta), beta, rtol=1e-12)
    y = rng.standard_normal(20)
    np.testing.assert_allclose(
        ols_estimate(X, y), np.linalg.solve(X.T @ X, X.T @ y), rtol=1e-10
    )


def test_ols_multiple_columns_equal_separate_fits():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((15, 3))
    Y = rng.standard_normal((15, 4))
    B = ols_estimate(X, Y)
    assert B.shape == (3, 4)
    for j in range(4):
        np.testing.assert_allclose(B[:, j], ols_estimate(X, Y[:, j]), rtol=1e-12)


def test_ols_rank_deficient_raises_or_returns_min_norm():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((5, 8))  # n < d
    y = rng.standard_normal(5)
    with pytest.raises(ValueError, match="X must have full column rank"):
        ols_estimate(X, y)
    b = ols_estimate(X, y, min_norm=True)
    np.testing.assert_allclose(b, np.linalg.pinv(X) @ y, rtol=1e-10)


def test_ridge_matches_closed_form_and_multiple_columns():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, 9))  # rank deficient: ridge still defined
    Y = rng.standard_normal((6, 2))
    lam = 0.7
    expect = np.linalg.solve(X.T @ X + lam * np.eye(9), X.T @ Y)
    np.testing.assert_allclose(ridge_estimate(X, Y, lam), expect, rtol=1e-10)
    np.testing.assert_allclose(
        ridge_estimate(X, Y[:, 0], lam), expect[:, 0], rtol=1e-10
    )


def test_ridge_lam_zero_is_ols_and_small_lam_tends_to_min_norm():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((12, 3))
    y = rng.standard_normal(12)
    np.testing.assert_allclose(ridge_estimate(X, y, 0.0), ols_estimate(X, y))
    Xw = rng.standard_normal((3, 6))
    yw = rng.standard_normal(3)
    np.testing.assert_allclose(
        ridge_estimate(Xw, yw, 1e-10), np.linalg.pinv(Xw) @ yw, atol=1e-7
    )
    with pytest.raises(ValueError, match="X must have full column rank"):
        ridge_estimate(Xw, yw, 0.0)


@settings(max_examples=30, deadline=None)
@given(
    lam=st.floats(1e-3, 1e3),
    seed=st.integers(0, 2**16),
)
def test_ridge_satisfies_normal_equations(lam, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((7, 4))
    y = rng.standard_normal(7)
    theta = ridge_estimate(X, y, lam)
    resid = X.T @ (X @ theta - y) + lam * theta
    assert np.linalg.norm(resid) <= 1e-8 * (1 + np.linalg.norm(X.T @ y))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: ols_estimate(np.ones(3), np.ones(3)), "X must be a non-empty 2-D"),
        (lambda: ols_estimate(np.eye(3), np.ones(4)), "y must have shape"),
        (lambda: ridge_estimate(np.eye(3), np.ones(3), -1.0), "lam must be >= 0"),
        (lambda: ridge_estimate(np.eye(3), np.ones(3), [1.0, 2.0]), "lam must be a"),
        (
            lambda: ridge_estimate(np.eye(3), np.full(3, np.nan), 1.0),
            "y must be finite",
        ),
    ],
)
def test_estimators_reject_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ----------------------------------------------------------------------------- risks
def test_ols_risk_closed_form_values():
    Sigma = np.diag([1.0, 2.0, 4.0])
    assert ols_risk(Sigma, 10, 2.0) == pytest.approx(4.0 * 1.75 / 6)
    # prediction norm: sigma^2 d / (n - d - 1), independent of Sigma
    assert ols_risk(Sigma, 10, 2.0, weight=Sigma) == pytest.approx(4.0 * 3 / 6)
    assert ols_risk(Sigma, 10, 0.0) == 0.0


@pytest.mark.parametrize(("n", "kappa"), [(12, 1.0), (12, 30.0), (40, 30.0)])
def test_ols_risk_matches_monte_carlo(n, kappa):
    rng = np.random.default_rng(10)
    Sigma = _spd(3, kappa, rng)
    beta = rng.standard_normal(3)
    for weight in (None, Sigma):
        exact = ols_risk(Sigma, n, 0.8, weight=weight)
        mean, se = ols_risk_mc(Sigma, n, 0.8, 20_000, rng, beta=beta, weight=weight)
        assert abs(mean - exact) < 4 * se, (mean, se, exact)


def test_ridge_risk_matches_direct_matrix_formula():
    rng = np.random.default_rng(5)
    for n, d in [(10, 4), (4, 10)]:  # full rank and rank deficient
        X = rng.standard_normal((n, d))
        theta = rng.standard_normal(d)
        sigma, lam = 0.6, 0.4
        Ainv = np.linalg.inv(X.T @ X + lam * np.eye(d))
        expect = sigma**2 * np.trace(Ainv @ X.T @ X @ Ainv) + lam**2 * np.sum(
            (Ainv @ theta) ** 2
        )
        assert ridge_risk(X, theta, sigma, lam) == pytest.approx(expect, rel=1e-10)


def test_ridge_risk_lam_zero_is_fixed_design_ols_risk():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((9, 3))
    expect = 0.25 * np.trace(np.linalg.inv(X.T @ X))
    assert ridge_risk(X, np.ones(3), 0.5, 0.0) == pytest.approx(expect, rel=1e-10)
    with pytest.raises(ValueError, match="X must have full column rank"):
        ridge_risk(X[:2], np.ones(3), 0.5, 0.0)


@pytest.mark.parametrize(("n", "d", "lam"), [(20, 5, 0.0), (20, 5, 3.0), (5, 12, 0.5)])
def test_ridge_risk_matches_monte_carlo(n, d, lam):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((n, d))
    theta = rng.standard_normal(d)
    exact = ridge_risk(X, theta, 0.7, lam)
    mean, se = ridge_risk_mc(X, theta, 0.7, lam, 20_000, rng)
    assert abs(mean - exact) < 4 * se, (mean, se, exact)


@settings(max_examples=30, deadline=None)
@given(
    tau=st.floats(0.1, 10.0),
    sigma=st.floats(0.1, 10.0),
    seed=st.integers(0, 2**16),
)
def test_bayes_risk_is_prior_average_and_minimised_at_sigma2_over_tau2(
    tau, sigma, seed
):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((4, 6))
    lam_star = sigma**2 / tau**2
    best = ridge_bayes_risk(X, tau, sigma, lam_star)
    # at the Bayes choice the average risk is the posterior-covariance trace
    post = sigma**2 * np.trace(np.linalg.inv(X.T @ X + lam_star * np.eye(6)))
    assert best == pytest.approx(post, rel=1e-9)
    for factor in (0.5, 2.0):
        assert ridge_bayes_risk(X, tau, sigma, factor * lam_star) > best * (1 - 1e-12)
    # prior average of the bias term: E||A^{-1} theta||^2 = tau^2 Tr(A^{-2})
    Ainv = np.linalg.inv(X.T @ X + lam_star * np.eye(6))
    expect = ridge_risk(X, np.zeros(6), sigma, lam_star) + lam_star**2 * tau**2 * (
        np.trace(Ainv @ Ainv)
    )
    assert best == pytest.approx(expect, rel=1e-9)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: ols_risk(np.diag([1.0, 0.0]), 10, 1.0), "Sigma must be positive"),
        (lambda: ols_risk(np.array([[1.0, 2.0], [0.0, 1.0]]), 10, 1.0), "Sigma must"),
        (lambda: ols_risk(np.eye(3), 4, 1.0), "n must be >= d \\+ 2"),
        (lambda: ols_risk(np.eye(3), 3, 1.0), "n must be >= d \\+ 2"),
        (lambda: ols_risk(np.eye(3), 10, -1.0), "sigma must be >= 0"),
        (lambda: ols_risk(np.eye(3), 10, 1.0, weight=np.eye(2)), "weight must"),
        (lambda: ols_risk(np.eye(2), 10, 1.0, weight=-np.eye(2)), "weight must"),
        (lambda: ridge_risk(np.eye(3), np.ones(2), 1.0, 1.0), "theta must have"),
        (lambda: ridge_risk(np.eye(3), np.ones(3), -1.0, 1.0), "sigma must be >= 0"),
        (lambda: ridge_risk(np.eye(3), np.ones(3), 1.0, -1.0), "lam must be >= 0"),
        (lambda: ridge_bayes_risk(np.eye(3), -1.0, 1.0, 1.0), "tau must be >= 0"),
        (lambda: ridge_bayes_risk(np.eye(3), 1.0, -1.0, 1.0), "sigma must be >= 0"),
        (lambda: ridge_bayes_risk(np.eye(3), 1.0, 1.0, -1.0), "lam must be >= 0"),
    ],
)
def test_risks_reject_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_posterior_risk_matches_direct_trace_batched_and_single():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((3, 6, 4))
    M = _spd(4, 5.0, rng)
    got = ridge_posterior_risk(X, 0.5, 0.2, weight=M)
    assert got.shape == (3,)
    for r in range(3):
        expect = 0.25 * np.trace(M @ np.linalg.inv(X[r].T @ X[r] + 0.2 * np.eye(4)))
        assert got[r] == pytest.approx(expect, rel=1e-10)
        assert ridge_posterior_risk(X[r], 0.5, 0.0) == pytest.approx(
            ridge_risk(X[r], np.zeros(4), 0.5, 0.0), rel=1e-10
        )


def test_posterior_risk_vectorised_over_lam():
    rng = np.random.default_rng(14)
    X = rng.standard_normal((2, 5, 3))
    lams = np.array([0.0, 0.3, 4.0])
    got = ridge_posterior_risk(X, 1.5, lams)
    assert got.shape == (2, 3)
    for r in range(2):
        for j, lam in enumerate(lams):
            assert got[r, j] == pytest.approx(ridge_posterior_risk(X[r], 1.5, lam))
    assert ridge_posterior_risk(X[0], 1.5, lams).shape == (3,)
    # decreasing in lam (Loewner order)
    assert np.all(np.diff(got, axis=1) < 0)


def test_posterior_risk_averages_to_closed_forms():
    rng = np.random.default_rng(12)
    Sigma = _spd(3, 20.0, rng)
    X = gaussian_design(Sigma, 15, 40_000, rng)
    for weight in (None, Sigma):
        vals = ridge_posterior_risk(X, 1.0, 0.0, weight=weight)
        se = vals.std(ddof=1) / np.sqrt(vals.size)
        assert abs(vals.mean() - ols_risk(Sigma, 15, 1.0, weight=weight)) < 4 * se


def test_posterior_risk_is_bayes_risk_of_ridge():
    """Prior N(0, sigma^2/lam I): average ridge error equals the posterior trace."""
    rng = np.random.default_rng(13)
    X = rng.standard_normal((5, 7))  # rank deficient is fine for lam > 0
    sigma, lam, R = 0.8, 0.5, 40_000
    theta = rng.standard_normal((7, R)) * sigma / np.sqrt(lam)
    Y = X @ theta + sigma * rng.standard_normal((5, R))
    loss = np.sum((ridge_estimate(X, Y, lam) - theta) ** 2, axis=0)
    se = loss.std(ddof=1) / np.sqrt(R)
    assert abs(loss.mean() - ridge_posterior_risk(X, sigma, lam)) < 4 * se


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"X": np.ones(3)}, "X must have shape"),
        ({"X": np.ones((3, 4))}, "X must have full column rank"),
        ({"sigma": -1.0}, "sigma must be >= 0"),
        ({"lam": -1.0}, "lam must be >= 0"),
        ({"lam": np.ones((2, 2))}, "lam must be a scalar or 1-D"),
        ({"weight": np.eye(2)}, "weight must have shape"),
    ],
)
def test_posterior_risk_rejects_bad_input(kwargs, match):
    args = {"X": np.eye(3), "sigma": 1.0, "lam": 0.0} | kwargs
    weight = args.pop("weight", None)
    with pytest.raises(ValueError, match=match):
        ridge_posterior_risk(**args, weight=weight)


# ----------------------------------------------------------------------- Monte Carlo
@pytest.mark.parametrize(("d", "kappa"), [(1, 1.0), (4, 1.0), (5, 1e3)])
def test_covariance_with_condition_spectrum(d, kappa):
    S = covariance_with_condition(d, kappa, np.random.default_rng(0))
    eig = np.linalg.eigvalsh(S)
    np.testing.assert_allclose(S, S.T)
    np.testing.assert_allclose(eig[::-1], np.geomspace(1.0, 1.0 / kappa, d), rtol=1e-9)


def test_covariance_with_condition_rejects_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="kappa must be >= 1"):
        covariance_with_condition(3, 0.5, rng)
    with pytest.raises(ValueError, match="d must be an integer >= 1"):
        covariance_with_condition(0, 2.0, rng)


def test_gaussian_design_covariance_and_singular_sigma():
    rng = np.random.default_rng(8)
    Sigma = _spd(3, 10.0, rng)
    X = gaussian_design(Sigma, 50, 400, rng)
    assert X.shape == (400, 50, 3)
    emp = np.einsum("rni,rnj->ij", X, X) / (400 * 50)
    np.testing.assert_allclose(emp, Sigma, atol=0.03)
    v = np.array([1.0, -1.0, 0.0]) / np.sqrt(2)
    S1 = np.eye(3) - np.outer(v, v)  # singular: rows orthogonal to v
    X1 = gaussian_design(S1, 5, 10, rng)
    np.testing.assert_allclose(X1 @ v, 0.0, atol=1e-12)


def test_gaussian_design_uses_the_unique_symmetric_root():
    """Draws are Z @ Sigma^{1/2} with the symmetric root, so a repeated eigenvalue
    (whose eigenbasis LAPACK may return in any rotation) cannot change them."""
    from scipy.linalg import sqrtm

    rng = np.random.default_rng(9)
    Q = np.linalg.qr(rng.normal(size=(6, 6)))[0]
    Sigma = (Q * np.array([1.0, 0.3, 1e-3, 1e-3, 1e-3, 1e-3])) @ Q.T
    Sigma = (Sigma + Sigma.T) / 2
    X = gaussian_design(Sigma, 4, 3, np.random.default_rng(10))
    Z = np.random.default_rng(10).standard_normal((3, 4, 6))
    np.testing.assert_allclose(X, Z @ np.real(sqrtm(Sigma)), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda r: gaussian_design(-np.eye(2), 3, 2, r), "Sigma must be positive"),
        (lambda r: gaussian_design(np.eye(2), 0, 2, r), "n must be an integer"),
        (lambda r: gaussian_design(np.eye(2), 3, 0, r), "n_rep must be an integer"),
        (lambda r: ols_risk_mc(np.eye(3), 2, 1.0, 10, r), "n must be an integer >= 3"),
        (lambda r: ols_risk_mc(np.eye(3), 5, 1.0, 1, r), "n_rep must be"),
        (lambda r: ols_risk_mc(np.eye(3), 5, -1.0, 10, r), "sigma must be >= 0"),
        (lambda r: ols_risk_mc(np.eye(3), 5, 1.0, 10, r, beta=[1.0]), "beta must"),
        (lambda r: ridge_risk_mc(np.eye(3), np.ones(3), 1.0, -1.0, 10, r), "lam must"),
        (lambda r: ridge_risk_mc(np.eye(3), np.ones(3), -1.0, 1.0, 10, r), "sigma"),
        (lambda r: ridge_risk_mc(np.eye(3), np.ones(3), 1.0, 1.0, 1, r), "n_rep"),
    ],
)
def test_monte_carlo_rejects_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call(np.random.default_rng(0))


@pytest.mark.parametrize(
    "call",
    [
        lambda r: covariance_with_condition(3, 2.0, r),
        lambda r: gaussian_design(np.eye(2), 3, 2, r),
        lambda r: ols_risk_mc(np.eye(2), 5, 1.0, 10, r),
        lambda r: ridge_risk_mc(np.eye(3), np.ones(3), 1.0, 1.0, 10, r),
    ],
)
@pytest.mark.parametrize("bad_rng", [None, "seed", 0])
def test_random_functions_require_a_generator(call, bad_rng):
    with pytest.raises(TypeError, match="rng must be a numpy"):
        call(bad_rng)
