"""Tests for minibatch training, quantisation-aware fine-tuning and quantisation."""

import copy

import numpy as np
import pytest
import torch

from mtlnotes import subspace
from mtlnotes.coding import index_code_bits
from mtlnotes.subspace import (
    SubspaceNet,
    error_rates,
    make_cnn,
    qat_finetune,
    quantize_net,
    train_minibatch,
    transfer_net,
)

torch.use_deterministic_algorithms(True)


def _toy(n_tasks=2, m=64, seed=0):
    """Linearly separable 40-dim toy tasks (labels from a random linear map)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n_tasks, m, 40, generator=gen)
    w = torch.randn(40, 10, generator=gen)
    return x, (x @ w).argmax(dim=-1)


def test_make_cnn_parameter_count_and_seed():
    for c, expected in [(24, 4858), (56, 22074), (8, 858)]:
        net = make_cnn(c)
        assert sum(p.numel() for p in net.parameters()) == expected
        assert net(torch.zeros(3, 40)).shape == (3, 10)
    a, b = make_cnn(8, seed=1), make_cnn(8, seed=1)
    assert all(
        torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )
    with pytest.raises(ValueError, match="channels"):
        make_cnn(0)
    with pytest.raises(ValueError, match="length"):
        make_cnn(8, length=4)


def test_dense_projector_matches_its_matrix():
    net = SubspaceNet(make_cnn(8), 2, 4, 8, projector="dense", seed=3)
    with torch.no_grad():
        net.alpha.normal_()
    w = (net.alpha[:, :, None] * net.v[None]).reshape(2, -1)
    expected = net.theta0 + w @ net.dense[0].T
    assert torch.allclose(net.thetas(), expected, atol=1e-5)
    with pytest.raises(ValueError, match="projector"):
        SubspaceNet(make_cnn(8), 2, 4, 8, projector="sparse")


def test_train_minibatch_reduces_loss_and_is_seeded():
    x, y = _toy()
    nets = [SubspaceNet(make_cnn(8), 2, 8, 16, seed=0) for _ in range(2)]
    runs = [train_minibatch(n, x, y, steps=60, batch_size=32, lr=0.02) for n in nets]
    assert runs[0] == runs[1]
    assert np.mean(runs[0][-10:]) < np.mean(runs[0][:10]) - 0.2
    with pytest.raises(ValueError, match="batch_size"):
        train_minibatch(nets[0], x, y, steps=1, batch_size=0)
    with pytest.raises(ValueError, match="steps"):
        train_minibatch(nets[0], x, y, steps=0)


def test_error_rates_chunks_agree():
    x, y = _toy(m=50)
    net = SubspaceNet(make_cnn(8), 2, 4, 8)
    whole = error_rates(net, x, y, batch_size=50)
    assert np.array_equal(whole, error_rates(net, x, y, batch_size=7))
    manual = (net(x).argmax(-1) != y).double().mean(1).numpy()
    assert np.allclose(whole, manual)


def test_ste_gradients_straight_through_and_summed_to_centroids():
    flat = torch.tensor([[0.1, 0.9, 1.2, -0.4]], requires_grad=True)
    books = torch.tensor([[0.0, 1.0]], requires_grad=True)
    out = subspace._ste_quantize(flat, books)
    assert torch.equal(out.detach(), torch.tensor([[0.0, 1.0, 1.0, 0.0]]))
    weights = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    (out * weights).sum().backward()
    assert torch.equal(flat.grad, weights)  # straight through
    assert torch.equal(books.grad, torch.tensor([[1.0 + 4.0, 2.0 + 3.0]]))


@pytest.mark.parametrize("shared", [True, False])
def test_qat_returns_a_coded_model_on_its_codebook(shared):
    x, y = _toy()
    net = SubspaceNet(
        make_cnn(8),
        2,
        8,
        16 if shared else 1,
        learn_basis=shared,
        per_task_basis=not shared,
    )
    train_minibatch(net, x, y, steps=40, batch_size=32, lr=0.02)
    before = copy.deepcopy(net)
    q = qat_finetune(net, x, y, n_levels=4, steps=30, batch_size=32, lr=0.01)
    groups = 1 if shared else 2
    assert q.codebooks.shape == (groups, 4)
    # codebooks are stored at 16 bits: exactly representable in float16
    assert np.array_equal(
        q.codebooks, q.codebooks.astype(np.float16).astype(np.float64)
    )
    values = q.alpha.double().numpy()
    for g in range(groups):
        row = values if shared else values[g]
        assert np.isin(row.astype(np.float32), q.codebooks[g].astype(np.float32)).all()
    if shared:
        assert isinstance(q.bits, int)
        code = q.codes[0]
        assert code.task_bits == index_code_bits(q.alpha_index, 4)
        assert code.shared_bits == index_code_bits(q.v_index, 4)
        assert code.codebook_bits == 64
    else:
        assert q.bits.shape == (2,)
        assert q.bits[1] == 64 + index_code_bits(q.alpha_index[1], 4)
    # the quantised model is the one error_rates sees with q.alpha, q.v
    err = error_rates(net, x, y, alpha=q.alpha, v=q.v)
    assert np.all((0 <= err) & (err <= 1))
    assert not torch.equal(before.alpha, net.alpha)  # fine-tuning moved it


def test_quantize_net_with_given_codebook_and_32_bits():
    net = SubspaceNet(make_cnn(8), 2, 4, 8)
    with torch.no_grad():
        net.alpha.normal_()
    books = np.array([[-1.0, 0.0, 0.5, 1.0]])
    q16 = quantize_net(net, 4, codebooks=books)
    q32 = quantize_net(net, 4, codebooks=books, codebook_precision=32)
    assert q32.bits - q16.bits == 4 * 16
    with pytest.raises(ValueError, match="codebooks"):
        quantize_net(net, 4, codebooks=np.zeros((2, 4)))
    with pytest.raises(ValueError, match="n_levels"):
        quantize_net(net, 10_000)
    with pytest.raises(ValueError, match="codebook_precision"):
        quantize_net(net, 4, codebook_precision=8)


def test_transfer_net_keeps_q_and_learns_alpha_only():
    x, y = _toy(n_tasks=2)
    net = SubspaceNet(make_cnn(8), 2, 4, 8, seed=5)
    train_minibatch(net, x, y, steps=20, batch_size=16, lr=0.02)
    new = transfer_net(net, 1)
    assert torch.equal(new.v, net.v) and not new.v.requires_grad
    assert torch.equal(new.g_hat, net.g_hat) and torch.equal(new.theta0, net.theta0)
    v0 = new.v.clone()
    train_minibatch(new, x[:1], y[:1], steps=10, batch_size=16, lr=0.02)
    assert torch.equal(new.v, v0) and new.alpha.abs().sum() > 0
    fixed = SubspaceNet(make_cnn(8), 2, 4, 1, learn_basis=False)
    with pytest.raises(ValueError, match="learned basis"):
        transfer_net(fixed)
