"""Tests for the Fashion-MNIST loader and tasks (mtlnotes.data), on small idx files
written here, and on the real files where Debian's package is installed."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from mtlnotes.data import (
    FASHION_MNIST_DIR,
    FASHION_MNIST_FILES,
    fashion_mnist_tasks,
    load_fashion_mnist,
    make_tasks,
    read_idx,
)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write ``array`` (uint8) as a gzip idx file: magic 0x0000 08 D, sizes, data."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    with gzip.open(path, "wb") as handle:
        handle.write(header + np.ascontiguousarray(array, np.uint8).tobytes())


@pytest.fixture
def tiny(tmp_path):
    """A folder with the four files: 40 training and 12 test 28x28 images."""
    rng = np.random.default_rng(0)
    arrays = (
        rng.integers(0, 256, (40, 28, 28), dtype=np.uint8),
        np.arange(40, dtype=np.uint8) % 10,
        rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
        np.arange(12, dtype=np.uint8) % 10,
    )
    for name, array in zip(FASHION_MNIST_FILES, arrays, strict=True):
        write_idx(tmp_path / name, array)
    return tmp_path, arrays


def test_read_idx_round_trip(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.gz", array)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz"), array)
    write_idx(tmp_path / "b.gz", array[0, 0])
    np.testing.assert_array_equal(read_idx(tmp_path / "b.gz"), array[0, 0])


@pytest.mark.parametrize(
    "raw",
    [
        b"\x00\x00\x0d\x01\x00\x00\x00\x01\x00",  # float32 type code
        b"\x01\x00\x08\x01\x00\x00\x00\x01\x00",  # bad magic
        b"\x00\x00\x08\x04\x00\x00\x00\x01",  # 4 dimensions
        b"\x00\x00\x08\x01\x00\x00\x00\x05\x00",  # header says 5 bytes, has 1
    ],
)
def test_read_idx_rejects_bad_files(tmp_path, raw):
    with gzip.open(tmp_path / "bad.gz", "wb") as handle:
        handle.write(raw)
    with pytest.raises(ValueError, match="path"):
        read_idx(tmp_path / "bad.gz")


def test_load_scales_flattens_and_keeps_labels(tiny):
    folder, (xtr, ytr, xte, yte) = tiny
    x_train, y_train, x_test, y_test = load_fashion_mnist(folder)
    assert x_train.shape == (40, 784) and x_test.shape == (12, 784)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    np.testing.assert_allclose(x_train, xtr.reshape(40, -1) / 127.5 - 1.0, atol=1e-6)
    np.testing.assert_allclose(x_test, xte.reshape(12, -1) / 127.5 - 1.0, atol=1e-6)
    np.testing.assert_array_equal(y_train, ytr)
    np.testing.assert_array_equal(y_test, yte)
    assert x_train.min() >= -1.0 and x_train.max() <= 1.0


def test_path_argument_environment_and_default(tiny, monkeypatch, tmp_path_factory):
    folder, _ = tiny
    monkeypatch.setenv("MTLNOTES_FASHION_MNIST", str(folder))
    assert load_fashion_mnist()[0].shape == (40, 784)  # the variable is used
    empty = tmp_path_factory.mktemp("empty")
    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist"):
        load_fashion_mnist(empty)  # an argument beats the variable
    monkeypatch.delenv("MTLNOTES_FASHION_MNIST")
    if not Path(FASHION_MNIST_DIR).is_dir():
        with pytest.raises(FileNotFoundError, match=FASHION_MNIST_DIR):
            load_fashion_mnist()


def test_missing_file_names_the_files(tiny):
    folder, _ = tiny
    (folder / FASHION_MNIST_FILES[3]).unlink()
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist(folder)
    message = str(info.value)
    assert f"missing {FASHION_MNIST_FILES[3]}. " in message
    assert "dataset-fashion-mnist" in message
    assert all(name in message for name in FASHION_MNIST_FILES)


def test_mismatched_images_and_labels(tiny):
    folder, (_, ytr, _, _) = tiny
    write_idx(folder / FASHION_MNIST_FILES[1], ytr[:-1])
    with pytest.raises(ValueError, match="train images"):
        load_fashion_mnist(folder)


@pytest.mark.parametrize("family", ["pixels", "labels"])
def test_tasks_disjoint_and_fresh_from_the_test_split(tiny, family):
    folder, (xtr, ytr, xte, _) = tiny
    data = fashion_mnist_tasks(4, family, m_train=10, m_fresh=12, seed=3, path=folder)
    assert data.x_train.shape == (4, 10, 784) and data.x_fresh.shape == (4, 12, 784)
    x_train = xtr.reshape(40, -1) / 127.5 - 1.0
    x_test = xte.reshape(12, -1) / 127.5 - 1.0
    for i in range(4):
        if family == "pixels":
            inverse = np.argsort(data.permutations[i])
            seen = data.x_train[i][:, inverse]
            fresh = data.x_fresh[i][:, inverse]
        else:
            seen, fresh = data.x_train[i], data.x_fresh[i]
        # every training row is a training image, every fresh row a test image
        match = (np.abs(seen[:, None, :] - x_train[None]).max(-1) < 1e-6).argmax(1)
        np.testing.assert_allclose(seen, x_train[match], atol=1e-6)
        fresh_match = (np.abs(fresh[:, None, :] - x_test[None]).max(-1) < 1e-6).sum(1)
        assert (fresh_match >= 1).all()
        if family == "labels":
            np.testing.assert_array_equal(
                data.y_train[i], data.permutations[i][ytr[match]]
            )
    # the shared fresh block: the same test images in every task, in the same order
    if family == "labels":
        np.testing.assert_array_equal(data.x_fresh[0], data.x_fresh[3])
    used = data.x_train.reshape(40, 784) if family == "labels" else None
    if used is not None:
        assert len({row.tobytes() for row in used}) == 40  # disjoint: all 40 images


def test_pixel_tasks_use_200_swaps_by_default(tiny):
    folder, _ = tiny
    data = fashion_mnist_tasks(2, "pixels", m_train=10, m_fresh=5, path=folder)
    moved = (data.permutations != np.arange(784)).sum(axis=1)
    assert data.info["n_swaps"] == 200 and (moved <= 400).all() and (moved > 0).all()
    assert data.info["dataset"] == "fashion_mnist"


def test_too_many_tasks_or_fresh(tiny):
    folder, _ = tiny
    with pytest.raises(ValueError, match="x must hold"):
        fashion_mnist_tasks(5, m_train=10, m_fresh=5, path=folder)
    with pytest.raises(ValueError, match="fresh_pool"):
        fashion_mnist_tasks(2, m_train=10, m_fresh=13, path=folder)
    with pytest.raises(ValueError, match="seed"):
        fashion_mnist_tasks(2, m_train=10, m_fresh=5, seed=-1, path=folder)


def test_make_tasks_fresh_pool_validation():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 3)), np.arange(20) % 2
    with pytest.raises(ValueError, match="fresh_pool inputs"):
        make_tasks(x, y, 2, m_train=5, m_fresh=2, fresh_pool=(x[:, :2], y), rng=rng)
    with pytest.raises(ValueError, match="fresh_pool labels"):
        make_tasks(x, y, 2, m_train=5, m_fresh=2, fresh_pool=(x, y[:3]), rng=rng)
    with pytest.raises(ValueError, match="fresh_pool labels"):
        make_tasks(x, y, 2, m_train=5, m_fresh=2, fresh_pool=(x, y + 5), rng=rng)
    out = make_tasks(x, y, 2, m_train=10, m_fresh=3, fresh_pool=(x, y), rng=rng)
    assert out.x_fresh.shape == (2, 3, 3) and out.info["fresh_pool"]


@pytest.mark.skipif(
    not Path(FASHION_MNIST_DIR).is_dir(), reason="dataset-fashion-mnist not installed"
)
def test_real_files_have_the_published_sizes():
    x_train, y_train, x_test, y_test = load_fashion_mnist()
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10


def test_slides_convnet_has_the_slides_d_and_shapes():
    import torch

    from mtlnotes.subspace import make_slides_convnet

    net = make_slides_convnet(seed=1)
    assert sum(p.numel() for p in net.parameters()) == 21840
    out = net(torch.zeros(3, 784))
    assert out.shape == (3, 10)
    again = make_slides_convnet(seed=1)
    for a, b in zip(net.parameters(), again.parameters(), strict=True):
        assert torch.equal(a, b)
    with pytest.raises(ValueError, match="seed"):
        make_slides_convnet(seed=-1)
