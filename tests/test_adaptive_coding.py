"""Tests for the adaptive (KT) and transmitted-count code lengths in mtlnotes.coding."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtlnotes.coding import (
    adaptive_decode,
    adaptive_encode,
    counts_code_length,
    index_code_bits,
    kt_code_length,
    kt_probabilities,
    subspace_code_length,
)


def _kt_sequential(symbols, n_levels):
    """Independent reference: product of the sequential KT predictions."""
    counts = np.zeros(n_levels)
    bits = 0.0
    for t, s in enumerate(symbols):
        bits -= math.log2((counts[s] + 0.5) / (t + n_levels / 2))
        counts[s] += 1
    return bits


@settings(max_examples=30, deadline=None)
@given(
    st.integers(2, 8).flatmap(
        lambda k: st.tuples(
            st.just(k), st.lists(st.integers(0, k - 1), min_size=1, max_size=60)
        )
    )
)
def test_kt_length_matches_sequential_product(args):
    k, symbols = args
    assert kt_code_length(symbols, k) == pytest.approx(_kt_sequential(symbols, k), 1e-9)
    probs = kt_probabilities(symbols, k)
    assert np.allclose(probs.sum(axis=1), 1.0)
    ideal = -np.sum(np.log2(probs[np.arange(len(symbols)), symbols]))
    assert ideal == pytest.approx(_kt_sequential(symbols, k), 1e-9)


@pytest.mark.parametrize("n_levels,size", [(2, 4), (3, 3)])
def test_both_models_are_probability_distributions(n_levels, size):
    """Kraft: sum over all sequences of 2^-L equals 1 for both models."""
    seqs = list(itertools.product(range(n_levels), repeat=size))
    kt = sum(2.0 ** -kt_code_length(s, n_levels) for s in seqs)
    cnt = sum(2.0 ** -counts_code_length(s, n_levels) for s in seqs)
    assert kt == pytest.approx(1.0, 1e-12) and cnt == pytest.approx(1.0, 1e-12)
    # and the prefix code with the flag bit satisfies Kraft's inequality
    assert sum(2.0 ** -index_code_bits(s, n_levels) for s in seqs) <= 1.0


def test_counts_length_closed_form():
    symbols = [0, 0, 1, 2, 2, 2]
    expected = math.log2(math.comb(6 + 2, 2)) + math.log2(
        math.factorial(6) / (2 * 1 * 6)
    )
    assert counts_code_length(symbols, 3) == pytest.approx(expected, 1e-12)
    assert index_code_bits(symbols, 3) == 2 + math.ceil(
        min(expected, kt_code_length(symbols, 3))
    )


@pytest.mark.parametrize(
    "n_levels,size,skew", [(16, 3000, 0.6), (4, 200, 0.0), (8, 25, 0.3)]
)
def test_range_coder_decodes_and_matches_kt_length(n_levels, size, skew):
    rng = np.random.default_rng(size)
    p = np.full(n_levels, (1 - skew) / n_levels)
    p[0] += skew
    symbols = rng.choice(n_levels, size=size, p=p)
    words = adaptive_encode(symbols, n_levels)
    assert np.array_equal(adaptive_decode(words, size, n_levels), symbols)
    ideal = kt_code_length(symbols, n_levels)
    payload = 32 * words.size
    # the coder emits whole 32-bit words: at most two words above the ideal
    # length (flush) plus a few bits of probability quantisation
    assert ideal - 1 <= payload <= ideal + 64 + 4
    # the counted length is never above the KT ideal by more than the 2 bits
    assert index_code_bits(symbols, n_levels) <= math.ceil(ideal) + 2


def test_subspace_code_accounting():
    task = np.array([[0, 1, 1, 3], [3, 3, 2, 0]])
    shared = np.array([[0, 0], [1, 2], [3, 3], [0, 1]])
    code = subspace_code_length(task, shared, 4, codebook_precision=16, grid_size=10)
    assert code.header_bits == 4 and code.codebook_bits == 64
    assert code.shared_bits == index_code_bits(shared, 4)
    assert code.task_bits == index_code_bits(task, 4)
    assert code.total_bits == 4 + 64 + code.shared_bits + code.task_bits
    alone = subspace_code_length(task, None, 4, codebook_precision=32)
    assert alone.shared_bits == 0 and alone.header_bits == 0
    assert alone.codebook_bits == 128
    assert index_code_bits([], 4) == 0


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="symbols"):
        kt_code_length([0, 5], 4)
    with pytest.raises(ValueError, match="symbols"):
        counts_code_length([0.5], 4)
    with pytest.raises(ValueError, match="n_levels"):
        index_code_bits([0], 0)
    with pytest.raises(ValueError, match="codebook_precision"):
        subspace_code_length([0], None, 2, codebook_precision=8)
    with pytest.raises(ValueError, match="grid_size"):
        subspace_code_length([0], None, 2, grid_size=0)
    with pytest.raises(ValueError, match="n_levels"):
        adaptive_encode([0, 0], 1)
    with pytest.raises(ValueError, match="symbols"):
        adaptive_encode([], 4)
    with pytest.raises(ValueError, match="size"):
        adaptive_decode(np.zeros(1, np.uint32), 0, 4)
