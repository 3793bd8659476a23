"""Tests for mtlnotes.coding: universal integer code, codebooks, range coding."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtlnotes.coding import (
    CompressedSubspace,
    compress_subspace,
    elias_delta_length,
    fit_codebook,
    quantize,
    range_decode,
    range_encode,
)


def _elias_delta_string(n: int) -> str:
    """Independent reference: the delta code word of n as a bit string."""
    binary = bin(n)[2:]
    length = bin(len(binary))[2:]
    gamma = "0" * (len(length) - 1) + length
    return gamma + binary[1:]


def test_elias_delta_known_words():
    assert [_elias_delta_string(n) for n in (1, 2, 3, 4, 8)] == [
        "1",
        "0100",
        "0101",
        "01100",
        "00100000",
    ]
    values = np.array([1, 2, 3, 4, 8, 17, 2**20, 2**40 + 3])
    expected = [len(_elias_delta_string(int(n))) for n in values]
    np.testing.assert_array_equal(elias_delta_length(values), expected)


def test_elias_delta_is_prefix_free_and_satisfies_kraft():
    words = [_elias_delta_string(n) for n in range(1, 300)]
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            assert not b.startswith(a) and not a.startswith(b)
    kraft = np.sum(2.0 ** -elias_delta_length(np.arange(1, 10**6)))
    assert 0.9 < kraft <= 1.0


def test_elias_delta_rejects_bad_input():
    with pytest.raises(ValueError, match="n must"):
        elias_delta_length(0)
    with pytest.raises(ValueError, match="n must"):
        elias_delta_length(2.5)
    assert int(elias_delta_length(4.0)) == 5


def test_fit_codebook_recovers_clusters():
    rng = np.random.default_rng(0)
    centres = np.array([-2.0, 0.5, 3.0])
    x = rng.choice(centres, size=300) + 1e-3 * rng.standard_normal(300)
    book = fit_codebook(x, 3)
    assert book.dtype == np.float32
    np.testing.assert_allclose(book, centres, atol=1e-3)
    # Lloyd's fixed point: each centre is the mean of its cell.
    labels = quantize(x, book)
    for j in range(3):
        assert book[j] == pytest.approx(x[labels == j].mean(), abs=1e-6)


def test_fit_codebook_no_worse_than_its_quantile_start():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(500)
    book = fit_codebook(x, 8)
    start = np.quantile(x, (np.arange(8) + 0.5) / 8)
    err = np.mean((x - book[quantize(x, book)]) ** 2)
    err0 = np.mean((x - start[quantize(x, start)]) ** 2)
    assert err <= err0 + 1e-9


def test_fit_codebook_rejects_bad_input():
    with pytest.raises(ValueError, match="n_levels"):
        fit_codebook([1.0, 2.0], 0)
    with pytest.raises(ValueError, match="n_levels"):
        fit_codebook([1.0, 2.0], 3)
    with pytest.raises(ValueError, match="values"):
        fit_codebook([np.nan, 1.0], 1)


def test_quantize_nearest_and_bad_codebook():
    book = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(
        quantize([-5.0, -0.4, 0.9, 1.1, 7.0], book), [0, 1, 1, 2, 2]
    )
    with pytest.raises(ValueError, match="codebook"):
        quantize([1.0], [])


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=1, max_value=12).flatmap(
        lambda k: st.tuples(
            st.just(k),
            st.lists(st.integers(0, k - 1), min_size=1, max_size=300),
        )
    )
)
def test_range_coder_round_trips(args):
    n_levels, symbols = args
    code = range_encode(symbols, n_levels)
    np.testing.assert_array_equal(range_decode(code), symbols)
    assert code.bits > 0
    assert code.counts.sum() == len(symbols)


def _entropy_bits(symbols: np.ndarray, n_levels: int) -> float:
    p = np.bincount(symbols, minlength=n_levels) / symbols.size
    p = p[p > 0]
    return float(-symbols.size * np.sum(p * np.log2(p)))


@pytest.mark.parametrize("n_levels", [2, 4, 16, 64])
def test_range_payload_close_to_empirical_information(n_levels):
    rng = np.random.default_rng(n_levels)
    symbols = rng.integers(0, n_levels, size=2000)
    info = _entropy_bits(symbols, n_levels)
    code = range_encode(symbols, n_levels)
    assert info <= code.payload_bits <= info + 0.01 * symbols.size + 2 * 32


def test_bits_grow_with_entropy():
    rng = np.random.default_rng(3)
    bits = []
    for spread in (1, 2, 4, 8, 16):  # uniform over `spread` of 16 symbols
        symbols = rng.integers(0, spread, size=1000)
        bits.append(range_encode(symbols, 16).bits)
    assert all(a < b for a, b in itertools.pairwise(bits))


def test_range_encode_rejects_bad_symbols():
    with pytest.raises(ValueError, match="symbols"):
        range_encode([], 3)
    with pytest.raises(ValueError, match="symbols"):
        range_encode([0, 3], 3)
    with pytest.raises(ValueError, match="symbols"):
        range_encode([0.5], 3)
    with pytest.raises(ValueError, match="n_levels"):
        range_encode([0], 0)


def test_compress_subspace_accounting():
    rng = np.random.default_rng(4)
    alpha = rng.standard_normal((5, 4))
    v = rng.standard_normal((4, 8))
    res = compress_subspace(alpha, v, n_levels=8)
    assert isinstance(res, CompressedSubspace)
    book = res.codebook
    assert set(np.unique(res.task)) <= set(book) and res.shared.shape == (4, 8)
    # dequantised values are the nearest codebook entries of the inputs
    np.testing.assert_array_equal(res.task, book[quantize(alpha, book)])
    # independent recount of |E(G)| and |E_G|
    header = elias_delta_length(np.array([4, 9, 8])).sum()
    v_code = range_encode(quantize(v, book), 8)
    a_code = range_encode(quantize(alpha, book), 8)
    assert res.shared_bits == header + 32 * 8 + v_code.bits
    assert res.task_bits == a_code.bits
    assert res.total_bits == res.shared_bits + res.task_bits


def test_compress_subspace_without_shared_part():
    alpha = np.linspace(-1, 1, 12).reshape(1, 12)
    res = compress_subspace(alpha, None, n_levels=4)
    header = elias_delta_length(np.array([12, 1, 4])).sum()
    assert res.shared_bits == header + 32 * 4
    assert res.shared.size == 0 and res.task_bits > 0


def test_more_levels_cost_more_bits():
    rng = np.random.default_rng(5)
    alpha = rng.standard_normal((10, 20))
    bits = [compress_subspace(alpha, n_levels=k).total_bits for k in (2, 4, 8, 16)]
    assert all(a < b for a, b in itertools.pairwise(bits))


def test_compress_subspace_rejects_bad_input():
    with pytest.raises(ValueError, match="task"):
        compress_subspace(np.zeros(3))
    with pytest.raises(ValueError, match="task"):
        compress_subspace(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="shared"):
        compress_subspace(np.zeros((2, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="n_levels"):
        compress_subspace(np.zeros((1, 2)), n_levels=3)


def test_wrong_types_are_rejected():
    with pytest.raises(TypeError, match="n must"):
        elias_delta_length("abc")
    with pytest.raises(TypeError, match="code"):
        range_decode("stream")
