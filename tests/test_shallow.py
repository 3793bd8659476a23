"""Tests for mtlnotes.shallow: one-hidden-layer network, exact Hessian, MAP."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mtlnotes import optim
from mtlnotes.shallow import (
    gd_map,
    local_gd_iterations,
    make_teacher_data,
    map_gradient,
    map_hessian,
    map_loss,
    minimize_map,
    network_output,
    shifted_condition_number,
)

SIGMA = 0.5
# torch.func initialises functorch with torch.jit.script, which warns on import
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script`:DeprecationWarning")


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    X, y, W_star, a = make_teacher_data(12, 2, 2, 0.1, rng)
    W = W_star + 0.3 * rng.standard_normal(W_star.shape)
    return W, a, X, y, (a, X, y, SIGMA)


def test_teacher_data_shapes_and_noiseless_targets():
    rng = np.random.default_rng(1)
    X, y, W_star, a = make_teacher_data(7, 3, 4, 0.0, rng)
    assert X.shape == (7, 3) and y.shape == (7,) and W_star.shape == (4, 3)
    np.testing.assert_allclose(np.abs(a), 0.5)
    np.testing.assert_allclose(y, network_output(W_star, a, X), rtol=1e-14)


def test_network_output_matches_explicit_sum(problem):
    W, a, X, _, _ = problem
    expect = [sum(a[j] * math.tanh(W[j] @ x) for j in range(len(a))) for x in X]
    np.testing.assert_allclose(network_output(W, a, X), expect, rtol=1e-12)


def test_map_loss_value(problem):
    W, a, X, y, args = problem
    resid = y - network_output(W, a, X)
    nll = resid @ resid / (2 * SIGMA**2)
    assert map_loss(W, *args) == pytest.approx(nll, rel=1e-12)
    assert map_loss(W, *args, 2.0) == pytest.approx(nll + np.sum(W**2) / 8, rel=1e-12)


@pytest.mark.parametrize("tau", [math.inf, 0.7])
def test_gradient_matches_autodiff_and_finite_differences(problem, tau):
    W, a, X, y, args = problem
    g = map_gradient(W, *args, tau)
    Wt = torch.tensor(W, requires_grad=True)
    f = torch.tanh(torch.tensor(X) @ Wt.T) @ torch.tensor(a)
    loss = ((torch.tensor(y) - f) ** 2).sum() / (2 * SIGMA**2)
    loss = loss + (Wt**2).sum() / (2 * tau**2)
    loss.backward()
    np.testing.assert_allclose(g, Wt.grad.numpy(), rtol=1e-10, atol=1e-12)
    E = np.zeros_like(W)
    E[1, 0] = 1e-6
    fd = (map_loss(W + E, *args, tau) - map_loss(W - E, *args, tau)) / 2e-6
    assert g[1, 0] == pytest.approx(fd, rel=1e-6)


def test_hessian_is_symmetric_and_prior_adds_identity(problem):
    W, *_, args = problem
    H = map_hessian(W, *args)
    assert H.shape == (W.size, W.size)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    H_map = map_hessian(W, *args, tau=0.5)
    np.testing.assert_allclose(H_map, H + 4.0 * np.eye(W.size), atol=1e-10)
    # finite differences of the gradient, column for parameter W[0, 1] (index 1)
    E = np.zeros_like(W)
    E[0, 1] = 1e-6
    col = (map_gradient(W + E, *args) - map_gradient(W - E, *args)) / 2e-6
    np.testing.assert_allclose(H[:, 1], col.ravel(), rtol=1e-5, atol=1e-6)


def test_hessian_at_interpolation_is_gauss_newton_and_singular():
    rng = np.random.default_rng(2)
    X, y, W_star, a = make_teacher_data(4, 3, 3, 0.0, rng)  # n = 4 < 9 parameters
    H = map_hessian(W_star, a, X, y, SIGMA)
    T = np.tanh(X @ W_star.T)
    J = ((1 - T**2) * a)[:, :, None] * X[:, None, :]  # d f_i / d W_jl
    J = J.reshape(4, -1)
    np.testing.assert_allclose(H, J.T @ J / SIGMA**2, atol=1e-10)
    eig = np.linalg.eigvalsh(H)
    assert np.sum(eig > 1e-8 * eig[-1]) <= 4


def test_shifted_condition_number_cases():
    eig = np.array([1.0, 4.0, 9.0])
    np.testing.assert_allclose(shifted_condition_number(eig, 0.0), 9.0)
    np.testing.assert_allclose(shifted_condition_number(eig, [1.0, 3.0]), [5.0, 3.0])
    assert shifted_condition_number([0.0, 2.0], 0.0) == np.inf
    # indefinite: pole where the shift cancels the negative eigenvalue
    assert shifted_condition_number([-2.0, 5.0], 2.0) == np.inf
    assert shifted_condition_number([-2.0, 5.0], 1.0) == pytest.approx(6.0)


@settings(max_examples=40, deadline=None)
@given(
    lo=st.floats(1e-3, 10.0),
    spread=st.floats(1.0, 1e4),
    c=st.floats(1e-3, 1e3),
)
def test_lemma_shift_improves_conditioning_for_psd(lo, spread, c):
    eig = np.array([lo, lo * spread])
    kappa = shifted_condition_number(eig, 0.0)
    shifted = shifted_condition_number(eig, c)
    assert shifted <= kappa * (1 + 1e-12)
    assert shifted == pytest.approx((lo * spread + c) / (lo + c), rel=1e-12)


def test_minimize_map_reaches_stationary_point(problem):
    W, *_, args = problem
    for tau in (math.inf, 0.5):
        W_opt = minimize_map(W, *args, tau)
        assert np.linalg.norm(map_gradient(W_opt, *args, tau)) < 1e-6
        assert np.linalg.eigvalsh(map_hessian(W_opt, *args, tau))[0] > 0
    with pytest.raises(ValueError, match="did not reach gtol"):
        minimize_map(W, *args, gtol=1e-300)
    W_pol = minimize_map(W, *args, 0.5, polish=3)
    assert np.linalg.norm(map_gradient(W_pol, *args, 0.5)) < 1e-11
    # at a point with an indefinite Hessian, polishing stops at once
    W_bad = np.random.default_rng(3).standard_normal(W.shape) * 3
    assert np.linalg.eigvalsh(map_hessian(W_bad, *args))[0] < 0
    W_same = minimize_map(W_bad, *args, gtol=1e9, polish=3)
    np.testing.assert_array_equal(W_same, W_bad)


def test_gd_map_matches_manual_steps_and_converges(problem):
    W, *_, args = problem
    hist = gd_map(W, *args, 1.0, 0.01, 3)
    assert hist.shape == (4, W.size)
    W1 = W - 0.01 * map_gradient(W, *args, 1.0)
    np.testing.assert_allclose(hist[1], W1.ravel(), rtol=1e-14)
    W_opt = minimize_map(W, *args, 1.0)
    H = map_hessian(W_opt, *args, 1.0)
    eta = 1.0 / np.linalg.eigvalsh(H)[-1]
    long = gd_map(W_opt + 1e-3, *args, 1.0, eta, 3000)
    assert np.linalg.norm(long[-1] - W_opt.ravel()) < 1e-8


def test_local_gd_iterations_match_quadratic_prediction(problem):
    W, *_, args = problem
    W_opt = minimize_map(W, *args, 1.0, gtol=1e-9, polish=3)
    delta = 1e-3 * np.random.default_rng(9).standard_normal(W.shape)
    kappa, predicted, measured = local_gd_iterations(W_opt, *args, 1.0, delta)
    H = map_hessian(W_opt, *args, 1.0)
    assert kappa == pytest.approx(optim.condition_number(H))
    assert predicted == optim.iterations_to_tolerance(kappa, 1e-6)
    assert 0 < measured <= predicted + 50
    # GD on another objective (tau = 0.3) converges elsewhere: reported as -1
    assert local_gd_iterations(W_opt, *args, 0.3, delta)[2] == -1
    with pytest.raises(ValueError, match="delta must have shape"):
        local_gd_iterations(W_opt, *args, 1.0, delta[:1])
    with pytest.raises(ValueError, match="tol must lie in"):
        local_gd_iterations(W_opt, *args, 1.0, delta, tol=2.0)
    W_bad = 3 * np.random.default_rng(3).standard_normal(W.shape)  # indefinite H
    with pytest.raises(ValueError, match="W_min must be a strict local minimiser"):
        local_gd_iterations(W_bad, *args, math.inf, delta)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda W, a, X, y: network_output(W, a, X[0]), "X must be a 2-D"),
        (lambda W, a, X, y: network_output(W[:1], a, X), "W must have shape"),
        (lambda W, a, X, y: network_output(W, a[:, None], X), "a must be a 1-D"),
        (lambda W, a, X, y: map_loss(W, a, X, y[:-1], SIGMA), "y must have shape"),
        (lambda W, a, X, y: map_loss(W, a, X[0], y, SIGMA), "X must be a 2-D"),
        (lambda W, a, X, y: map_loss(W, a, X, y, 0.0), "sigma must be > 0"),
        (lambda W, a, X, y: map_loss(W, a, X, y, SIGMA, -1.0), "tau must be > 0"),
        (lambda W, a, X, y: map_loss(W, a, X, y, SIGMA, math.nan), "tau must be > 0"),
        (lambda W, a, X, y: map_gradient(W[:, :1], a, X, y, SIGMA), "W must have"),
        (lambda W, a, X, y: map_hessian(W, a, X, y, SIGMA, 0.0), "tau must be > 0"),
        (lambda W, a, X, y: map_hessian(W, a[:1], X, y, SIGMA), "match a"),
        (lambda W, a, X, y: gd_map(W, a, X, y, SIGMA, 1.0, 0.0, 3), "eta must be > 0"),
        (lambda W, a, X, y: gd_map(W, a, X, y, SIGMA, 1.0, 0.1, -1), "n_steps must"),
        (lambda W, a, X, y: gd_map(W[:1], a, X, y, SIGMA, 1.0, 0.1, 1), "W0 must"),
        (lambda W, a, X, y: minimize_map(W, a, X, y, SIGMA, gtol=0.0), "gtol must"),
        (lambda W, a, X, y: minimize_map(W, a, X, y, SIGMA, polish=-1), "polish"),
        (lambda W, a, X, y: minimize_map(W * np.nan, a, X, y, SIGMA), "W0 must be"),
        (lambda W, a, X, y: shifted_condition_number(np.eye(2), 0.0), "eigenvalues"),
        (lambda W, a, X, y: shifted_condition_number([1.0], np.nan), "shift must"),
    ],
)
def test_bad_input_raises(problem, call, match):
    W, a, X, y, _ = problem
    with pytest.raises(ValueError, match=match):
        call(W, a, X, y)


def test_bad_types_and_data_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="tau must be a number"):
        map_loss(np.ones((1, 1)), [1.0], np.ones((2, 1)), np.ones(2), 1.0, "x")
    with pytest.raises(ValueError, match="noise must be >= 0"):
        make_teacher_data(3, 2, 1, -0.1, rng)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        make_teacher_data(0, 2, 1, 0.1, rng)
    with pytest.raises(TypeError, match="rng must be a numpy"):
        make_teacher_data(3, 2, 1, 0.1, 0)
    with pytest.raises(TypeError, match="X must be numeric"):
        network_output(np.ones((1, 1)), [1.0], "abc")
