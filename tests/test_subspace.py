"""Tests for mtlnotes.subspace: the random-subspace parametrisation and training."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from mtlnotes.subspace import (
    SubspaceNet,
    compress_and_evaluate,
    error_rates,
    make_mlp,
    train_subspace,
)

torch.use_deterministic_algorithms(True)


def _explicit_basis(net: SubspaceNet, b: int = 0) -> np.ndarray:
    """Independent dense construction of P (D x kl) from the buffers."""
    size = net.fft_len
    g = torch.fft.irfft(net.g_hat[b], n=size).double().numpy()
    shifts = net.shifts[b].numpy()
    rows = np.arange(net.dim)[:, None]
    return net.row_scale[b].double().numpy()[:, None] * g[(rows - shifts) % size]


def _random_state(net: SubspaceNet, seed: int) -> None:
    rng = np.random.default_rng(seed)
    net.set_coordinates(
        rng.standard_normal(net.alpha.shape).astype(np.float32),
        rng.standard_normal(net.v.shape).astype(np.float32)
        if net.learn_basis
        else None,
    )


def test_make_mlp_size_and_seed():
    mlp = make_mlp([5, 7, 3], seed=2)
    assert sum(p.numel() for p in mlp.parameters()) == 6 * 7 + 8 * 3
    again = make_mlp([5, 7, 3], seed=2)
    for a, b in zip(mlp.parameters(), again.parameters(), strict=True):
        assert torch.equal(a, b)
    with pytest.raises(ValueError, match="sizes"):
        make_mlp([4])
    with pytest.raises(ValueError, match="sizes"):
        make_mlp([4, 0, 2])


@pytest.mark.parametrize("per_task", [False, True])
def test_thetas_match_dense_construction(per_task):
    net = SubspaceNet(
        make_mlp([6, 5, 3]),
        3,
        4,
        2,
        learn_basis=not per_task,
        per_task_basis=per_task,
        seed=7,
    )
    _random_state(net, 0)
    alpha, v = net.alpha.detach().double().numpy(), net.v.detach().double().numpy()
    theta0 = net.theta0.double().numpy()
    got = net.thetas().detach().double().numpy()
    for i in range(3):
        p = _explicit_basis(net, i if per_task else 0)
        w = (alpha[i][:, None] * v).ravel()
        np.testing.assert_allclose(got[i], theta0 + p @ w, atol=1e-4)


@settings(max_examples=20, deadline=None)
@given(st.floats(-3, 3), st.integers(0, 1000))
def test_map_is_linear_in_alpha(c, seed):
    net = SubspaceNet(make_mlp([4, 6, 2]), 2, 3, 4, seed=seed)
    rng = np.random.default_rng(seed)
    a1 = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    a2 = torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float32)
    with torch.no_grad():
        t0 = net.theta0
        lhs = net.thetas(a1 + c * a2) - t0
        rhs = (net.thetas(a1) - t0) + c * (net.thetas(a2) - t0)
    torch.testing.assert_close(lhs, rhs, atol=1e-4, rtol=1e-4)


def test_gradients_flow_to_v_and_alpha():
    net = SubspaceNet(make_mlp([5, 4, 3]), 2, 3, 2, seed=1)
    _random_state(net, 3)
    c = torch.randn(2, net.dim, generator=torch.Generator().manual_seed(0))
    (net.thetas() * c).sum().backward()
    # independent gradient of <c, theta> from the dense P
    p = _explicit_basis(net)
    ptc = (c.double().numpy() @ p).reshape(2, 3, 2)  # (P^T c_i) as (k, l)
    alpha, v = net.alpha.detach().double().numpy(), net.v.detach().double().numpy()
    np.testing.assert_allclose(net.alpha.grad.numpy(), (ptc * v).sum(-1), rtol=1e-4)
    np.testing.assert_allclose(
        net.v.grad.numpy(), (alpha[:, :, None] * ptc).sum(0), rtol=1e-4
    )
    assert all(p.grad is None for p in net.model.parameters())


def test_fixed_basis_learns_only_alpha():
    net = SubspaceNet(make_mlp([5, 4, 3]), 3, 6, learn_basis=False, per_task_basis=True)
    assert not isinstance(net.v, nn.Parameter)
    assert net.n_learnable == 3 * 6
    shared = SubspaceNet(make_mlp([5, 4, 3]), 3, 6, 4, seed=0)
    assert shared.n_learnable == 3 * 6 + 6 * 4
    # own subspaces: the same coordinates give different models
    with torch.no_grad():
        net.alpha.fill_(1.0)
        th = net.thetas()
    assert not torch.allclose(th[0], th[1])


def test_memory_does_not_scale_with_dkl():
    model = make_mlp([64, 128, 10])
    n, k, ell = 5, 32, 64  # D * k * l ~ 2e7
    net = SubspaceNet(model, n, k, ell, seed=0)
    dim, size = net.dim, net.fft_len
    dkl = dim * k * ell
    stored = {name: t.numel() for name, t in net.named_buffers()}
    stored.update({name: t.numel() for name, t in net.named_parameters()})
    base = sum(p.numel() for p in model.parameters())
    expected = base + 2 * dim + (size // 2 + 1) + k * ell + k * ell + n * k
    assert sum(stored.values()) == expected
    assert max(stored.values()) < dkl / 100
    # every tensor saved for backward during a training step is O(n D)
    saved = []

    def pack(t):
        saved.append(t.numel())
        return t

    x = torch.rand(n, 8, 64)
    y = torch.zeros(n, 8, dtype=torch.long)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = net(x)
        nn.functional.cross_entropy(out.reshape(-1, 10), y.reshape(-1)).backward()
    assert saved and max(saved) <= n * size
    assert max(saved) < dkl / 100


def test_scale_of_generated_perturbation_monte_carlo():
    """Cov(P w) = ||w||^2 diag(sigma^2): check E[(theta - theta0)_d^2 / sigma_d^2]."""
    model = make_mlp([6, 8, 3])
    w = torch.tensor([[0.6, -0.8, 0.5]])  # ||w||^2 = 1.25
    ratios = []
    for seed in range(300):
        net = SubspaceNet(model, 1, 3, learn_basis=False, seed=seed)
        with torch.no_grad():
            net.alpha.copy_(w)
            delta = net.thetas()[0] - net.theta0
        ratios.append((delta / net.row_scale[0]).pow(2).mean().item())
    ratios = np.array(ratios)
    se = ratios.std(ddof=1) / np.sqrt(ratios.size)
    assert abs(ratios.mean() - 1.25) < 4 * se
    # sigma is the RMS of the initial values of each tensor
    first = model[0].weight.detach()
    assert net.row_scale[0, 0].abs().item() == pytest.approx(
        first.pow(2).mean().sqrt().item(), rel=1e-6
    )


def test_zero_tensor_gets_fallback_scale():
    model = make_mlp([3, 4, 2])
    with torch.no_grad():
        model[0].bias.zero_()
    net = SubspaceNet(model, 1, 2)
    scales = net.row_scale[0].abs()
    bias = scales[12:16]
    assert torch.all(bias > 0)


def test_balance_keeps_model_and_equalises_scales():
    net = SubspaceNet(make_mlp([5, 4, 3]), 3, 2, 5, seed=4)
    _random_state(net, 5)
    with torch.no_grad():
        net.v.mul_(10.0)
        before = net.thetas().clone()
    net.balance_()
    with torch.no_grad():
        torch.testing.assert_close(net.thetas(), before, atol=1e-4, rtol=1e-4)
    rms_a = net.alpha.detach().pow(2).mean(0).sqrt()
    rms_v = net.v.detach().pow(2).mean(1).sqrt()
    torch.testing.assert_close(rms_a, rms_v)
    fixed = SubspaceNet(make_mlp([5, 4, 3]), 2, 2, learn_basis=False)
    v0 = fixed.v.clone()
    fixed.balance_()
    assert torch.equal(fixed.v, v0)


def test_predict_matches_forward_and_training_reduces_loss():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(2, 40, 4, generator=gen)
    y = (x[..., 0] > x[..., 1]).long()
    net = SubspaceNet(make_mlp([4, 16, 2], seed=1), 2, 8, 4, seed=2)
    losses = train_subspace(net, x, y, steps=40, lr=0.1)
    assert len(losses) == 40 and losses[-1] < 0.7 * losses[0]
    with torch.no_grad():
        torch.testing.assert_close(net.predict(x[1], 1), net(x)[1])
        manual = (net(x).argmax(-1) != y).double().mean(1).numpy()
    np.testing.assert_allclose(error_rates(net, x, y), manual)
    seen = []
    train_subspace(net, x, y, steps=3, progress=lambda r: seen.append(r) or r)
    assert seen == [range(3)]


def test_bad_input():
    model = make_mlp([4, 3, 2])
    with pytest.raises(ValueError, match="k"):
        SubspaceNet(model, 2, 0)
    with pytest.raises(ValueError, match="l"):
        SubspaceNet(model, 2, 2, 0)
    with pytest.raises(ValueError, match="n_tasks"):
        SubspaceNet(model, 0, 2)
    with pytest.raises(ValueError, match="k \\* l"):
        SubspaceNet(model, 1, 10, 10)
    with pytest.raises(ValueError, match="per_task_basis"):
        SubspaceNet(model, 2, 2, per_task_basis=True)
    with pytest.raises(ValueError, match="model"):
        SubspaceNet(nn.ReLU(), 1, 1)
    net = SubspaceNet(model, 2, 2, 2)
    x, y = torch.rand(2, 5, 4), torch.zeros(2, 5, dtype=torch.long)
    with pytest.raises(ValueError, match="x"):
        net(torch.rand(3, 5, 4))
    with pytest.raises(ValueError, match="x"):
        train_subspace(net, torch.rand(0, 5, 4), y)
    with pytest.raises(ValueError, match="x"):
        error_rates(net, torch.rand(3, 5, 4), y)
    with pytest.raises(ValueError, match="y"):
        train_subspace(net, x, torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="steps"):
        train_subspace(net, x, y, steps=0)
    with pytest.raises(ValueError, match="lr"):
        train_subspace(net, x, y, lr=0.0)
    with pytest.raises(ValueError, match="task"):
        net.predict(x[0], 2)
    with pytest.raises(ValueError, match="alpha"):
        net.set_coordinates(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="v"):
        net.set_coordinates(np.zeros((2, 2)), np.zeros((2, 3)))


@pytest.mark.parametrize("shared", [False, True])
def test_compress_and_evaluate(shared):
    from mtlnotes.coding import compress_subspace

    gen = torch.Generator().manual_seed(1)
    x = torch.rand(2, 30, 4, generator=gen)
    y = (x[..., 0] > 0.5).long()

    def build():
        return SubspaceNet(
            make_mlp([4, 8, 2], seed=0),
            2,
            4,
            3 if shared else 1,
            learn_basis=shared,
            per_task_basis=not shared,
            seed=3,
        )

    net = build()
    train_subspace(net, x, y, steps=10, lr=0.1)
    before = net.thetas().detach().clone()
    res = compress_and_evaluate(net, (x, y, x, y), 4)
    torch.testing.assert_close(net.thetas().detach(), before)  # net untouched
    alpha = net.alpha.detach().double().numpy()
    if shared:
        code = compress_subspace(alpha, net.v.detach().double().numpy(), n_levels=4)
        assert res["bits"] == code.total_bits == res["shared_bits"] + res["task_bits"]
        qa, qv = code.task, code.shared
    else:
        codes = [compress_subspace(a[None], n_levels=4) for a in alpha]
        np.testing.assert_array_equal(res["bits"], [c.total_bits for c in codes])
        qa, qv = np.concatenate([c.task for c in codes]), None
    quant = build()
    quant.set_coordinates(qa, qv)
    np.testing.assert_array_equal(res["train_err"], error_rates(quant, x, y))
    np.testing.assert_array_equal(res["test_err"], res["train_err"])
    with pytest.raises(ValueError, match="data"):
        compress_and_evaluate(net, (x, y), 4)


def test_wrong_types_are_rejected():
    net = SubspaceNet(make_mlp([4, 3, 2]), 2, 2, 2)
    x, y = torch.rand(2, 5, 4), torch.zeros(2, 5, dtype=torch.long)
    with pytest.raises(TypeError, match="sizes"):
        make_mlp(None)
    with pytest.raises(TypeError, match="seed"):
        make_mlp([3, 2], seed="a")
    with pytest.raises(TypeError, match="model"):
        SubspaceNet("mlp", 1, 1)
    with pytest.raises(TypeError, match="seed"):
        SubspaceNet(make_mlp([3, 2]), 1, 1, seed=None)
    with pytest.raises(TypeError, match="net"):
        error_rates("net", x, y)
    with pytest.raises(TypeError, match="x"):
        train_subspace(net, "x", y)
    with pytest.raises(TypeError, match="y"):
        error_rates(net, x, None)
    with pytest.raises(TypeError, match="data"):
        compress_and_evaluate(net, None, 2)
