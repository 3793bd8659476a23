"""Tests for :mod:`mtlnotes.kl`: kl(q‖p) and its upper and lower inverses."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from mtlnotes.kl import kl_bernoulli, kl_inv_lower, kl_inv_upper

probs = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
inner = st.floats(min_value=1e-9, max_value=1 - 1e-9, allow_nan=False)


def _kl_scalar(q: float, p: float) -> float:
    """Textbook kl(q‖p) with 0 ln 0 = 0, in plain Python (an independent check)."""
    out = 0.0
    if q > 0:
        out += q * math.log(q / p)
    if q < 1:
        out += (1 - q) * math.log((1 - q) / (1 - p))
    return out


# --- kl_bernoulli -----------------------------------------------------------


def test_kl_matches_textbook_formula() -> None:
    q = np.array([0.1, 0.5, 0.9, 0.3])
    p = np.array([0.2, 0.5, 0.6, 0.01])
    expected = [_kl_scalar(a, b) for a, b in zip(q, p, strict=True)]
    np.testing.assert_allclose(kl_bernoulli(q, p), expected, rtol=1e-13)


def test_kl_edges() -> None:
    assert kl_bernoulli(0.0, 0.0) == 0.0
    assert kl_bernoulli(1.0, 1.0) == 0.0
    assert kl_bernoulli(0.0, 1.0) == math.inf
    assert kl_bernoulli(1.0, 0.0) == math.inf
    assert kl_bernoulli(0.3, 0.0) == math.inf
    assert kl_bernoulli(0.3, 1.0) == math.inf
    assert kl_bernoulli(0.0, 0.25) == pytest.approx(-math.log(0.75), rel=1e-15)
    assert kl_bernoulli(1.0, 0.25) == pytest.approx(-math.log(0.25), rel=1e-15)
    # q/p overflows for subnormal p, but the value is finite
    tiny = 5e-324
    want = 0.5 * (math.log(0.5) - math.log(tiny)) + 0.5 * math.log(0.5)
    assert kl_bernoulli(0.5, tiny) == pytest.approx(want, rel=1e-12)


def test_kl_broadcasts_and_returns_float_for_scalars() -> None:
    out = kl_bernoulli(np.array([[0.1], [0.2]]), np.array([0.3, 0.4, 0.5]))
    assert out.shape == (2, 3)
    assert isinstance(kl_bernoulli(0.1, 0.2), float)


def test_kl_close_arguments_is_accurate() -> None:
    # kl(q‖q+d) = d²/(2q(1-q)) + O(d³); the naive formula loses all digits here.
    q, d = 0.3, 1e-7
    second_order = d**2 / (2 * q * (1 - q))
    third = -(d**3) * (1 - 2 * q) / (3 * q**2 * (1 - q) ** 2)
    assert kl_bernoulli(q, q + d) == pytest.approx(second_order + third, rel=1e-8)


@given(q=probs, p=probs)
@settings(max_examples=100, deadline=None)
def test_pinsker(q: float, p: float) -> None:
    assert kl_bernoulli(q, p) >= 2 * (q - p) ** 2 - 1e-15


@given(i=st.integers(0, 2**40), j=st.integers(0, 2**40))
@settings(max_examples=100, deadline=None)
def test_kl_symmetry(i: int, j: int) -> None:
    # Dyadic q and p, so that 1 - q and 1 - p are exact in floating point.
    q, p = i / 2**40, j / 2**40
    a, b = kl_bernoulli(q, p), kl_bernoulli(1 - q, 1 - p)
    assert a == b or a == pytest.approx(b, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    ("q", "p", "arg"),
    [(-0.1, 0.5, "q"), (1.1, 0.5, "q"), (0.5, -1e-3, "p"), (0.5, 2.0, "p")],
)
def test_kl_rejects_out_of_range(q: float, p: float, arg: str) -> None:
    with pytest.raises(ValueError, match=arg):
        kl_bernoulli(q, p)


def test_kl_rejects_shapes_that_do_not_broadcast() -> None:
    with pytest.raises(ValueError, match=r"\bq\b.*\bp\b.*broadcast"):
        kl_bernoulli([0.1, 0.2, 0.3], [0.1, 0.2])


def test_kl_rejects_non_numeric() -> None:
    with pytest.raises(TypeError, match=r"\bq\b"):
        kl_bernoulli("abc", 0.5)
    with pytest.raises((TypeError, ValueError), match=r"\bp\b"):
        kl_bernoulli(0.5, None)


def test_kl_rejects_nan() -> None:
    with pytest.raises(ValueError, match="q"):
        kl_bernoulli(np.nan, 0.5)
    with pytest.raises(ValueError, match="p"):
        kl_bernoulli(0.5, [0.1, np.nan])


# --- inverses ---------------------------------------------------------------


@pytest.mark.parametrize("upper", [True, False])
@given(q=probs, p=probs)
@settings(max_examples=150, deadline=None)
def test_inverse_round_trip(upper: bool, q: float, p: float) -> None:
    # kl_inv_upper(lo, kl(lo‖hi)) = hi and kl_inv_lower(hi, kl(hi‖lo)) = lo.
    lo, hi = min(q, p), max(q, p)
    start, target = (lo, hi) if upper else (hi, lo)
    inverse = kl_inv_upper if upper else kl_inv_lower
    c = kl_bernoulli(start, target)
    if math.isinf(c):  # target ∈ {0, 1} and start ≠ target
        assert inverse(start, c) == target
    else:
        assert inverse(start, c) == pytest.approx(target, abs=1e-9)


@given(q=probs, c=st.floats(min_value=0.0, max_value=50.0))
@settings(max_examples=100, deadline=None)
def test_inverses_solve_the_equation(q: float, c: float) -> None:
    # Characterise the answers to within 1e-9: the constraint kl ≤ c holds 1e-9
    # inside them and fails 1e-9 outside (where that point lies in [0, 1]).
    up, low = kl_inv_upper(q, c), kl_inv_lower(q, c)
    assert low <= q <= up
    assert kl_bernoulli(q, max(up - 1e-9, q)) <= c
    assert kl_bernoulli(q, min(low + 1e-9, q)) <= c
    if up + 1e-9 <= 1:
        assert kl_bernoulli(q, up + 1e-9) > c
    if low - 1e-9 >= 0:
        assert kl_bernoulli(q, low - 1e-9) > c


def _brentq_inverse(q: float, c: float, *, upper: bool) -> float:
    """Scalar reference inverse by Brent's method on the textbook formula."""
    end = 1.0 - 1e-16 if upper else 1e-300
    if _kl_scalar(q, end) <= c:  # the root is beyond the last representable point
        return 1.0 if upper else 0.0
    a, b = (q, end) if upper else (end, q)
    return brentq(lambda x: _kl_scalar(q, x) - c, a, b, xtol=1e-15)


@pytest.mark.parametrize("upper", [True, False])
def test_inverses_match_brentq(upper: bool) -> None:
    rng = np.random.default_rng(0)
    q = rng.uniform(size=300) ** 2
    q = q if upper else 1 - q
    c = rng.exponential(0.3, size=300)
    ours = kl_inv_upper(q, c) if upper else kl_inv_lower(q, c)
    ref = [_brentq_inverse(a, b, upper=upper) for a, b in zip(q, c, strict=True)]
    np.testing.assert_allclose(ours, ref, atol=1e-12, rtol=0)


def test_inverse_closed_forms_at_the_edges() -> None:
    c = np.array([0.0, 1e-12, 0.5, 3.0, 40.0])
    # q = 0: kl(0‖p) = -ln(1-p); q = 1: kl(1‖p) = -ln p.
    np.testing.assert_allclose(kl_inv_upper(0.0, c), -np.expm1(-c), rtol=1e-14)
    np.testing.assert_allclose(kl_inv_lower(1.0, c), np.exp(-c), rtol=1e-14)
    assert np.all(kl_inv_upper(1.0, c) == 1.0)
    assert np.all(kl_inv_lower(0.0, c) == 0.0)


def test_inverse_budget_zero_and_huge() -> None:
    q = np.array([0.0, 0.2, 0.7, 1.0])
    np.testing.assert_array_equal(kl_inv_upper(q, 0.0), q)
    np.testing.assert_array_equal(kl_inv_lower(q, 0.0), q)
    for big in (1e3, 1e300, math.inf):
        np.testing.assert_array_equal(kl_inv_upper(q, big), 1.0)
        np.testing.assert_array_equal(kl_inv_lower(q, big), 0.0)


def test_tiny_lower_inverse_keeps_relative_precision() -> None:
    # kl(1/2‖p) = 20 has p ≈ e^{-40}/4: the answer is far below 1e-10.
    p = kl_inv_lower(0.5, 20.0)
    assert 0 < p < 1e-16
    assert kl_bernoulli(0.5, p) == pytest.approx(20.0, rel=1e-12)


def test_near_one_upper_inverse() -> None:
    # 1 - p ≈ 1e-200: p rounds to 1 but the result is exact to double precision.
    assert kl_inv_upper(0.5, 230.0) == 1.0
    assert kl_inv_upper(1 - 1e-12, 1e-15) == pytest.approx(1 - 1e-12, abs=1e-12)


def test_inverse_broadcasting_and_types() -> None:
    out = kl_inv_upper(np.array([0.1, 0.2, 0.3]), np.array([[0.01], [0.1]]))
    assert out.shape == (2, 3)
    assert isinstance(kl_inv_upper(0.1, 0.1), float)
    assert isinstance(kl_inv_lower(0.1, 0.1), float)
    assert kl_inv_upper(np.zeros((0,)), 0.1).shape == (0,)


def test_inverses_monotone_in_budget() -> None:
    c = np.linspace(0, 2, 50)
    assert np.all(np.diff(kl_inv_upper(0.2, c)) > 0)
    assert np.all(np.diff(kl_inv_lower(0.2, c)) < 0)


@pytest.mark.parametrize("func", [kl_inv_upper, kl_inv_lower])
def test_inverse_rejects_bad_input(func) -> None:
    with pytest.raises(ValueError, match="q"):
        func(1.5, 0.1)
    with pytest.raises(ValueError, match="q"):
        func(np.nan, 0.1)
    with pytest.raises(ValueError, match="c"):
        func(0.5, -1e-3)
    with pytest.raises(ValueError, match="c"):
        func(0.5, np.nan)
    with pytest.raises(TypeError, match="c"):
        func(0.5, "abc")
