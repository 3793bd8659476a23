"""Tests for mtlnotes.mgf: the exact kl moment-generating function."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtlnotes._validate import check_sizes
from mtlnotes.kl import kl_bernoulli
from mtlnotes.mgf import (
    kl_mgf,
    log_blowup_lower_bound,
    log_kl_mgf,
    log_kl_mgf_binned,
    logit_grid,
    maurer_xi_bounds,
    sup_kl_mgf,
)


def brute_force_mgf(sizes: list[int], mu: float, lam: float) -> float:
    """Enumerate all 2^N outcomes of the Bernoulli sample (tiny N only)."""
    n, bounds = len(sizes), np.cumsum([0, *sizes])
    total = 0.0
    for z in itertools.product((0, 1), repeat=int(sum(sizes))):
        means = [sum(z[bounds[i] : bounds[i + 1]]) / sizes[i] for i in range(n)]
        ones = sum(z)
        prob = mu**ones * (1 - mu) ** (len(z) - ones)
        total += prob * math.exp(n * lam * kl_bernoulli(sum(means) / n, mu))
    return total


def maurer_xi(big_n: int) -> float:
    """Σ_k C(N,k) (k/N)^k (1-k/N)^(N-k) with exact rational arithmetic."""
    from fractions import Fraction

    acc = Fraction(0)
    for k in range(big_n + 1):
        acc += (
            math.comb(big_n, k)
            * Fraction(k, big_n) ** k
            * Fraction(big_n - k, big_n) ** (big_n - k)
        )
    return float(acc)


@pytest.mark.parametrize(
    ("sizes", "mu", "lam"),
    [
        ([1], 0.3, 1.0),
        ([3], 0.1, 2.0),
        ([2, 3], 0.3, 2.0),
        ([1, 4], 0.05, 3.0),
        ([2, 2, 3], 0.6, 1.5),
        ([1, 2, 3], 0.2, 0.0),
        ([4, 4], 0.9, 4.0),
        ([2, 3, 6], 0.4, 2.5),  # atoms with equal (value, count) merge
    ],
)
def test_matches_brute_force(sizes, mu, lam):
    assert kl_mgf(sizes, mu, lam) == pytest.approx(
        brute_force_mgf(sizes, mu, lam), rel=1e-12
    )


@pytest.mark.parametrize("big_n", [1, 2, 5, 17, 40])
def test_balanced_equals_maurer_sum_for_every_mu(big_n):
    mu = np.array([1e-250, 1e-6, 0.3, 0.5, 1 - 1e-9])
    expect = maurer_xi(big_n)
    np.testing.assert_allclose(kl_mgf([big_n], mu, big_n), expect, rtol=1e-12)


def test_lambda_zero_is_one():
    np.testing.assert_allclose(kl_mgf([3, 5, 7], [0.1, 0.5], 0.0), 1.0, rtol=1e-13)


def test_large_balanced_is_stable_and_near_asymptotic():
    value = kl_mgf([1000] * 1000, np.array([1e-300, 1 - 1e-15]), 1000.0)
    big_n = 10**6
    # ξ(N) = sqrt(πN/2) + 2/3 + O(N^{-1/2})
    np.testing.assert_allclose(value, math.sqrt(math.pi * big_n / 2) + 2 / 3, rtol=1e-5)
    assert np.all(np.isfinite(value))


def test_broadcasting_shape():
    mu = np.array([0.1, 0.2, 0.3])[:, None]
    lam = np.array([1.0, 2.0])[None, :]
    out = kl_mgf([2, 3], mu, lam)
    assert out.shape == (3, 2)
    assert out[1, 0] == pytest.approx(kl_mgf([2, 3], 0.2, 1.0), rel=1e-14)


def test_blow_up_above_min_size_and_bounded_below():
    mus = np.array([1e-20, 1e-40, 1e-80])
    above = log_kl_mgf([2, 5], mus, 2.5)
    # ln M ≈ (λ - m_min) ln(1/μ) + const: slope 0.5 per unit of ln(1/μ)
    slopes = np.diff(above) / np.diff(-np.log(mus))
    np.testing.assert_allclose(slopes, 0.5, rtol=1e-3)
    below = kl_mgf([2, 5], mus, 2.0)
    assert np.all(below <= maurer_xi(4) + 1e-12)


def test_overflow_raises_but_log_is_finite():
    assert math.isfinite(log_kl_mgf([1, 2], 1e-300, 5.0))
    with pytest.raises(OverflowError, match="log_kl_mgf"):
        kl_mgf([1, 2], 1e-300, 5.0)


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    mu=st.floats(1e-6, 1 - 1e-6),
    lam=st.floats(0.0, 8.0),
)
def test_mgf_at_least_one(sizes, mu, lam):
    assert kl_mgf(sizes, mu, lam) >= 1.0 - 1e-12


@settings(max_examples=30, deadline=None)
@given(
    m=st.integers(1, 8),
    n=st.integers(1, 4),
    mu=st.floats(1e-4, 1 - 1e-4),
    lam=st.floats(0.0, 10.0),
)
def test_balanced_path_equals_convolution_path(m, n, mu, lam):
    # Equal sizes use the Binomial(mn) law of the total; compare against an
    # explicit convolution of the n per-task Binomial(m) laws.
    probs = np.array(
        [math.comb(m, t) * mu**t * (1 - mu) ** (m - t) for t in range(m + 1)]
    )
    law = np.array([1.0])
    for _ in range(n):
        law = np.convolve(law, probs)
    v = np.arange(n * m + 1) / (n * m)
    expect = sum(
        p * math.exp(n * lam * kl_bernoulli(x, mu)) for p, x in zip(law, v, strict=True)
    )
    assert kl_mgf([m] * n, mu, lam) == pytest.approx(expect, rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(lam1=st.floats(0.0, 5.0), lam2=st.floats(0.0, 5.0), mu=st.floats(0.01, 0.99))
def test_monotone_in_lambda(lam1, lam2, mu):
    lo, hi = sorted((lam1, lam2))
    assert kl_mgf([2, 3], mu, lo) <= kl_mgf([2, 3], mu, hi) * (1 + 1e-12)


def test_monte_carlo_agrees():
    rng = np.random.default_rng(0)
    sizes, mu, lam = np.array([3, 5, 8]), 0.3, 2.0
    counts = rng.binomial(sizes, mu, size=(200_000, 3))
    mu_hat = (counts / sizes).mean(axis=1)
    q = mu_hat
    kl = np.where(q > 0, q * np.log(np.where(q > 0, q, 1) / mu), 0.0) + np.where(
        q < 1, (1 - q) * np.log(np.where(q < 1, 1 - q, 1) / (1 - mu)), 0.0
    )
    samples = np.exp(3 * lam * kl)
    se = samples.std() / math.sqrt(samples.size)
    assert abs(samples.mean() - kl_mgf(sizes, mu, lam)) < 4 * se


def test_logit_grid_and_sup():
    grid = logit_grid(101, 1e-9)
    assert grid[0] == pytest.approx(1e-9, rel=1e-6)
    np.testing.assert_allclose(grid[::-1], 1 - grid, atol=1e-15)
    log_sup, arg = sup_kl_mgf([4], 4.0, grid)
    assert log_sup == pytest.approx(math.log(maurer_xi(4)), rel=1e-12)
    assert 0 < arg < 1
    log_sup2, arg2 = sup_kl_mgf([2, 5], np.array([1.0, 3.0]), grid)
    assert log_sup2.shape == (2,)
    assert arg2[1] == pytest.approx(1e-9, rel=1e-6)  # blow-up: sup at the edge
    default, _ = sup_kl_mgf([3], 3.0)
    assert default == pytest.approx(math.log(maurer_xi(3)), rel=1e-12)


def test_too_many_atoms_raises():
    with pytest.raises(ValueError, match="sizes"):
        kl_mgf(list(range(1, 60)), 0.5, 1.0)  # common denominator too large
    with pytest.raises(ValueError, match="atoms"):
        kl_mgf([1500, 3000, 6000], 0.5, 1.0)  # too many (value, count) atoms
    with pytest.raises(ValueError, match="sizes"):
        kl_mgf([997, 991, 983, 977, 971, 967], 0.5, 1.0)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"sizes": []}, "sizes"),
        ({"sizes": [2.5, 3]}, "sizes"),
        ({"sizes": [0, 3]}, "sizes"),
        ({"sizes": [[2, 3]]}, "sizes"),
        ({"sizes": ["a"]}, "sizes"),
        ({"sizes": [True]}, "sizes"),
        ({"mu": 0.0}, "mu"),
        ({"mu": 1.0}, "mu"),
        ({"mu": 1.5}, "mu"),
        ({"lam": -1.0}, "lam"),
        ({"lam": math.inf}, "lam"),
    ],
)
def test_bad_input(kwargs, name):
    args = {"sizes": [2, 3], "mu": 0.3, "lam": 1.0, **kwargs}
    with pytest.raises(ValueError, match=name):
        kl_mgf(**args)


def test_bad_shapes_and_grid():
    with pytest.raises(ValueError, match="mu and lam"):
        kl_mgf([2, 3], np.array([0.1, 0.2]), np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="num"):
        logit_grid(1)
    with pytest.raises(ValueError, match="eps"):
        logit_grid(10, 0.7)
    for bad_num in (2.5, "abc", None, np.nan):
        with pytest.raises(TypeError, match=r"\bnum\b"):
            logit_grid(bad_num)
    with pytest.raises(ValueError, match=r"\beps\b"):
        logit_grid(10, np.nan)
    with pytest.raises(ValueError, match=r"\beps\b"):
        logit_grid(10, [1e-3, 1e-4])
    for bad_eps in ("abc", None):
        with pytest.raises((TypeError, ValueError), match=r"\beps\b"):
            logit_grid(10, bad_eps)
    np.testing.assert_array_equal(logit_grid(11.0, 1e-6), logit_grid(11, 1e-6))
    with pytest.raises(ValueError, match="mu"):
        sup_kl_mgf([2], 1.0, np.ones((2, 2)) / 2)
    assert check_sizes((3, 4)).dtype == np.int64


def test_maurer_xi_bounds_sandwich_exact_values():
    big_n = np.r_[1:60, 100, 1000]
    lower, upper = maurer_xi_bounds(big_n)
    exact = np.array([maurer_xi(int(k)) for k in big_n[:59]])
    assert np.all(lower[:59] <= exact) and np.all(exact <= upper[:59])
    xi_1000 = kl_mgf([1000], 0.5, 1000)
    assert lower[-1] <= xi_1000 <= upper[-1]
    assert maurer_xi_bounds(1) == (2.0, 2.0)
    with pytest.raises(ValueError, match="big_n"):
        maurer_xi_bounds(2.5)
    with pytest.raises(ValueError, match="big_n"):
        maurer_xi_bounds(0)


def test_log_blowup_lower_bound():
    mus = np.array([1e-3, 1e-10, 1e-30])
    event = log_blowup_lower_bound([3, 8, 20], mus, 4.0)
    exact = log_kl_mgf([3, 8, 20], mus, 4.0)
    assert np.all(event <= exact)
    assert exact[-1] - event[-1] < 1e-6  # the event carries the expectation as mu -> 0
    # single task: Pr(all ones) exp(lam kl(1 || mu)) = mu^m mu^(-lam)
    assert log_blowup_lower_bound([5], 0.3, 2.0) == pytest.approx(3 * math.log(0.3))
    with pytest.raises(ValueError, match="mu"):
        log_blowup_lower_bound([5], 0.0, 2.0)


# --- the binned moment-generating function (many distinct sizes) ----------------


@pytest.mark.parametrize("sizes", [[3, 8, 20], [5, 7, 11, 13], [2, 30, 45, 60]])
@pytest.mark.parametrize("mu", [0.5, 0.7, 0.2, 1e-2, 1e-4, 1e-8])
def test_binned_matches_exact_law(sizes, mu):
    lams = np.array([1.0, min(sizes) - 0.5, float(min(sizes))])
    exact = log_kl_mgf(sizes, mu, lams)
    binned = log_kl_mgf_binned(sizes, mu, lams)
    # the mean-preserving split can only raise the value (convex order) ...
    assert np.all(binned >= exact - 1e-10)
    # ... by a second-order amount: 1e-4 at the default grid
    assert np.all(binned - exact < 1e-4)


def test_binned_exact_on_commensurate_grid_and_balanced():
    # with cells a multiple of every size the grid holds every atom: exact
    exact = log_kl_mgf([10, 10, 10], 0.5, 10.0)
    assert log_kl_mgf_binned([10, 10, 10], 0.5, 10.0, cells=100) == pytest.approx(
        exact, abs=1e-12
    )
    assert exact == pytest.approx(math.log(maurer_xi(30)), abs=1e-12)
    # off the grid the flat balanced integrand is the hardest case; error ~ cells^-2
    err = [
        log_kl_mgf_binned([10, 10, 10], 0.3, 10.0, cells=c) - exact for c in (17, 34)
    ]
    assert 0 < err[1] < err[0] / 3


def test_binned_symmetry_and_shape():
    sizes = [50, 120, 700, 3000]
    a = log_kl_mgf_binned(sizes, np.array([[0.1], [0.9]]), np.array([10.0, 50.0]))
    assert a.shape == (2, 2)
    assert np.allclose(a[0], a[1], atol=1e-12)  # M_mu = M_{1-mu}
    assert np.all(np.diff(a, axis=1) > 0)  # increasing in lambda


def test_binned_many_distinct_sizes_below_maurer():
    # 12 distinct sizes: the exact law is out of reach (lcm too large)
    sizes = np.round(np.geomspace(50, 5000, 12)).astype(int)
    with pytest.raises(ValueError, match="sizes"):
        log_kl_mgf(sizes, 0.3, 10.0)
    m_min = int(sizes.min())
    coarse, fine = (log_kl_mgf_binned(sizes, 0.3, m_min, cells=c) for c in (1024, 2048))
    assert 0 <= coarse - fine < 1e-3
    # below the Maurer constant of the subsampled problem, above 1
    assert 0 < fine < math.log(2 * math.sqrt(sizes.size * m_min))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"sizes": [3, 0]}, "sizes"),
        ({"mu": 0.0}, "mu"),
        ({"mu": 1.0}, "mu"),
        ({"lam": -1.0}, "lam"),
        ({"cells": 8}, "cells"),
    ],
)
def test_binned_bad_input(kwargs, name):
    args = {"sizes": [3, 5], "mu": 0.3, "lam": 2.0} | kwargs
    with pytest.raises(ValueError, match=name):
        log_kl_mgf_binned(**args)
