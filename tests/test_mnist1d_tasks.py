"""Tests for the MNIST-1D loader and the generic task builder in mtlnotes.data."""

import random

import numpy as np
import pytest

from mtlnotes import data


@pytest.fixture(scope="module")
def pool():
    return data.make_mnist1d(400, "mnist_like", seed=3)


def test_make_mnist1d_shapes_balance_and_seed(pool):
    x, y = pool
    assert x.shape == (400, 40) and x.dtype == np.float32
    assert np.array_equal(np.bincount(y), np.full(10, 40))
    x2, y2 = data.make_mnist1d(400, "mnist_like", seed=3)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    x3, _ = data.make_mnist1d(400, "mnist_like", seed=4)
    assert not np.array_equal(x, x3)


def test_make_mnist1d_restores_global_rngs():
    np.random.seed(123)  # noqa: NPY002 (the state under test)
    random.seed(123)
    expected_np = np.random.rand(3)  # noqa: NPY002
    expected_py = [random.random() for _ in range(3)]
    np.random.seed(123)  # noqa: NPY002
    random.seed(123)
    data.make_mnist1d(10, seed=9)
    assert np.array_equal(np.random.rand(3), expected_np)  # noqa: NPY002
    assert [random.random() for _ in range(3)] == expected_py


def test_settings_differ_and_overrides_apply():
    default = data.mnist1d_args("default")
    like = data.mnist1d_args("mnist_like")
    assert default["max_translation"] == 48 and like["max_translation"] == 4
    assert data.mnist1d_args("mnist_like", max_translation=6)["max_translation"] == 6
    with pytest.raises(ValueError, match="setting"):
        data.mnist1d_args("mnist")
    with pytest.raises(ValueError, match="overrides"):
        data.mnist1d_args("default", bogus=1)
    with pytest.raises(ValueError, match="n_samples"):
        data.make_mnist1d(15)


def test_swap_permutation_moves_at_most_two_per_swap():
    rng = np.random.default_rng(0)
    for swaps in (0, 1, 5, 10):
        perm = data.swap_permutation(40, swaps, rng)
        assert np.array_equal(np.sort(perm), np.arange(40))
        assert np.sum(perm != np.arange(40)) <= 2 * swaps
    full = data.swap_permutation(40, None, rng)
    assert np.array_equal(np.sort(full), np.arange(40))
    with pytest.raises(ValueError, match="n_swaps"):
        data.swap_permutation(40, -1, rng)
    with pytest.raises(ValueError, match="n_positions"):
        data.swap_permutation(1, 1, rng)


@pytest.mark.parametrize("shared", [False, True])
def test_pixel_tasks_are_disjoint_permuted_copies(pool, shared):
    x, y = pool
    rng = np.random.default_rng(1)
    out = data.make_tasks(
        x,
        y,
        3,
        "pixels",
        m_train=50,
        m_fresh=60,
        n_swaps=10,
        shared_fresh=shared,
        rng=rng,
    )
    assert out.x_train.shape == (3, 50, 40) and out.x_fresh.shape == (3, 60, 40)
    assert out.n_tasks == 3 and out.m_train == 50
    # undo each task's permutation and find the rows in the pool
    rows = {r.tobytes(): i for i, r in enumerate(x)}
    seen = []
    for i in range(3):
        inv = np.argsort(out.permutations[i])
        train_ids = [rows[r.tobytes()] for r in out.x_train[i][:, inv]]
        fresh_ids = [rows[r.tobytes()] for r in out.x_fresh[i][:, inv]]
        assert np.array_equal(y[train_ids], out.y_train[i])
        assert np.array_equal(y[fresh_ids], out.y_fresh[i])
        seen.append(set(train_ids))
        assert not set(train_ids) & set(fresh_ids)
    assert not (seen[0] & seen[1]) and not (seen[1] & seen[2])
    if shared:
        assert np.array_equal(out.y_fresh[0], out.y_fresh[1])


def test_label_tasks_permute_labels_only(pool):
    x, y = pool
    out = data.make_tasks(
        x, y, 2, "labels", m_train=40, m_fresh=40, rng=np.random.default_rng(2)
    )
    rows = {r.tobytes(): i for i, r in enumerate(x)}
    for i in range(2):
        ids = [rows[r.tobytes()] for r in out.x_train[i]]
        assert np.array_equal(out.permutations[i][y[ids]], out.y_train[i])
        assert np.array_equal(np.sort(out.permutations[i]), np.arange(10))


def test_plain_arrays_of_any_width_work():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 784)).astype(np.float32)
    y = rng.integers(0, 10, size=500)
    out = data.make_tasks(
        x, y, 2, "pixels", m_train=100, m_fresh=100, n_swaps=200, rng=rng
    )
    assert out.x_train.shape == (2, 100, 784)


def test_make_tasks_bad_input(pool):
    x, y = pool
    rng = np.random.default_rng(0)
    kw = {"m_train": 10, "m_fresh": 10, "rng": rng}
    with pytest.raises(ValueError, match="family"):
        data.make_tasks(x, y, 2, "rows", **kw)
    with pytest.raises(ValueError, match="x must hold"):
        data.make_tasks(x, y, 30, "pixels", m_train=10, m_fresh=10, rng=rng)
    with pytest.raises(ValueError, match="m_train"):
        data.make_tasks(x, y, 2, m_train=0, m_fresh=10, rng=rng)
    with pytest.raises(ValueError, match="y must"):
        data.make_tasks(x, y[:-1], 2, **kw)
    with pytest.raises(ValueError, match="x must be"):
        data.make_tasks(x[0], y, 2, **kw)
    with pytest.raises(TypeError, match="rng"):
        data.make_tasks(x, y, 2, m_train=10, m_fresh=10, rng=0)


def test_mnist1d_tasks_end_to_end():
    out = data.mnist1d_tasks(
        2, "labels", m_train=30, m_fresh=20, setting="default", seed=1
    )
    assert out.x_train.shape == (2, 30, 40) and out.info["setting"] == "default"
    assert out.info["pool"] == 2 * 50
