"""Tests for mtlnotes.linrep: the multitask linear representation model."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtlnotes import linrep
from mtlnotes.optim import iterations_to_tolerance


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    problem = linrep.make_problem(8, 2, 2, 5, rng, sigma=0.3, cond_x=5.0)
    data = linrep.sample_tasks(problem, 30, rng)
    return problem, data


def _random_Q(rng, r, kappa):
    U = np.linalg.qr(rng.standard_normal((r, r)))[0]
    V = np.linalg.qr(rng.standard_normal((r, r)))[0]
    return U @ linrep.diagonal_conditioner(kappa, r) @ V.T


def test_make_problem_structure(setup):
    problem, _ = setup
    assert (problem.d_x, problem.d_y, problem.r, problem.T) == (8, 2, 2, 5)
    np.testing.assert_allclose(
        problem.Phi_star @ problem.Phi_star.T, np.eye(2), atol=1e-12
    )
    eig = np.linalg.eigvalsh(problem.Sigma_x)
    np.testing.assert_allclose(eig[-1] / eig[0], 5.0, rtol=1e-10)
    np.testing.assert_allclose(problem.Sigma_x, problem.Sigma_x.T)


def test_make_problem_seeded():
    a = linrep.make_problem(5, 1, 2, 3, np.random.default_rng(7))
    b = linrep.make_problem(5, 1, 2, 3, np.random.default_rng(7))
    np.testing.assert_array_equal(a.F_star, b.F_star)
    np.testing.assert_array_equal(a.Sigma_x, b.Sigma_x)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"d_x": 3, "r": 4}, "r"),
        ({"T": 0}, "T"),
        ({"d_y": 0}, "d_y"),
        ({"sigma": -1.0}, "sigma"),
        ({"cond_x": 0.5}, "cond_x"),
    ],
)
def test_make_problem_rejects(kwargs, name):
    args = {"d_x": 5, "d_y": 1, "r": 2, "T": 3} | kwargs
    extra = {k: args.pop(k) for k in ("sigma", "cond_x") if k in args}
    with pytest.raises(ValueError, match=name):
        linrep.make_problem(
            args["d_x"],
            args["d_y"],
            args["r"],
            args["T"],
            np.random.default_rng(0),
            **extra,
        )


def test_sample_tasks_shapes_and_moments():
    rng = np.random.default_rng(1)
    problem = linrep.make_problem(4, 1, 2, 1, rng, sigma=0.5, cond_x=3.0)
    data = linrep.sample_tasks(problem, 20000, rng)
    assert data.X.shape == (2, 20000, 4) and data.Y.shape == (2, 20000, 1)
    assert data.N == 20000
    assert data.train().X.shape[0] == 1 and data.held_out().X.shape[0] == 1
    cov = data.X[0].T @ data.X[0] / 20000
    np.testing.assert_allclose(cov, problem.Sigma_x, atol=0.05)
    B = problem.F_star[0] @ problem.Phi_star
    resid = data.Y[0] - data.X[0] @ B.T
    assert abs(resid.var() - 0.25) < 5 * 0.25 * np.sqrt(2 / 20000)


def test_sample_tasks_rejects(setup):
    problem, _ = setup
    with pytest.raises(ValueError, match="N"):
        linrep.sample_tasks(problem, 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="F_star"):
        linrep.sample_tasks(
            problem, 5, np.random.default_rng(0), F_star=np.zeros((2, 3))
        )


def test_sample_tasks_custom_heads(setup):
    problem, _ = setup
    heads = np.zeros((3, problem.d_y, problem.r))
    data = linrep.sample_tasks(problem, 50, np.random.default_rng(0), F_star=heads)
    assert data.X.shape[0] == 3
    assert abs(data.Y.std() - problem.sigma) < 0.05


def test_excess_risk_closed_form_vs_monte_carlo(setup):
    problem, _ = setup
    rng = np.random.default_rng(3)
    F, Phi = rng.standard_normal((2, 3)), rng.standard_normal((3, 8))
    x = rng.standard_normal((100_000, 8)) @ np.linalg.cholesky(problem.Sigma_x).T
    D = F @ Phi - problem.F_star[1] @ problem.Phi_star
    sq = np.sum((x @ D.T) ** 2, axis=1)
    er = linrep.excess_risk(
        F, Phi, problem.F_star[1], problem.Phi_star, problem.Sigma_x
    )
    assert abs(er - sq.mean()) < 4 * sq.std(ddof=1) / np.sqrt(sq.size)


def test_excess_risk_zero_at_truth_and_batched(setup):
    problem, _ = setup
    er = linrep.excess_risk(
        problem.F_star,
        problem.Phi_star,
        problem.F_star,
        problem.Phi_star,
        problem.Sigma_x,
    )
    assert er.shape == (problem.T + 1,)
    np.testing.assert_allclose(er, 0.0, atol=1e-14)


def test_excess_risk_rejects(setup):
    problem, _ = setup
    with pytest.raises(ValueError, match="Sigma_x"):
        linrep.excess_risk(
            problem.F_star,
            problem.Phi_star,
            problem.F_star,
            problem.Phi_star,
            -problem.Sigma_x,
        )
    with pytest.raises(ValueError, match="F"):
        linrep.excess_risk(
            np.zeros((2, 5)),
            problem.Phi_star,
            problem.F_star,
            problem.Phi_star,
            problem.Sigma_x,
        )
    with pytest.raises(ValueError, match="Phi"):
        linrep.excess_risk(
            problem.F_star,
            np.zeros(3),
            problem.F_star,
            problem.Phi_star,
            problem.Sigma_x,
        )
    with pytest.raises(ValueError, match="d_x"):
        linrep.excess_risk(
            problem.F_star,
            np.zeros((2, 3)),
            problem.F_star,
            problem.Phi_star,
            problem.Sigma_x,
        )


def test_best_heads_minimise_and_pythagoras(setup):
    problem, _ = setup
    rng = np.random.default_rng(4)
    Phi = rng.standard_normal((2, 8))
    args = (problem.F_star[0], problem.Phi_star, problem.Sigma_x)
    F_b = linrep.best_heads(Phi, *args)
    inf_er = linrep.inf_excess_risk(Phi, *args)
    np.testing.assert_allclose(linrep.excess_risk(F_b, Phi, *args), inf_er, rtol=1e-12)
    F = F_b + rng.standard_normal(F_b.shape)
    S_z = Phi @ problem.Sigma_x @ Phi.T
    extra = np.trace((F - F_b) @ S_z @ (F - F_b).T)
    np.testing.assert_allclose(
        linrep.excess_risk(F, Phi, *args), inf_er + extra, rtol=1e-10
    )


def test_inf_excess_risk_zero_on_true_span(setup):
    problem, _ = setup
    Q = _random_Q(np.random.default_rng(5), 2, 10.0)
    inf_er = linrep.inf_excess_risk(
        Q @ problem.Phi_star, problem.F_star, problem.Phi_star, problem.Sigma_x
    )
    np.testing.assert_allclose(inf_er, 0.0, atol=1e-12)


def test_best_heads_rejects_rank_deficient(setup):
    problem, _ = setup
    with pytest.raises(ValueError, match="Phi"):
        linrep.best_heads(
            np.zeros((2, 8)), problem.F_star, problem.Phi_star, problem.Sigma_x
        )


def test_transfer_coefficient(setup):
    problem, _ = setup
    Phi = np.eye(8)[:2]
    inf_er = linrep.inf_excess_risk(
        Phi, problem.F_star, problem.Phi_star, problem.Sigma_x
    )
    nu = linrep.transfer_coefficient(Phi, problem)
    np.testing.assert_allclose(nu, inf_er[1:].mean() / inf_er[0], rtol=1e-12)
    with pytest.raises(ValueError, match="held-out"):
        linrep.transfer_coefficient(problem.Phi_star, problem)


def test_training_loss_and_rejects(setup):
    problem, data = setup
    train = data.train()
    loss = linrep.training_loss(problem.F_star[1:], problem.Phi_star, train)
    noise = train.Y - train.X @ np.swapaxes(problem.F_star[1:] @ problem.Phi_star, 1, 2)
    np.testing.assert_allclose(loss, np.mean(np.sum(noise**2, axis=-1)), rtol=1e-12)
    with pytest.raises(ValueError, match="F"):
        linrep.training_loss(problem.F_star, problem.Phi_star, train)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), log_kappa=st.floats(0.0, 4.0))
def test_gauge_invariance(setup, seed, log_kappa):
    """(F Q^-1, Q Phi) leaves loss, least-squares predictor and ER unchanged."""
    problem, data = setup
    rng = np.random.default_rng(seed)
    Q = _random_Q(rng, problem.r, 10.0**log_kappa) * np.exp(rng.normal())
    F, Phi = rng.standard_normal((problem.T, 2, 2)), rng.standard_normal((2, 8))
    F_Q, Phi_Q = linrep.apply_gauge(F, Phi, Q)
    tol = 1e3 * np.linalg.cond(Q) * np.finfo(float).eps
    train = data.train()
    loss = linrep.training_loss(F, Phi, train)
    assert abs(linrep.training_loss(F_Q, Phi_Q, train) / loss - 1) < tol
    heads, heads_Q = linrep.fit_heads(Phi, data), linrep.fit_heads(Phi_Q, data)
    np.testing.assert_allclose(heads_Q @ Phi_Q, heads @ Phi, rtol=0, atol=tol * 1e2)
    args = (problem.F_star, problem.Phi_star, problem.Sigma_x)
    er, er_Q = (
        linrep.excess_risk(heads, Phi, *args),
        linrep.excess_risk(heads_Q, Phi_Q, *args),
    )
    np.testing.assert_allclose(er_Q, er, rtol=tol * 1e2)
    np.testing.assert_allclose(
        linrep.inf_excess_risk(Phi_Q, *args),
        linrep.inf_excess_risk(Phi, *args),
        rtol=1e-6,
    )


def test_apply_gauge_rejects():
    F, Phi = np.ones((2, 2)), np.eye(2, 4)
    with pytest.raises(ValueError, match="Q"):
        linrep.apply_gauge(F, Phi, np.ones((2, 3)))
    with pytest.raises(ValueError, match="Q"):
        linrep.apply_gauge(F, Phi, np.ones((2, 2)))
    with pytest.raises(ValueError, match="Q"):
        linrep.apply_gauge(F, Phi, np.eye(3))


def test_diagonal_conditioner():
    Q = linrep.diagonal_conditioner(100.0, 3)
    np.testing.assert_allclose(np.diag(Q), [1.0, 0.1, 0.01])
    np.testing.assert_allclose(np.linalg.cond(Q), 100.0)
    np.testing.assert_array_equal(linrep.diagonal_conditioner(1.0, 1), np.ones((1, 1)))
    with pytest.raises(ValueError, match="kappa"):
        linrep.diagonal_conditioner(0.5, 3)
    with pytest.raises(ValueError, match="r"):
        linrep.diagonal_conditioner(2.0, 1)


def test_fit_heads_matches_lstsq(setup):
    _, data = setup
    Phi = np.random.default_rng(6).standard_normal((2, 8))
    heads = linrep.fit_heads(Phi, data)
    for t in range(data.X.shape[0]):
        ref = np.linalg.lstsq(data.X[t] @ Phi.T, data.Y[t], rcond=None)[0].T
        np.testing.assert_allclose(heads[t], ref, rtol=1e-10, atol=1e-12)


def test_fit_heads_rejects(setup):
    _, data = setup
    with pytest.raises(ValueError, match="N"):
        linrep.fit_heads(
            np.eye(2, 8), linrep.MultitaskData(data.X[:, :1], data.Y[:, :1])
        )
    with pytest.raises(ValueError, match="Phi"):
        linrep.fit_heads(np.eye(2, 5), data)


def test_pretrain_erm_stationary_and_beats_truth(setup):
    problem, data = setup
    res = linrep.pretrain_erm(data.train(), 2)
    assert res.grad_norm < 1e-6
    np.testing.assert_allclose(res.Phi @ res.Phi.T, np.eye(2), atol=1e-12)
    assert res.loss <= linrep.training_loss(
        problem.F_star[1:], problem.Phi_star, data.train()
    )
    assert np.all(np.diff(res.history) <= 1e-12)  # ALS never increases the loss
    # the heads are the least-squares heads of the representation
    np.testing.assert_allclose(
        res.F, linrep.fit_heads(res.Phi, data.train()), atol=1e-8
    )


def test_pretrain_erm_rejects_unidentifiable():
    """T * d_y < r: fewer head rows than r, the representation is not identifiable."""
    rng = np.random.default_rng(8)
    problem = linrep.make_problem(6, 1, 3, 2, rng, sigma=0.1)
    with pytest.raises(ValueError, match="r must be <= T"):
        linrep.pretrain_erm(linrep.sample_tasks(problem, 20, rng).train(), 3)


def test_pretrain_erm_rejects(setup):
    _, data = setup
    with pytest.raises(ValueError, match="r"):
        linrep.pretrain_erm(data.train(), 9)
    with pytest.raises(ValueError, match="N"):
        linrep.pretrain_erm(linrep.MultitaskData(data.X[:, :1], data.Y[:, :1]), 2)
    with pytest.raises(ValueError, match="tol"):
        linrep.pretrain_erm(data.train(), 2, tol=0.0)


def test_pretrain_gd_approaches_erm(setup):
    _, data = setup
    erm = linrep.pretrain_erm(data.train(), 2)
    gd = linrep.pretrain_gd(
        data.train(), 2, np.random.default_rng(0), eta=0.2, n_steps=3000
    )
    assert gd.history.shape == (3001,)
    assert gd.loss >= erm.loss - 1e-12
    assert gd.loss - erm.loss < 1e-6
    assert gd.history[-1] < gd.history[0]


def test_pretrain_gd_rejects(setup):
    _, data = setup
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="eta"):
        linrep.pretrain_gd(data.train(), 2, rng, eta=0.0, n_steps=3)
    with pytest.raises(ValueError, match="r"):
        linrep.pretrain_gd(data.train(), 20, rng, eta=0.1, n_steps=3)


def test_head_variance_exact_vs_monte_carlo(setup):
    problem, data = setup
    rng = np.random.default_rng(9)
    Phi = linrep.diagonal_conditioner(30.0, 2) @ problem.Phi_star
    X0 = data.X[0]
    mean_Y = X0 @ (problem.F_star[0] @ problem.Phi_star).T
    exact = linrep.head_variance(Phi, X0, problem.sigma, problem.d_y)
    Z = X0 @ Phi.T
    np.testing.assert_allclose(
        exact, problem.sigma**2 * 2 * np.trace(np.linalg.inv(Z.T @ Z)), rtol=1e-10
    )
    mc, se = linrep.head_variance_mc(Phi, X0, mean_Y, problem.sigma, 4000, rng)
    assert abs(mc - exact) < 4 * se


def test_head_variance_rejects(setup):
    _, data = setup
    with pytest.raises(ValueError, match="sigma"):
        linrep.head_variance(np.eye(2, 8), data.X[0], 0.0, 1)
    with pytest.raises(ValueError, match="X"):
        linrep.head_variance(np.eye(2, 8), data.X[0, :, :3], 1.0, 1)
    with pytest.raises(ValueError, match="full column rank"):
        linrep.head_variance(np.eye(2, 8), data.X[0, :1], 1.0, 1)
    with pytest.raises(ValueError, match="mean_Y"):
        linrep.head_variance_mc(
            np.eye(2, 8), data.X[0], np.zeros(3), 1.0, 10, np.random.default_rng(0)
        )
    with pytest.raises(ValueError, match="n_mc"):
        linrep.head_variance_mc(
            np.eye(2, 8), data.X[0], data.Y[0], 1.0, 1, np.random.default_rng(0)
        )


def test_expected_ls_excess_risk_vs_monte_carlo(setup):
    problem, _ = setup
    rng = np.random.default_rng(10)
    Phi = np.eye(8)[:2]
    N, n_runs = 12, 3000
    inf_er = linrep.inf_excess_risk(
        Phi, problem.F_star, problem.Phi_star, problem.Sigma_x
    )
    pred = linrep.expected_ls_excess_risk(inf_er, problem.d_y, problem.sigma, 2, N)
    _, _, a, b = linrep.effective_task_diversity(Phi, problem, N, n_runs, rng)
    assert abs(b.mean() - pred[0]) < 4 * b.std(ddof=1) / np.sqrt(n_runs)
    assert abs(a.mean() - pred[1:].mean()) < 4 * a.std(ddof=1) / np.sqrt(n_runs)


def test_expected_ls_excess_risk_rejects():
    with pytest.raises(ValueError, match="N"):
        linrep.expected_ls_excess_risk(0.1, 1, 1.0, 3, 4)
    with pytest.raises(ValueError, match="inf_er"):
        linrep.expected_ls_excess_risk(-0.1, 1, 1.0, 3, 10)
    with pytest.raises(ValueError, match="sigma"):
        linrep.expected_ls_excess_risk(0.1, 1, -1.0, 3, 10)


def test_effective_task_diversity_ratio_and_se(setup):
    problem, _ = setup
    nu, se, a, b = linrep.effective_task_diversity(
        np.eye(8)[:2], problem, 15, 50, np.random.default_rng(11)
    )
    np.testing.assert_allclose(nu, a.mean() / b.mean())
    assert se > 0 and a.shape == b.shape == (50,)
    with pytest.raises(ValueError, match="n_runs"):
        linrep.effective_task_diversity(
            np.eye(8)[:2], problem, 15, 1, np.random.default_rng(0)
        )


def test_finetune_gd_converges_to_least_squares(setup):
    _, data = setup
    Phi = np.eye(8)[:2]
    path = linrep.finetune_gd(Phi, data.X[0], data.Y[0], 200)
    assert path.shape == (201, 2, 2)
    np.testing.assert_array_equal(path[0], 0.0)
    target = linrep.fit_heads(Phi, data.held_out())[0]
    np.testing.assert_allclose(path[-1], target, atol=1e-8)
    with pytest.raises(ValueError, match="Y"):
        linrep.finetune_gd(Phi, data.X[0], data.Y[0, :3], 5)
    with pytest.raises(ValueError, match="X"):
        linrep.finetune_gd(Phi, data.X[0, :, :3], data.Y[0], 5)


def test_gd_finetune_iterations_bound_and_scaling(setup):
    _, data = setup
    Phi = np.eye(8)[:2]
    measured, bound = linrep.gd_finetune_iterations(Phi, data.X[0], data.Y[0], 1e-6)
    Z = data.X[0] @ Phi.T
    assert bound == iterations_to_tolerance(np.linalg.cond(Z.T @ Z), 1e-6)
    assert 0 < measured <= bound
    # pure rescaling Q = cI: same count
    assert linrep.gd_finetune_iterations(50.0 * Phi, data.X[0], data.Y[0], 1e-6)[0] == (
        measured
    )
    # ill-conditioned Q: more steps
    Phi_Q = linrep.diagonal_conditioner(10.0, 2) @ Phi
    assert (
        linrep.gd_finetune_iterations(Phi_Q, data.X[0], data.Y[0], 1e-6)[0] > measured
    )


def test_ratio_of_means_delta_method():
    rng = np.random.default_rng(12)
    b = 2.0 + rng.standard_normal(20000)
    a = 3.0 * b + 0.5 * rng.standard_normal(20000)
    ratio, se = linrep.ratio_of_means(a, b)
    np.testing.assert_allclose(ratio, a.mean() / b.mean())
    # a - ratio * b is ~ the N(0, 0.25) noise: se ~ 0.5 / (2 sqrt(n))
    np.testing.assert_allclose(se, 0.5 / (2 * np.sqrt(20000)), rtol=0.05)
    assert abs(ratio - 3.0) < 4 * se
    with pytest.raises(ValueError, match="b"):
        linrep.ratio_of_means([1.0, 2.0], [1.0, -1.0])
    with pytest.raises(ValueError, match="a and b"):
        linrep.ratio_of_means([1.0, 2.0], [1.0])


@pytest.mark.parametrize("n_steps", [0, 1, 7, 60])
def test_fit_heads_gd_matches_gd_quadratic_path(setup, n_steps):
    _, data = setup
    Phi = linrep.diagonal_conditioner(5.0, 2) @ np.eye(8)[:2]
    heads = linrep.fit_heads_gd(Phi, data, n_steps)
    for t in (0, 3):
        path = linrep.finetune_gd(Phi, data.X[t], data.Y[t], n_steps)
        np.testing.assert_allclose(heads[t], path[-1], rtol=1e-9, atol=1e-12)


def test_fit_heads_gd_converges_and_rejects(setup):
    _, data = setup
    Phi = np.eye(8)[:2]
    np.testing.assert_allclose(
        linrep.fit_heads_gd(Phi, data, 500), linrep.fit_heads(Phi, data), atol=1e-10
    )
    with pytest.raises(ValueError, match="n_steps"):
        linrep.fit_heads_gd(Phi, data, -1)
    with pytest.raises(ValueError, match="N"):
        linrep.fit_heads_gd(Phi, linrep.MultitaskData(data.X[:, :1], data.Y[:, :1]), 3)
    with pytest.raises(ValueError, match="full column rank"):
        linrep.fit_heads_gd(np.zeros((2, 8)) + np.eye(8)[:1], data, 3)


@pytest.mark.parametrize("bad", [None, "abc"])
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda p, d, g, bad: linrep.make_problem(4, 2, 2, 3, bad), "rng"),
        (lambda p, d, g, bad: linrep.sample_tasks(bad, 5, g), "problem"),
        (lambda p, d, g, bad: linrep.sample_tasks(p, 5, bad), "rng"),
        (lambda p, d, g, bad: linrep.transfer_coefficient(p.Phi_star, bad), "problem"),
        (
            lambda p, d, g, bad: linrep.effective_task_diversity(
                p.Phi_star, bad, 5, 2, g
            ),
            "problem",
        ),
        (
            lambda p, d, g, bad: linrep.effective_task_diversity(
                p.Phi_star, p, 5, 2, bad
            ),
            "rng",
        ),
        (lambda p, d, g, bad: linrep.fit_heads(p.Phi_star, bad), "data"),
        (lambda p, d, g, bad: linrep.fit_heads_gd(p.Phi_star, bad, 3), "data"),
        (lambda p, d, g, bad: linrep.training_loss(p.F_star, p.Phi_star, bad), "data"),
        (lambda p, d, g, bad: linrep.pretrain_erm(bad, 2), "data"),
        (
            lambda p, d, g, bad: linrep.pretrain_gd(bad, 2, g, eta=0.1, n_steps=1),
            "data",
        ),
        (
            lambda p, d, g, bad: linrep.pretrain_gd(d, 2, bad, eta=0.1, n_steps=1),
            "rng",
        ),
        (
            lambda p, d, g, bad: linrep.head_variance_mc(
                p.Phi_star, d.X[0], d.Y[0], 0.3, 4, bad
            ),
            "rng",
        ),
    ],
)
def test_object_arguments_are_type_checked(setup, call, name, bad):
    problem, data = setup
    with pytest.raises(TypeError, match=rf"^{name} must be a"):
        call(problem, data, np.random.default_rng(0), bad)


@pytest.mark.parametrize("func", [linrep.best_heads, linrep.inf_excess_risk])
def test_truth_arguments_are_named(setup, func):
    problem, _ = setup
    args = (problem.Phi_star, problem.F_star, problem.Phi_star, problem.Sigma_x)
    bad_F = problem.F_star.copy()
    bad_F.flat[0] = np.nan
    with pytest.raises(ValueError, match=r"^F_star must be finite"):
        func(args[0], bad_F, *args[2:])
    with pytest.raises(TypeError, match=r"^Phi_star must be numeric"):
        func(*args[:2], "abc", args[3])
    with pytest.raises(ValueError, match=r"^F_star must have shape"):
        func(args[0], problem.F_star[..., :1], *args[2:])
    with pytest.raises(ValueError, match="Phi, Phi_star and Sigma_x must share d_x"):
        func(np.eye(2, 9), *args[1:])


def test_representation_width_must_match(setup):
    problem, data = setup
    wide = np.eye(2, 9)
    with pytest.raises(ValueError, match=r"^Phi must have shape \(any, 8\)"):
        linrep.fit_heads_gd(wide, data, 3)
    with pytest.raises(ValueError, match=r"^Phi must have shape \(any, 8\)"):
        linrep.training_loss(problem.F_star[1:], wide, data.train())
    with pytest.raises(ValueError, match=r"^X must have shape \(N, 9\)"):
        linrep.gd_finetune_iterations(wide, data.X[0], data.Y[0], 1e-3)
    with pytest.raises(ValueError, match=r"^Y must have shape \(30, d_y\)"):
        linrep.gd_finetune_iterations(np.eye(2, 8), data.X[0], data.Y[0, :5], 1e-3)
