"""Tests for mtlnotes.kernels: kernel ridge, GP posterior, ridge conditioning."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtlnotes.kernels import (
    gp_posterior,
    kernel_ridge_predict,
    ridge_condition_number,
    ridge_gd_steps,
)


def _rbf(a, b):
    return np.exp(-0.5 * ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))


def _problem(seed=0, n=12, m=5):
    rng = np.random.default_rng(seed)
    X, Z = rng.standard_normal((n, 2)), rng.standard_normal((m, 2))
    y = np.sin(X[:, 0]) + 0.1 * rng.standard_normal(n)
    return _rbf(X, X), _rbf(Z, X), _rbf(Z, Z), y


def test_kernel_ridge_matches_explicit_inverse():
    K, Kx, _, y = _problem()
    lam = 0.3
    expected = Kx @ np.linalg.inv(K + lam * np.eye(len(y))) @ y
    np.testing.assert_allclose(
        kernel_ridge_predict(K, Kx, y, lam), expected, atol=1e-10
    )


def test_kernel_ridge_matrix_targets_columnwise():
    K, Kx, _, y = _problem()
    Y = np.column_stack([y, 2 * y])
    out = kernel_ridge_predict(K, Kx, Y, 0.1)
    np.testing.assert_allclose(out[:, 1], 2 * kernel_ridge_predict(K, Kx, y, 0.1))


def test_kernel_ridge_interpolates_at_lam_zero():
    K, _, _, y = _problem()
    np.testing.assert_allclose(kernel_ridge_predict(K, K, y, 0.0), y, atol=1e-6)


def test_kernel_ridge_equals_primal_ridge_for_linear_kernel():
    rng = np.random.default_rng(3)
    X, Z, y = (
        rng.standard_normal((15, 4)),
        rng.standard_normal((6, 4)),
        rng.normal(size=15),
    )
    lam = 0.7
    beta = np.linalg.solve(X.T @ X + lam * np.eye(4), X.T @ y)
    np.testing.assert_allclose(
        kernel_ridge_predict(X @ X.T, Z @ X.T, y, lam), Z @ beta, atol=1e-10
    )


@settings(max_examples=40, deadline=None)
@given(
    sigma=st.floats(1e-3, 3.0),
    tau=st.floats(0.05, 5.0),
    seed=st.integers(0, 10_000),
)
def test_gp_mean_is_kernel_ridge_with_lam_sigma2_over_tau2(sigma, tau, seed):
    K, Kx, Kt, y = _problem(seed)
    mean, _ = gp_posterior(K, Kx, Kt, y, sigma, tau)
    ridge = kernel_ridge_predict(K, Kx, y, sigma**2 / tau**2)
    np.testing.assert_allclose(mean, ridge, atol=1e-8 * max(1.0, np.abs(ridge).max()))


def test_source_regulariser_is_wrong_unless_tau_is_one():
    K, Kx, Kt, y = _problem()
    sigma, tau = 0.5, 2.0
    mean, _ = gp_posterior(K, Kx, Kt, y, sigma, tau)
    # the note's formula: K(x,X)(K(X,X) + sigma^2/tau^2 I)^{-1} y with K = tau^2 K0
    source = kernel_ridge_predict(tau**2 * K, tau**2 * Kx, y, sigma**2 / tau**2)
    assert np.abs(mean - source).max() > 1e-3
    same, _ = gp_posterior(K, Kx, Kt, y, sigma, 1.0)
    np.testing.assert_allclose(same, kernel_ridge_predict(K, Kx, y, sigma**2))


def test_gp_covariance_matches_conditioning_formula_and_is_psd():
    K, Kx, Kt, y = _problem()
    sigma, tau = 0.4, 1.5
    _, cov = gp_posterior(K, Kx, Kt, y, sigma, tau)
    C = tau**2 * K + sigma**2 * np.eye(len(y))
    expected = tau**2 * Kt - tau**4 * Kx @ np.linalg.solve(C, Kx.T)
    np.testing.assert_allclose(cov, expected, atol=1e-10)
    assert np.linalg.eigvalsh(cov).min() > -1e-10


def test_gp_posterior_matches_monte_carlo_conditioning():
    # Sample (f(Z), y) jointly and regress f(Z) on y: slope = mean map.
    rng = np.random.default_rng(7)
    K, Kx, Kt, _ = _problem(n=4, m=2)
    sigma, tau = 0.5, 1.2
    joint = np.block([[tau**2 * K + sigma**2 * np.eye(4), tau**2 * Kx.T],
                      [tau**2 * Kx, tau**2 * Kt]])  # fmt: skip
    L = np.linalg.cholesky(joint + 1e-12 * np.eye(6))
    s = rng.standard_normal((200_000, 6)) @ L.T
    ys, fs = s[:, :4], s[:, 4:]
    coef, *_ = np.linalg.lstsq(ys, fs, rcond=None)
    y0 = np.array([0.3, -0.2, 0.5, 0.1])
    mean, cov = gp_posterior(K, Kx, Kt, y0, sigma, tau)
    np.testing.assert_allclose(y0 @ coef, mean, atol=0.02)
    resid = fs - ys @ coef
    np.testing.assert_allclose(np.cov(resid.T), cov, atol=0.02)


def test_ridge_condition_number_against_eigenvalues():
    K, *_ = _problem()
    lam = np.array([1e-3, 0.1, 1.0, 10.0])
    kappa = ridge_condition_number(K, lam)
    expected = [np.linalg.cond(K + a * np.eye(len(K))) for a in lam]
    np.testing.assert_allclose(kappa, expected, rtol=1e-6)
    assert np.all(np.diff(kappa) < 0)


def test_ridge_condition_number_singular_is_inf_at_zero():
    K = np.ones((3, 3))
    kappa = ridge_condition_number(K, [0.0, 1.0])
    assert np.isinf(kappa[0])
    assert kappa[1] == pytest.approx(4.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lam": -0.1}, "lam"),
        ({"K_cross": np.ones((3, 5))}, "K_cross"),
        ({"y": np.ones(4)}, "y"),
        ({"K_train": np.array([[1.0, 2.0], [0.0, 1.0]])}, "K_train"),
    ],
)
def test_kernel_ridge_bad_input(kwargs, match):
    K, Kx, _, y = _problem()
    args = {"K_train": K, "K_cross": Kx, "y": y, "lam": 0.1, **kwargs}
    with pytest.raises(ValueError, match=match):
        kernel_ridge_predict(**args)


def test_kernel_ridge_singular_system_raises():
    with pytest.raises(ValueError, match="lam"):
        kernel_ridge_predict(np.ones((3, 3)), np.ones((1, 3)), np.ones(3), 0.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sigma": -1.0}, "sigma"),
        ({"tau": 0.0}, "tau"),
        ({"K0_test": np.eye(3)}, "K0_test"),
        ({"y": np.ones((12, 2))}, "y"),
        # the kernel blocks are named as in gp_posterior's signature
        ({"K0_train": np.array([[1.0, 2.0], [0.0, 1.0]])}, r"\bK0_train\b"),
        ({"K0_train": np.full((12, 12), np.nan)}, r"\bK0_train\b"),
        ({"K0_cross": np.ones((3, 5))}, r"\bK0_cross\b"),
        ({"K0_cross": np.full((3, 12), np.inf)}, r"\bK0_cross\b"),
    ],
)
def test_gp_posterior_bad_input(kwargs, match):
    K, Kx, Kt, y = _problem()
    args = {"K0_train": K, "K0_cross": Kx, "K0_test": Kt, "y": y, "sigma": 0.1}
    with pytest.raises(ValueError, match=match):
        gp_posterior(**{**args, **kwargs})


def test_ridge_condition_number_bad_input():
    with pytest.raises(ValueError, match="lam"):
        ridge_condition_number(np.eye(2), -1.0)
    with pytest.raises(ValueError, match="K"):
        ridge_condition_number(-np.eye(2), 1.0)


def test_ridge_gd_steps_against_simulated_gradient_descent():
    K = np.diag([4.0, 1.0, 0.05])
    lam, tol = 0.2, 1e-6
    k = ridge_gd_steps(K, lam, tol)
    H = K + lam * np.eye(3)
    eta = 1.0 / (4.0 + lam)
    err = np.array([0.0, 0.0, 1.0])  # error along the slowest direction
    for _ in range(k - 1):
        err = err - eta * H @ err
    assert np.linalg.norm(err) > tol
    assert np.linalg.norm(err - eta * H @ err) <= tol


def test_ridge_gd_steps_well_conditioned_and_bad_input():
    assert ridge_gd_steps(np.eye(3), 0.5) == 1
    with pytest.raises(ValueError, match="tol"):
        ridge_gd_steps(np.eye(2), 1.0, tol=1.5)
    with pytest.raises(ValueError, match="lam"):
        ridge_gd_steps(np.ones((2, 2)), 0.0)
