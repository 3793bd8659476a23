"""Tests for mtlnotes.ntk: empirical and analytic NTK, prior samples, MAP training."""

import numpy as np
import pytest
import torch

from mtlnotes.kernels import kernel_ridge_predict
from mtlnotes.ntk import (
    NTKMLP,
    empirical_ntk,
    make_mlp,
    mlp_forward,
    relu_kernels,
    relu_ntk,
    relu_output_kurtosis,
    sample_prior_outputs,
    train_map,
)

torch.use_deterministic_algorithms(True)


def _sphere(n, d=3, seed=0):
    z = np.random.default_rng(seed).standard_normal((n, d))
    return z / np.linalg.norm(z, axis=1, keepdims=True)


def test_make_mlp_shapes_and_dtype():
    net = make_mlp(3, 7, 2, seed=0)
    assert isinstance(net, NTKMLP)
    shapes = [tuple(p.shape) for p in net.parameters()]
    assert shapes == [(7, 3), (7, 7), (1, 7)]
    assert all(p.dtype == torch.float64 for p in net.parameters())
    assert net(torch.zeros(4, 3, dtype=torch.float64)).shape == (4,)


def test_make_mlp_is_seeded():
    a, b = make_mlp(3, 5, 1, seed=4), make_mlp(3, 5, 1, seed=4)
    assert all(
        torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )


def test_mlp_forward_matches_hand_computation():
    net = make_mlp(2, 3, 1, seed=1)
    w1, w2 = (p.detach().numpy() for p in net.parameters())
    x = np.array([[0.3, -1.2], [1.0, 0.5]])
    h = np.maximum(x @ w1.T / np.sqrt(2), 0) * np.sqrt(2 / 3)
    expected = (h @ w2.T)[:, 0]
    out = mlp_forward(list(net.parameters()), torch.from_numpy(x))
    np.testing.assert_allclose(out.detach().numpy(), expected, atol=1e-12)


def test_empirical_ntk_equals_per_pair_autograd():
    net = make_mlp(3, 4, 2, seed=2)
    x1, x2 = _sphere(3, seed=1), _sphere(2, seed=2)

    def grad_at(x):
        out = net(torch.from_numpy(x[None]))[0]
        return torch.cat(
            [g.reshape(-1) for g in torch.autograd.grad(out, list(net.parameters()))]
        )

    expected = np.array([[float(grad_at(a) @ grad_at(b)) for b in x2] for a in x1])
    np.testing.assert_allclose(empirical_ntk(net, x1, x2), expected, atol=1e-12)


def test_empirical_ntk_symmetric_psd():
    K = empirical_ntk(make_mlp(3, 16, 2, seed=3), _sphere(10))
    np.testing.assert_allclose(K, K.T, atol=1e-12)
    assert np.linalg.eigvalsh(K).min() > -1e-10


def test_empirical_ntk_accepts_tensors():
    net = make_mlp(3, 8, 1, seed=0)
    x = _sphere(4)
    np.testing.assert_allclose(
        empirical_ntk(net, torch.from_numpy(x)), empirical_ntk(net, x)
    )


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_analytic_kernels_symmetric_psd(depth):
    x = _sphere(12)
    for k in (relu_ntk(x, depth=depth), relu_kernels(x, depth=depth)[0]):
        np.testing.assert_allclose(k, k.T, atol=1e-14)
        assert np.linalg.eigvalsh(k).min() > -1e-12


def test_analytic_diagonal_closed_form():
    # On the diagonal phi = 0: Sigma_L = |x|^2/d and Theta_L = (L + 1)|x|^2/d.
    x = 2.0 * _sphere(5, d=4)
    for depth in (1, 2, 4):
        np.testing.assert_allclose(np.diag(relu_kernels(x, depth=depth)[0]), 1.0)
        np.testing.assert_allclose(np.diag(relu_ntk(x, depth=depth)), depth + 1.0)


def test_analytic_depth_one_formula():
    x1, x2 = _sphere(4, seed=5), _sphere(3, seed=6)
    g = x1 @ x2.T / 3
    phi = np.arccos(np.clip(g * 3, -1, 1))
    nngp = (np.sin(phi) + (np.pi - phi) * np.cos(phi)) / (3 * np.pi)
    np.testing.assert_allclose(relu_kernels(x1, x2, depth=1)[0], nngp, atol=1e-14)
    np.testing.assert_allclose(
        relu_ntk(x1, x2, depth=1), g * (np.pi - phi) / np.pi + nngp, atol=1e-14
    )


def test_relu_kernels_returns_both():
    x1, x2 = _sphere(3, seed=1), _sphere(4, seed=2)
    nngp, ntk_ = relu_kernels(x1, x2, depth=3)
    np.testing.assert_array_equal(ntk_, relu_ntk(x1, x2, depth=3))
    np.testing.assert_allclose(relu_ntk(x2, x1, depth=3), ntk_.T, atol=1e-14)
    np.testing.assert_allclose(relu_kernels(x2, x1, depth=3)[0], nngp.T, atol=1e-14)
    assert np.all(ntk_ >= nngp)  # Theta_L = Sigma_L + nonnegative terms for these x


def test_zero_input_gives_zero_kernel():
    x = np.vstack([np.zeros(3), _sphere(2)])
    assert np.all(relu_ntk(x, depth=2)[0] == 0)


@pytest.mark.parametrize(("depth", "width", "rtol"), [(1, 4096, 0.04), (2, 512, 0.1)])
def test_empirical_ntk_matches_analytic_at_large_width(depth, width, rtol):
    # Average of independent empirical NTKs is unbiased-ish; spread shrinks as
    # 1/sqrt(width * seeds).  Tolerance: a few standard errors.
    x = _sphere(6, seed=9)
    Ks = np.stack(
        [empirical_ntk(make_mlp(3, width, depth, seed=s), x) for s in range(4)]
    )
    mean, se = Ks.mean(0), Ks.std(0, ddof=1) / 2
    theta = relu_ntk(x, depth=depth)
    assert np.all(np.abs(mean - theta) < 4 * se + 0.01 * theta.max())
    assert np.linalg.norm(mean - theta) / np.linalg.norm(theta) < rtol


@pytest.mark.parametrize(("depth", "width"), [(1, 256), (2, 64)])
def test_prior_covariance_is_nngp_not_ntk(depth, width):
    x = _sphere(3, seed=4)
    f = sample_prior_outputs(x, width=width, depth=depth, n_samples=8_000, seed=0)
    cov = f.T @ f / len(f)
    se = np.sqrt((np.einsum("si,sj->sij", f, f)).var(0) / len(f))
    nngp = relu_kernels(x, depth=depth)[0]
    assert np.all(np.abs(cov - nngp) < 4 * se + 2 * nngp.max() / width)
    assert np.all(np.abs(np.diag(cov) - np.diag(relu_ntk(x, depth=depth))) > 0.3)


def test_sample_prior_outputs_matches_make_mlp_forward():
    x = _sphere(4)
    f = sample_prior_outputs(x, width=5, depth=2, n_samples=3, seed=0)
    assert f.shape == (3, 4)
    # first network built from the same generator stream has the same W1 rows
    gen = torch.Generator().manual_seed(0)
    w = [torch.randn(3, o, i, generator=gen, dtype=torch.float64)
         for i, o in [(3, 5), (5, 5), (5, 1)]]  # fmt: skip
    direct = mlp_forward([t[1] for t in w], torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(f[1], direct, atol=1e-12)


def test_output_kurtosis_monte_carlo():
    x = _sphere(1)
    for width in (2, 8):
        f = sample_prior_outputs(x, width=width, depth=1, n_samples=400_000, seed=width)
        f = f[:, 0]
        z = f.reshape(40, -1)
        k_batches = (z**4).mean(1) / (z**2).mean(1) ** 2 - 3
        se = k_batches.std(ddof=1) / np.sqrt(len(k_batches))
        assert abs(k_batches.mean() - relu_output_kurtosis(width)) < 4 * se + 0.05


def test_train_map_linear_regime_matches_ntk_ridge():
    x = _sphere(8, seed=3)
    y = np.sin(2 * x[:, 0])
    net = make_mlp(3, 1024, 1, seed=0)
    lam = 0.5
    K = empirical_ntk(net, x)
    lr = 1.0 / (np.linalg.eigvalsh(K).max() + lam)
    trained, gnorm = train_map(net, x, y, lam, steps=100, lr=lr)
    t = torch.from_numpy(x)
    with torch.no_grad():
        pred = (trained(t) - net(t)).numpy()
    ridge = kernel_ridge_predict(K, K, y, lam)
    assert np.linalg.norm(pred - ridge) / np.linalg.norm(ridge) < 0.02
    assert gnorm < 0.05
    # the input model is untouched
    assert torch.equal(
        next(net.parameters()), next(make_mlp(3, 1024, 1, seed=0).parameters())
    )


def test_train_map_zero_anchor_differs_and_zero_steps_is_identity():
    x = _sphere(6, seed=1)
    y = x[:, 0]
    net = make_mlp(3, 256, 1, seed=0)
    same, g0 = train_map(net, x, y, 0.5, steps=0, lr=0.1)
    assert all(
        torch.equal(p, q)
        for p, q in zip(same.parameters(), net.parameters(), strict=True)
    )
    assert g0 > 0
    a, _ = train_map(net, x, y, 0.5, steps=30, lr=0.2, anchor="init")
    b, _ = train_map(net, x, y, 0.5, steps=30, lr=0.2, anchor="zero")
    t = torch.from_numpy(x)
    with torch.no_grad():
        assert (a(t) - b(t)).abs().max() > 1e-3


def _tm(**kw):
    """Call train_map on a tiny problem with keyword overrides."""
    args = {"x": np.ones((2, 3)), "y": np.ones(2), "lam": 1.0, "steps": 1, "lr": 0.1}
    args.update(kw)
    return train_map(make_mlp(3, 2, 1, seed=0), **args)


def _sp(**kw):
    """Call sample_prior_outputs on a tiny problem with keyword overrides."""
    args = {"width": 2, "depth": 1, "n_samples": 2, "seed": 0, **kw}
    return sample_prior_outputs(np.ones((2, 3)), **args)


_NET = make_mlp(3, 2, 1, seed=0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: make_mlp(3, 0, 1, seed=0), "width"),
        (lambda: make_mlp(3, 4, 0, seed=0), "depth"),
        (lambda: make_mlp(0, 4, 1, seed=0), "d_in"),
        (lambda: relu_ntk(np.ones((2, 3)), depth=0), "depth"),
        (lambda: relu_kernels(np.ones(3), depth=1)[0], "x1"),
        (lambda: relu_ntk(np.ones((2, 3)), np.ones((2, 4)), depth=1), "x2"),
        (lambda: empirical_ntk(_NET, np.ones(3)), "x1"),
        (lambda: empirical_ntk(_NET, np.ones((2, 3)), np.ones((2, 2))), "x2"),
        (lambda: _sp(width=0), "width"),
        (lambda: _sp(depth=0), "depth"),
        (lambda: _sp(n_samples=0), "n_samples"),
        (lambda: relu_output_kurtosis(0), "width"),
        (lambda: _tm(lam=-1.0), "lam"),
        (lambda: _tm(lr=0.0), "lr"),
        (lambda: _tm(y=np.ones(3)), "y"),
        (lambda: _tm(steps=-1), "steps"),
        (lambda: _tm(anchor="x"), "anchor"),
    ],
)
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def _gen():
    return torch.Generator().manual_seed(0)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: NTKMLP(3, 0, 1, _gen()), ValueError, r"\bwidth\b"),
        (lambda: NTKMLP(3, -1, 1, _gen()), ValueError, r"\bwidth\b"),
        (lambda: NTKMLP(3, 2.5, 1, _gen()), TypeError, r"\bwidth\b"),
        (lambda: NTKMLP(0, 4, 1, _gen()), ValueError, r"\bd_in\b"),
        (lambda: NTKMLP(None, 4, 1, _gen()), TypeError, r"\bd_in\b"),
        (lambda: NTKMLP(3, 4, 0, _gen()), ValueError, r"\bdepth\b"),
        (lambda: NTKMLP(3, 4, "2", _gen()), TypeError, r"\bdepth\b"),
        (lambda: NTKMLP(3, 4, 1, None), TypeError, r"\bgenerator\b"),
        (lambda: NTKMLP(3, 4, 1, 0), TypeError, r"\bgenerator\b"),
        (lambda: make_mlp(3, 4, 1, seed=None), TypeError, r"\bseed\b"),
        (lambda: empirical_ntk("net", np.ones((2, 3))), TypeError, r"\bmodel\b"),
        (lambda: empirical_ntk(None, np.ones((2, 3))), TypeError, r"\bmodel\b"),
        (lambda: empirical_ntk(_NET, np.ones((2, 4))), ValueError, r"\bx1\b.*\(n, 3\)"),
        (
            lambda: train_map(None, np.ones((2, 3)), np.ones(2), 1.0, steps=1, lr=0.1),
            TypeError,
            r"\bmodel\b",
        ),
        (lambda: _tm(start="net"), TypeError, r"\bstart\b"),
        (lambda: _tm(start=make_mlp(3, 4, 1, seed=0)), ValueError, r"\bstart\b"),
        (lambda: mlp_forward("abc", torch.ones(2, 3)), TypeError, r"\bweights\b"),
        (lambda: mlp_forward(None, torch.ones(2, 3)), TypeError, r"\bweights\b"),
        (lambda: mlp_forward([], torch.ones(2, 3)), TypeError, r"\bweights\b"),
        (
            lambda: mlp_forward([np.ones((2, 3))], torch.ones(2, 3)),
            TypeError,
            r"\bweights\b",
        ),
        (lambda: mlp_forward(list(_NET.parameters()), "abc"), TypeError, r"\bx\b"),
        (lambda: mlp_forward(list(_NET.parameters()), None), TypeError, r"\bx\b"),
    ],
)
def test_wrong_types_and_sizes_name_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def _scalar_module(lin):
    """Wrap a linear layer as a scalar-output module ``(n, d) -> (n,)``."""

    class Scalar(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = lin

        def forward(self, x):
            return self.lin(x)[..., 0]

    return Scalar()


def test_ntkmlp_records_its_input_dimension_and_accepts_integral_floats():
    net = NTKMLP(3.0, 4, 2, _gen())
    assert net.d_in == 3
    assert [tuple(p.shape) for p in net.parameters()] == [(4, 3), (4, 4), (1, 4)]
    # a generic module (not an NTKMLP) is accepted; its input size is not known
    lin = torch.nn.Linear(3, 1).double()
    K = empirical_ntk(_scalar_module(lin), np.ones((2, 3)))
    assert K.shape == (2, 2)


def test_train_map_start_continues_training_exactly():
    x = _sphere(6, seed=2)
    y = np.cos(x[:, 1])
    net = make_mlp(3, 32, 1, seed=1)
    for anchor in ("init", "zero"):
        once, g_once = train_map(net, x, y, 0.3, steps=20, lr=0.1, anchor=anchor)
        half, _ = train_map(net, x, y, 0.3, steps=10, lr=0.1, anchor=anchor)
        twice, g_twice = train_map(
            net, x, y, 0.3, steps=10, lr=0.1, anchor=anchor, start=half
        )
        assert all(
            torch.equal(p, q)
            for p, q in zip(once.parameters(), twice.parameters(), strict=True)
        )
        assert g_once == g_twice
    # start is not modified, and steps=0 from start returns start's parameters
    same, _ = train_map(net, x, y, 0.3, steps=0, lr=0.1, start=half)
    assert all(
        torch.equal(p, q)
        for p, q in zip(same.parameters(), half.parameters(), strict=True)
    )
