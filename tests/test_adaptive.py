"""Tests for mtlnotes.adaptive: task-adaptive priors and the transfer pipeline."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtlnotes import adaptive
from mtlnotes.regression import ols_estimate, ridge_estimate, ridge_risk


@pytest.fixture(scope="module")
def problem():
    return adaptive.make_environments(
        8, 2, np.random.default_rng(0), rank=4, floor=1e-3, sigma=0.5
    )


def test_make_environments(problem):
    assert (problem.d, problem.r) == (8, 2)
    eig = np.linalg.eigvalsh(problem.Sigma)
    np.testing.assert_allclose(eig[:4], 1e-3, rtol=1e-8)
    np.testing.assert_allclose(eig[-1], 1.0, rtol=1e-10)
    np.testing.assert_allclose(
        problem.Phi_star @ problem.Phi_star.T, np.eye(2), atol=1e-12
    )


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"r": 9}, "r"),
        ({"rank": 9}, "rank"),
        ({"floor": -1.0}, "floor"),
        ({"sigma": 0.0}, "sigma"),
    ],
)
def test_make_environments_rejects(kwargs, name):
    args = {"r": 2, "rank": 4, "floor": 0.0, "sigma": 1.0} | kwargs
    r = args.pop("r")
    with pytest.raises(ValueError, match=name):
        adaptive.make_environments(8, r, np.random.default_rng(0), **args)


def test_sample_tasks_and_responses(problem):
    rng = np.random.default_rng(1)
    theta, X = adaptive.sample_tasks(problem, (3, 4), 5000, rng)
    assert theta.shape == (3, 4, 8) and X.shape == (3, 4, 5000, 8)
    # parameters lie in the task subspace
    resid = theta - theta @ problem.Phi_star.T @ problem.Phi_star
    np.testing.assert_allclose(resid, 0.0, atol=1e-12)
    np.testing.assert_allclose(
        X.reshape(-1, 8).T @ X.reshape(-1, 8) / (12 * 5000), problem.Sigma, atol=0.02
    )
    y = adaptive.sample_responses(X, theta, 0.5, rng)
    noise = y - np.einsum("...nd,...d->...n", X, theta)
    assert abs(noise.var() - 0.25) < 5 * 0.25 * np.sqrt(2 / noise.size)
    with pytest.raises(ValueError, match="n"):
        adaptive.sample_tasks(problem, (2,), 0, rng)
    with pytest.raises(ValueError, match="sigma"):
        adaptive.sample_responses(X, theta, -1.0, rng)
    with pytest.raises(ValueError, match="theta"):
        adaptive.sample_responses(X, theta[..., :3], 1.0, rng)


def test_adaptive_strength_hits_target():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((5, 30, 6)) * np.geomspace(1, 1e-3, 6)
    lam = adaptive.adaptive_strength(X, 10.0)
    H = np.swapaxes(X, 1, 2) @ X
    eig = np.linalg.eigvalsh(H + lam[:, None, None] * np.eye(6))
    np.testing.assert_allclose(eig[:, -1] / eig[:, 0], 10.0, rtol=1e-8)


def test_adaptive_strength_zero_when_well_conditioned_and_floor():
    X = np.vstack([np.eye(3), np.eye(3)])
    np.testing.assert_array_equal(adaptive.adaptive_strength(X, 2.0), 0.0)
    np.testing.assert_array_equal(
        adaptive.adaptive_strength(X, 2.0, lam_floor=0.3), 0.3
    )
    # n < d: lambda_min = 0, so lam = lambda_max / (kappa0 - 1)
    X_wide = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    np.testing.assert_allclose(adaptive.adaptive_strength(X_wide, 5.0), 4.0 / 4.0)


def test_adaptive_strength_rejects():
    with pytest.raises(ValueError, match="kappa_target"):
        adaptive.adaptive_strength(np.eye(3), 1.0)
    with pytest.raises(ValueError, match="lam_floor"):
        adaptive.adaptive_strength(np.eye(3), 3.0, lam_floor=-1.0)
    with pytest.raises(ValueError, match="X"):
        adaptive.adaptive_strength(np.ones(3), 3.0)


def test_ridge_fit_matches_regression_module():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((3, 12, 5)), rng.standard_normal((3, 12))
    lam = np.array([0.0, 0.5, 2.0])
    est = adaptive.ridge_fit(X, y, lam)
    np.testing.assert_allclose(est[0], ols_estimate(X[0], y[0]), atol=1e-12)
    for k in (1, 2):
        np.testing.assert_allclose(
            est[k], ridge_estimate(X[k], y[k], lam[k]), atol=1e-12
        )


def test_ridge_fit_min_norm_on_rank_deficient():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((4, 6))  # n < d: singular X^T X
    y = rng.standard_normal(4)
    np.testing.assert_allclose(
        adaptive.ridge_fit(X, y, 0.0), ols_estimate(X, y, min_norm=True), atol=1e-12
    )


def test_ridge_fit_rejects():
    with pytest.raises(ValueError, match="y"):
        adaptive.ridge_fit(np.ones((4, 2)), np.ones(3), 0.0)
    with pytest.raises(ValueError, match="lam"):
        adaptive.ridge_fit(np.ones((4, 2)), np.ones(4), -1.0)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), lam=st.floats(0.01, 10.0))
def test_ridge_risk_exact_matches_regression_ridge_risk(seed, lam):
    rng = np.random.default_rng(seed)
    X, theta = rng.standard_normal((7, 4)), rng.standard_normal(4)
    got = adaptive.ridge_risk_exact(X, X @ theta, theta, 0.7, lam)
    np.testing.assert_allclose(got, ridge_risk(X, theta, 0.7, lam), rtol=1e-9)


def test_ridge_risk_exact_vs_monte_carlo_misspecified():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((10, 3))
    f = rng.standard_normal(10)  # not in the column space of X
    target = rng.standard_normal(3)
    for lam in (0.0, 1.5):
        exact = adaptive.ridge_risk_exact(X, f, target, 0.8, lam)
        y = f + 0.8 * rng.standard_normal((20000, 10))
        est = adaptive.ridge_fit(np.broadcast_to(X, (20000, 10, 3)), y, lam)
        sq = np.sum((est - target) ** 2, axis=1)
        assert abs(sq.mean() - exact) < 4 * sq.std(ddof=1) / np.sqrt(sq.size)


def test_ridge_risk_exact_rejects():
    with pytest.raises(ValueError, match="mean_y"):
        adaptive.ridge_risk_exact(np.ones((4, 2)), np.ones(3), np.ones(2), 1.0, 0.0)
    with pytest.raises(ValueError, match="sigma"):
        adaptive.ridge_risk_exact(np.eye(2), np.ones(2), np.ones(2), -1.0, 0.0)


def test_fit_representation():
    rng = np.random.default_rng(6)
    basis = np.linalg.qr(rng.standard_normal((6, 2)))[0].T
    theta_hat = rng.standard_normal((2, 10, 2)) @ basis
    Phi = adaptive.fit_representation(theta_hat, 2)
    assert Phi.shape == (2, 2, 6)
    for k in range(2):
        np.testing.assert_allclose(Phi[k].T @ Phi[k], basis.T @ basis, atol=1e-10)
    with pytest.raises(ValueError, match="r"):
        adaptive.fit_representation(theta_hat, 7)


def test_parameter_nu():
    Phi = np.eye(3)[:1]
    train = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 3.0]])
    test = np.array([1.0, 2.0, 0.0])
    np.testing.assert_allclose(adaptive.parameter_nu(Phi, train, test), 5.0 / 4.0)
    # held-out task inside the representation: ratio undefined / infinite
    assert np.isinf(adaptive.parameter_nu(Phi, train, np.array([1.0, 0.0, 0.0])))
    with pytest.raises(ValueError, match="share d"):
        adaptive.parameter_nu(Phi, train[:, :2], test)


def test_finetune_risk_decomposition_vs_monte_carlo(problem):
    rng = np.random.default_rng(7)
    theta, X = adaptive.sample_tasks(problem, (1,), 15, rng)
    Phi = np.linalg.qr(rng.standard_normal((8, 2)))[0].T
    for kappa_target in (None, 3.0):
        risk, lam = adaptive.finetune_risk(Phi, X, theta, 0.5, kappa_target)
        y = adaptive.sample_responses(
            np.broadcast_to(X, (20000, 15, 8)),
            np.broadcast_to(theta, (20000, 8)),
            0.5,
            rng,
        )
        w = adaptive.ridge_fit(np.broadcast_to(X @ Phi.T, (20000, 15, 2)), y, lam[0])
        sq = np.sum((w @ Phi - theta) ** 2, axis=1)
        assert abs(sq.mean() - risk[0]) < 4 * sq.std(ddof=1) / np.sqrt(sq.size)
    assert lam[0] >= 0


def test_run_pipeline_shapes_and_erm_train_risk(problem):
    res = adaptive.run_pipeline(
        problem,
        T=5,
        n=20,
        n_finetune=6,
        n_runs=400,
        kappa_target=None,
        rng=np.random.default_rng(8),
    )
    assert res.train_er.shape == res.nu.shape == (400,) and res.Phi.shape == (400, 2, 8)
    np.testing.assert_array_equal(res.penalty, 0.0)
    # Gaussian-design OLS risk sigma^2 Tr(Sigma^-1) / (n - d - 1), per task
    predicted = 0.25 * np.trace(np.linalg.inv(problem.Sigma)) / (20 - 8 - 1)
    se = res.train_er.std(ddof=1) / np.sqrt(400)
    assert abs(res.train_er.mean() - predicted) < 4 * se
    nu_t, nu_se = res.nu_tilde()
    assert nu_se > 0 and np.isfinite(nu_t)


def test_run_pipeline_adaptive_beats_erm(problem):
    kw = {"T": 5, "n": 20, "n_finetune": 6, "n_runs": 100}
    erm = adaptive.run_pipeline(
        problem, kappa_target=None, rng=np.random.default_rng(9), **kw
    )
    ada = adaptive.run_pipeline(
        problem, kappa_target=30.0, rng=np.random.default_rng(9), **kw
    )
    assert ada.train_er.mean() < erm.train_er.mean()
    assert np.all(ada.lam > 0) and np.all(ada.penalty > 0)
    with pytest.raises(ValueError, match="T"):
        adaptive.run_pipeline(
            problem,
            kappa_target=None,
            rng=np.random.default_rng(0),
            T=1,
            n=5,
            n_finetune=5,
            n_runs=3,
        )
    with pytest.raises(ValueError, match="kappa_target"):
        adaptive.run_pipeline(
            problem, kappa_target=1.0, rng=np.random.default_rng(0), **kw
        )


_PIPELINE = {"T": 3, "n": 6, "n_finetune": 4, "n_runs": 2, "kappa_target": 10.0}


@pytest.mark.parametrize("bad", [None, "abc"])
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (
            lambda p, g, bad: adaptive.make_environments(
                4, 2, bad, rank=3, floor=0.1, sigma=0.5
            ),
            "rng",
        ),
        (lambda p, g, bad: adaptive.sample_tasks(bad, (2,), 5, g), "problem"),
        (lambda p, g, bad: adaptive.sample_tasks(p, (2,), 5, bad), "rng"),
        (
            lambda p, g, bad: adaptive.sample_responses(
                np.ones((3, 2)), np.ones(2), 0.5, bad
            ),
            "rng",
        ),
        (lambda p, g, bad: adaptive.run_pipeline(bad, rng=g, **_PIPELINE), "problem"),
        (lambda p, g, bad: adaptive.run_pipeline(p, rng=bad, **_PIPELINE), "rng"),
    ],
)
def test_object_arguments_are_type_checked(problem, call, name, bad):
    with pytest.raises(TypeError, match=rf"^{name} must be a"):
        call(problem, np.random.default_rng(0), bad)


def test_sample_tasks_rejects_non_tuple_shape(problem):
    with pytest.raises(TypeError, match=r"^shape must be a tuple of int"):
        adaptive.sample_tasks(problem, None, 5, np.random.default_rng(0))
    # a list is accepted like a tuple and gives the same draws
    theta_l, X_l = adaptive.sample_tasks(problem, [2], 5, np.random.default_rng(0))
    theta_t, X_t = adaptive.sample_tasks(problem, (2,), 5, np.random.default_rng(0))
    np.testing.assert_array_equal(theta_l, theta_t)
    np.testing.assert_array_equal(X_l, X_t)


def test_run_pipeline_rejects_non_numeric_kappa_target(problem):
    kw = _PIPELINE | {"kappa_target": "abc"}
    with pytest.raises(TypeError, match=r"^kappa_target must be numeric"):
        adaptive.run_pipeline(problem, rng=np.random.default_rng(0), **kw)


def test_finetune_risk_rejects_mismatched_phi():
    X, theta = np.ones((6, 3)), np.ones(3)
    with pytest.raises(ValueError, match=r"^Phi must have shape \(\.\.\., r, 3\)"):
        adaptive.finetune_risk(np.eye(2, 4), X, theta, 0.5, None)
    with pytest.raises(ValueError, match=r"^Phi must have shape"):
        adaptive.finetune_risk(np.ones(3), X, theta, 0.5, None)


def test_run_pipeline_fixed_prior_matches_ridge_risk(problem):
    """lam_floor with kappa_target=None is a fixed Gaussian prior: the train ER is the
    mean of the exact ridge risks sigma^2 Tr(A^-1 X'X A^-1) + lam^2 |A^-1 theta|^2."""
    kw = {"T": 4, "n": 12, "n_finetune": 5, "n_runs": 3}
    res = adaptive.run_pipeline(
        problem, kappa_target=None, rng=np.random.default_rng(11), lam_floor=0.7, **kw
    )
    theta, X = adaptive.sample_tasks(problem, (3, 5), 12, np.random.default_rng(11))
    expected = [
        np.mean([ridge_risk(X[k, t], theta[k, t], 0.5, 0.7) for t in range(1, 5)])
        for k in range(3)
    ]
    np.testing.assert_allclose(res.train_er, expected, rtol=1e-10)
    np.testing.assert_allclose(res.lam, 0.7)
    # the adaptive rule never goes below the floor
    ada = adaptive.run_pipeline(
        problem, kappa_target=1e6, rng=np.random.default_rng(11), lam_floor=0.7, **kw
    )
    assert np.all(ada.lam >= 0.7)
    risk, lam = adaptive.finetune_risk(
        problem.Phi_star, X[0, :2], theta[0, :2], 0.5, None, lam_floor=0.7
    )
    np.testing.assert_array_equal(lam, 0.7)
    assert np.all(risk > 0)
    with pytest.raises(ValueError, match="lam_floor"):
        adaptive.run_pipeline(
            problem, kappa_target=None, rng=np.random.default_rng(0), lam_floor=-1, **kw
        )


def test_headline_metrics(problem):
    res = adaptive.run_pipeline(
        problem,
        T=3,
        n=10,
        n_finetune=4,
        n_runs=50,
        kappa_target=5.0,
        rng=np.random.default_rng(12),
    )
    h = adaptive.headline_metrics(res)
    assert h["test_er"] == pytest.approx(np.sum(res.test_er) / 50, rel=1e-12)
    se = np.sqrt(np.sum((res.test_er - res.test_er.mean()) ** 2) / 49 / 50)
    assert h["test_er_se"] == pytest.approx(se, rel=1e-12)
    assert h["nu_median"] == pytest.approx(np.sort(res.nu)[24:26].mean(), rel=1e-12)
    assert h["nu_above_1"] == sum(v > 1 for v in res.nu) / 50
    ratio = np.sum(res.penalty) / np.sum(res.train_er)
    assert h["penalty_ratio"] == pytest.approx(ratio, rel=1e-12) and ratio > 0
    with pytest.raises(TypeError, match="result"):
        adaptive.headline_metrics("abc")


def test_sweep_readings_matches_direct_runs():
    priors = {"ERM": (None, 0.0), "fixed": (None, 0.5)}
    kw = {"d": 6, "r": 2, "rank": 3, "sigma": 0.5, "T": 3, "n": 10}
    out = adaptive.sweep_readings(
        [10.0, 1000.0], priors, n_finetune=4, n_runs=20, seed=5, **kw
    )
    assert set(out) == {
        (10.0, "ERM"),
        (10.0, "fixed"),
        (1000.0, "ERM"),
        (1000.0, "fixed"),
    }
    problem = adaptive.make_environments(
        6, 2, np.random.default_rng(5), rank=3, floor=1e-3, sigma=0.5
    )
    res = adaptive.run_pipeline(
        problem,
        T=3,
        n=10,
        n_finetune=4,
        n_runs=20,
        kappa_target=None,
        lam_floor=0.5,
        rng=np.random.default_rng(6),
    )
    assert out[1000.0, "fixed"] == adaptive.headline_metrics(res)
    # ERM's risk grows with kappa(Sigma) (common random numbers)
    assert out[1000.0, "ERM"]["train_er"] > out[10.0, "ERM"]["train_er"]
    with pytest.raises(ValueError, match="kappas"):
        adaptive.sweep_readings([5.0], priors, n_finetune=4, n_runs=20, seed=5, **kw)
