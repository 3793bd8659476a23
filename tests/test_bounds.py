"""Tests for :mod:`mtlnotes.bounds`: Occam and fast-rate bounds, code lengths."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtlnotes.bounds import (
    codebook_code_bits,
    dense_code_bits,
    elias_gamma_bits,
    fast_rate_bound,
    fast_rate_budget,
    occam_bound,
    pinsker_fast_rate_bound,
    sparse_code_bits,
)
from mtlnotes.kl import kl_bernoulli

risks = st.floats(min_value=0.0, max_value=1.0)
bit_counts = st.floats(min_value=0.0, max_value=1e5)
sizes = st.integers(min_value=1, max_value=10**7)
deltas = st.floats(min_value=1e-12, max_value=1 - 1e-9)

ALL_BOUNDS = [occam_bound, fast_rate_bound, pinsker_fast_rate_bound]


# --- the bounds -------------------------------------------------------------


def test_occam_bound_formula() -> None:
    got = occam_bound(0.1, 100, 1000, 0.05)
    want = 0.1 + math.sqrt((100 * math.log(2) + math.log(2 / 0.05)) / 2000)
    assert got == pytest.approx(want, rel=1e-14)


def test_fast_rate_bound_solves_kl_equation() -> None:
    emp, bits, m, delta = 0.05, 200, 5000, 0.01
    budget = (bits * math.log(2) + math.log(2 * math.sqrt(m) / delta)) / m
    assert fast_rate_budget(bits, m, delta) == pytest.approx(budget, rel=1e-14)
    r = fast_rate_bound(emp, bits, m, delta)
    assert r > emp
    assert kl_bernoulli(emp, r) == pytest.approx(budget, rel=1e-10)


def test_fast_rate_zero_error_closed_form_and_one_over_m() -> None:
    m = np.array([10, 100, 10_000, 10**6])
    c = fast_rate_budget(50, m, 0.05)
    got = fast_rate_bound(0.0, 50, m, 0.05)
    np.testing.assert_allclose(got, -np.expm1(-c), rtol=1e-13)
    assert np.all(got <= c)  # p ≤ kl(0‖p) = -ln(1-p)


def test_pinsker_relaxation_matches_occam_with_sqrt_m_term() -> None:
    emp, bits, m, delta = 0.2, 30, 400, 0.1
    via_occam = occam_bound(emp, bits, m, delta / math.sqrt(m))
    assert pinsker_fast_rate_bound(emp, bits, m, delta) == pytest.approx(via_occam)


@given(emp=risks, bits=bit_counts, m=sizes, delta=deltas)
@settings(max_examples=100, deadline=None)
def test_fast_rate_between_emp_risk_and_pinsker(
    emp: float, bits: float, m: int, delta: float
) -> None:
    fast = fast_rate_bound(emp, bits, m, delta)
    assert emp <= fast <= 1.0
    assert fast <= pinsker_fast_rate_bound(emp, bits, m, delta) + 1e-12


@pytest.mark.parametrize("bound", ALL_BOUNDS)
@given(emp=risks, bits=bit_counts, m=sizes, delta=deltas, scale=st.floats(1.01, 10))
@settings(max_examples=60, deadline=None)
def test_bounds_monotone(
    bound, emp: float, bits: float, m: int, delta: float, scale: float
) -> None:
    base = bound(emp, bits, m, delta)
    assert bound(emp, bits * scale + 1, m, delta) >= base - 1e-12
    assert bound(emp, bits, math.ceil(m * scale), delta) <= base + 1e-12
    assert bound(emp, bits, m, delta / scale) >= base - 1e-12
    assert bound(min(emp + 0.01, 1.0), bits, m, delta) >= base - 1e-12


@pytest.mark.parametrize("bound", ALL_BOUNDS)
def test_bounds_broadcast_and_scalars(bound) -> None:
    out = bound(np.array([0.0, 0.1, 0.3]), 10, np.array([[100], [1000]]), 0.05)
    assert out.shape == (2, 3)
    assert np.all(np.diff(out, axis=1) > 0) and np.all(out[1] < out[0])
    assert isinstance(bound(0.1, 10, 100, 0.05), float)


def test_fast_rate_wins_at_small_risk_and_loses_at_large() -> None:
    m, bits, delta = 10_000, 100, 0.05
    assert fast_rate_bound(0.0, bits, m, delta) < occam_bound(0.0, bits, m, delta)
    assert fast_rate_bound(0.5, bits, m, delta) > occam_bound(0.5, bits, m, delta)


@pytest.mark.parametrize("bound", [*ALL_BOUNDS, None])
@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((1.2, 10, 100, 0.1), "emp_risk"),
        ((-0.1, 10, 100, 0.1), "emp_risk"),
        ((np.nan, 10, 100, 0.1), "emp_risk"),
        ((0.1, -1, 100, 0.1), "bits"),
        ((0.1, np.nan, 100, 0.1), "bits"),
        ((0.1, 10, 0, 0.1), "m"),
        ((0.1, 10, 2.5, 0.1), "m"),
        ((0.1, 10, 100, 0.0), "delta"),
        ((0.1, 10, 100, 1.0), "delta"),
        ((0.1, 10, 100, np.nan), "delta"),
    ],
)
def test_bounds_reject_bad_input(bound, args: tuple, name: str) -> None:
    if bound is None:  # the budget takes (bits, m, delta)
        if name == "emp_risk":
            return
        bound, args = (lambda *a: fast_rate_budget(*a[1:])), args
    with pytest.raises(ValueError, match=name):
        bound(*args)


def test_m_must_be_numeric() -> None:
    with pytest.raises(TypeError, match="m"):
        occam_bound(0.1, 10, "many", 0.1)


# --- prefix-free code lengths -----------------------------------------------


def _gamma_codeword(n: int) -> str:
    """Elias gamma codeword, written out (independent reference)."""
    binary = bin(n)[2:]
    return "0" * (len(binary) - 1) + binary


def test_elias_gamma_lengths_match_codewords_and_are_prefix_free() -> None:
    words = [_gamma_codeword(n) for n in range(1, 600)]
    np.testing.assert_array_equal(
        elias_gamma_bits(np.arange(1, 600)), [len(w) for w in words]
    )
    for a, b in itertools.combinations(words[:120], 2):
        assert not b.startswith(a) and not a.startswith(b)
    # Kraft: Σ 2^{-len} over n < 2^K is 1 - 2^{-K}.
    lengths = elias_gamma_bits(np.arange(1, 2**12))
    assert np.sum(2.0 ** -lengths.astype(float)) == pytest.approx(1 - 2**-12)


def test_elias_gamma_exact_at_powers_of_two() -> None:
    k = np.arange(0, 53)
    n = 2**k
    np.testing.assert_array_equal(elias_gamma_bits(n), 2 * k + 1)
    np.testing.assert_array_equal(elias_gamma_bits(n[1:] - 1), 2 * (k[1:] - 1) + 1)
    assert elias_gamma_bits(1) == 1 and isinstance(elias_gamma_bits(5), int)


def test_dense_code_bits() -> None:
    assert dense_code_bits(21840) == 32 * 21840
    assert dense_code_bits(10, bits_per_value=16) == 160
    np.testing.assert_array_equal(dense_code_bits([1, 2, 3]), [32, 64, 96])


def test_sparse_code_bits_formula_and_prefix_free_by_enumeration() -> None:
    assert sparse_code_bits(1000, 5) == 10 + 5 * (10 + 32)  # ⌈log2 1001⌉ = 10
    assert sparse_code_bits(1024, 0) == 11
    assert sparse_code_bits(1, 1) == 1 + 32
    # Enumerate every codeword for D = 4 with 1-bit values: Kraft sum ≤ 1.
    d, b = 4, 1
    total = 0.0
    for s in range(d + 1):
        n_words = math.comb(d, s) * (2**b) ** s  # sorted positions, any values
        total += n_words * 2.0 ** -sparse_code_bits(d, s, bits_per_value=b)
    assert total <= 1.0


def test_codebook_code_bits_formula() -> None:
    # K = 16 codebook values: gamma(16) = 9 bits, 16 floats, 4-bit ids.
    assert codebook_code_bits(1000, 16) == 9 + 16 * 32 + 1000 * 4
    assert codebook_code_bits(1000, 1) == 1 + 32  # one value, ids need 0 bits
    assert codebook_code_bits(8, 5) == 5 + 5 * 32 + 8 * 3
    np.testing.assert_array_equal(
        codebook_code_bits(100, [2, 3, 4]), [3 + 64 + 100, 3 + 96 + 200, 5 + 128 + 200]
    )


@given(d=st.integers(1, 10**6), k=st.integers(1, 4096))
@settings(max_examples=100, deadline=None)
def test_codebook_ids_are_ceil_log2(d: int, k: int) -> None:
    ids = codebook_code_bits(d, k) - (2 * (k.bit_length() - 1) + 1) - 32 * k
    assert ids == d * (k - 1).bit_length()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: elias_gamma_bits(0), "n"),
        (lambda: elias_gamma_bits(2.5), "n"),
        (lambda: elias_gamma_bits(2**54), "n"),
        (lambda: dense_code_bits(0), "dim"),
        (lambda: dense_code_bits(5, bits_per_value=0), "bits_per_value"),
        (lambda: sparse_code_bits(10, 11), "nnz"),
        (lambda: sparse_code_bits(10, -1), "nnz"),
        (lambda: sparse_code_bits(0, 0), "dim"),
        (lambda: codebook_code_bits(10, 0), "codebook_size"),
        (lambda: codebook_code_bits(10, np.inf), "codebook_size"),
    ],
)
def test_code_lengths_reject_bad_input(call, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        call()


def test_code_lengths_reject_non_numeric() -> None:
    with pytest.raises(TypeError, match="n"):
        elias_gamma_bits("three")
    with pytest.raises(TypeError, match="dim"):
        dense_code_bits(True)
