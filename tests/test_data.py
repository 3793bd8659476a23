"""Tests for mtlnotes.data: multitask digits."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from mtlnotes.data import make_digit_tasks, stack_tasks


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    return (d.data / 16.0).astype(np.float32), d.target


def _row_key(x: np.ndarray) -> set[bytes]:
    return {row.tobytes() for row in np.sort(x, axis=1)}


def test_permuted_pixels_tasks(digits):
    x_all, y_all = digits
    tasks = make_digit_tasks(4, "pixels", n_train=100, n_test=50, seed=3)
    assert len(tasks) == 4
    for t in tasks:
        assert t.x_train.shape == (100, 64) and t.x_test.shape == (50, 64)
        assert t.x_train.dtype == np.float32 and t.y_train.dtype == np.int64
        assert sorted(t.permutation) == list(range(64))
        # undoing the permutation gives original digits with their own labels
        inverse = np.argsort(t.permutation)
        originals = {row.tobytes(): lab for row, lab in zip(x_all, y_all, strict=True)}
        for row, lab in zip(t.x_train[:, inverse], t.y_train, strict=True):
            assert originals[row.tobytes()] == lab
    assert not np.array_equal(tasks[0].permutation, tasks[1].permutation)


def test_permuted_labels_tasks(digits):
    x_all, y_all = digits
    tasks = make_digit_tasks(3, "labels", n_train=80, seed=1)
    originals = {row.tobytes(): lab for row, lab in zip(x_all, y_all, strict=True)}
    for t in tasks:
        assert sorted(t.permutation) == list(range(10))
        for row, lab in zip(t.x_test, t.y_test, strict=True):
            assert t.permutation[originals[row.tobytes()]] == lab
        # default n_test: the remaining images split equally
        assert t.x_test.shape[0] == (1797 - 3 * 80) // 3


def test_tasks_are_disjoint_and_seeded():
    tasks = make_digit_tasks(5, "pixels", n_train=200, seed=0)
    keys = [_row_key(np.vstack([t.x_train, t.x_test])) for t in tasks]
    total = sum(len(k) for k in keys)
    assert len(set().union(*keys)) == total  # pixel multisets: no image reused
    again = make_digit_tasks(5, "pixels", n_train=200, seed=0)
    other = make_digit_tasks(5, "pixels", n_train=200, seed=1)
    np.testing.assert_array_equal(tasks[2].x_train, again[2].x_train)
    assert not np.array_equal(tasks[2].x_train, other[2].x_train)


def test_stack_tasks_shapes():
    tasks = make_digit_tasks(3, "labels", n_train=40, n_test=10, seed=0)
    x_tr, y_tr, x_te, y_te = stack_tasks(tasks)
    assert x_tr.shape == (3, 40, 64) and y_tr.shape == (3, 40)
    assert x_te.shape == (3, 10, 64) and y_te.shape == (3, 10)
    np.testing.assert_array_equal(x_tr[1], tasks[1].x_train)
    with pytest.raises(ValueError, match="tasks"):
        stack_tasks([])
    mixed = tasks[:1] + make_digit_tasks(1, "labels", n_train=30, n_test=10)
    with pytest.raises(ValueError, match="tasks"):
        stack_tasks(mixed)


def test_bad_input():
    with pytest.raises(ValueError, match="n_tasks"):
        make_digit_tasks(0)
    with pytest.raises(ValueError, match="kind"):
        make_digit_tasks(2, "rotations")
    with pytest.raises(ValueError, match="n_train"):
        make_digit_tasks(2, n_train=0)
    with pytest.raises(ValueError, match="n_train"):
        make_digit_tasks(2, n_train=1000)
    with pytest.raises(ValueError, match="n_tasks"):
        make_digit_tasks(10, n_train=100, n_test=100)


def test_wrong_types_are_rejected():
    with pytest.raises(TypeError, match="tasks"):
        stack_tasks("abc")
    with pytest.raises(TypeError, match="seed"):
        make_digit_tasks(2, seed=None)
