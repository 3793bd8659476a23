"""Tests for mtlnotes.unbalanced: multitask bounds with unequal task sizes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from mtlnotes._validate import check_sizes
from mtlnotes.kl import kl_bernoulli, kl_inv_upper
from mtlnotes.unbalanced import (
    BOUND_NAMES,
    harmonic_mean,
    harmonic_mean_bound,
    kl_ball_max,
    min_size_fast_rate_bound,
    multitask_bounds,
    sample_centric_bound,
    sample_centric_standard_bound,
    task_centric_bound,
    task_centric_budget,
)

SIZES = np.array([100, 1000, 10_000])
RISKS = np.array([0.05, 0.10, 0.20])
BOUNDS = [
    harmonic_mean_bound,
    min_size_fast_rate_bound,
    task_centric_bound,
    sample_centric_bound,
]


def test_harmonic_mean():
    assert harmonic_mean([2, 2, 2]) == pytest.approx(2.0)
    assert harmonic_mean([1, 3]) == pytest.approx(1.5)


def test_harmonic_mean_bound_formula_and_balanced_case():
    n_eff = 9 / (1 / 100 + 1 / 1000 + 1 / 10_000)
    expect = RISKS.mean() + math.sqrt(
        (500 * math.log(2) + math.log(2 / 0.05)) / (2 * n_eff)
    )
    assert harmonic_mean_bound(RISKS, 500, SIZES, 0.05) == pytest.approx(
        expect, rel=1e-14
    )
    # equal sizes: the balanced standard-rate bound with mn samples
    balanced = harmonic_mean_bound([0.1] * 4, 300, [50] * 4, 0.1)
    occam = 0.1 + math.sqrt((300 * math.log(2) + math.log(2 / 0.1)) / (2 * 200))
    assert balanced == pytest.approx(occam, rel=1e-14)


def test_min_size_and_sample_centric_formulas():
    c_min = (700 * math.log(2) + math.log(2 * math.sqrt(300) / 0.05)) / 300
    assert min_size_fast_rate_bound(RISKS, 700, SIZES, 0.05) == pytest.approx(
        kl_inv_upper(RISKS.mean(), c_min), abs=1e-12
    )
    total = SIZES.sum()
    q_s = float(RISKS @ SIZES) / total
    c_s = (700 * math.log(2) + math.log(2 * math.sqrt(total) / 0.05)) / total
    assert sample_centric_bound(RISKS, 700, SIZES, 0.05) == pytest.approx(
        kl_inv_upper(q_s, c_s), abs=1e-12
    )


def test_task_centric_budget_formula():
    expect = (
        100 * math.log(2)
        + sum(math.log(2 * math.sqrt(m)) for m in SIZES)
        + math.log(20)
    ) / SIZES.sum()
    assert task_centric_budget(100, SIZES, 0.05) == pytest.approx(expect, rel=1e-14)


@pytest.mark.parametrize("seed", range(4))
def test_kl_ball_max_matches_generic_optimiser(seed):
    rng = np.random.default_rng(seed)
    q = rng.uniform(0, 0.6, 4)
    q[0] = 0.0 if seed == 1 else q[0]
    w = rng.uniform(0.1, 1.0, 4)
    w /= w.sum()
    c = rng.uniform(0.01, 0.5)
    cons = {
        "type": "ineq",
        "fun": lambda p: c - np.sum(w * kl_bernoulli(q, np.clip(p, 0, 1 - 1e-12))),
    }
    res = minimize(
        lambda p: -p.mean(),
        x0=q + 1e-3,
        bounds=[(qi, 1 - 1e-9) for qi in q],
        constraints=[cons],
        method="SLSQP",
        options={"ftol": 1e-14, "maxiter": 500},
    )
    assert res.success
    assert kl_ball_max(q, w, c) == pytest.approx(-res.fun, abs=1e-9)


def test_kl_ball_max_reduces_to_kl_inversion():
    assert kl_ball_max([0.2], [1.0], 0.3) == pytest.approx(
        kl_inv_upper(0.2, 0.3), abs=1e-12
    )
    # equal risks and weights: by symmetry and convexity all p_i are equal
    assert kl_ball_max([0.2] * 5, np.full(5, 0.2), 0.3) == pytest.approx(
        kl_inv_upper(0.2, 0.3), abs=1e-12
    )


def test_kl_ball_max_edges():
    # zero budget: the empirical mean; huge budget: 1; q = 1 tasks stay at 1
    np.testing.assert_allclose(kl_ball_max([0.2, 0.1], [0.5, 0.5], 0.0), 0.15)
    assert kl_ball_max([0.2, 0.1], [0.5, 0.5], 1e6) == pytest.approx(1.0, abs=1e-12)
    assert kl_ball_max([1.0, 0.0], [0.5, 0.5], 0.2) == pytest.approx(
        0.5 * (1 + kl_inv_upper(0.0, 0.4)), abs=1e-12
    )
    out = kl_ball_max([[0.2, 0.1], [0.3, 0.4]], [0.5, 0.5], [[0.01], [0.1]])
    assert out.shape == (2, 2)
    sample_weighted = kl_ball_max([0.0, 0.0], [0.5, 0.5], 0.1, weights=[0.9, 0.1])
    assert 0 < sample_weighted < 1


def test_task_centric_implies_pinsker_cauchy_schwarz_relaxation():
    # Pinsker + Cauchy-Schwarz: R^MT <= mean R̂ + sqrt(M c / (2 n m̄))
    c = task_centric_budget(2000, SIZES, 0.05)
    relax = RISKS.mean() + math.sqrt(SIZES.sum() * c / (2 * 9 / np.sum(1 / SIZES)))
    assert task_centric_bound(RISKS, 2000, SIZES, 0.05) <= relax


def test_sample_centric_bounds_the_sample_weighted_risk_only():
    # R^MT-S ≠ R^MT: with a tiny bad task the sample-weighted bound is far below R^MT
    risks = np.array([0.9, 0.0])
    sizes = [10, 100_000]
    r_mt = risks.mean()
    assert sample_centric_bound(risks, 0, sizes, 0.05) < r_mt
    assert task_centric_bound(risks, 0, sizes, 0.05) >= r_mt


def test_broadcasting_over_bits_and_delta():
    bits = np.array([0.0, 100.0, 1000.0])
    for bound in BOUNDS:
        out = bound(RISKS, bits, SIZES, 0.05)
        assert out.shape == (3,)
        two = bound(np.stack([RISKS, RISKS / 2]), 10.0, SIZES, np.array([0.05, 0.1]))
        assert two.shape == (2,)


def test_coverage_monte_carlo():
    # single predictor (bits = 0): each bound holds with probability >= 1 - δ
    rng = np.random.default_rng(7)
    sizes = np.array([20, 50, 200, 1000])
    true = np.array([0.05, 0.3, 0.1, 0.2])
    emp = rng.binomial(sizes, true, size=(2000, 4)) / sizes
    delta = 0.2
    r_mt, r_s = true.mean(), true @ sizes / sizes.sum()
    for bound, target in [
        (harmonic_mean_bound, r_mt),
        (min_size_fast_rate_bound, r_mt),
        (task_centric_bound, r_mt),
        (sample_centric_bound, r_s),
    ]:
        fail = np.mean(bound(emp, 0.0, sizes, delta) < target)
        assert fail <= delta


@settings(max_examples=25, deadline=None)
@given(
    b1=st.floats(0, 5000),
    b2=st.floats(0, 5000),
    d1=st.floats(1e-6, 0.99),
    d2=st.floats(1e-6, 0.99),
    q=st.floats(0, 1),
)
def test_monotone_in_bits_and_delta(b1, b2, d1, d2, q):
    risks = np.array([q, q / 2, 1 - q / 3])
    lo_b, hi_b = sorted((b1, b2))
    lo_d, hi_d = sorted((d1, d2))
    for bound in BOUNDS:
        assert (
            bound(risks, lo_b, SIZES, 0.05) <= bound(risks, hi_b, SIZES, 0.05) + 1e-12
        )
        assert bound(risks, 50, SIZES, hi_d) <= bound(risks, 50, SIZES, lo_d) + 1e-12
        assert bound(risks, lo_b, SIZES, lo_d) >= risks.min() - 1e-12


@settings(max_examples=25, deadline=None)
@given(m=st.integers(1, 500), n=st.integers(1, 5), q=st.floats(0, 1))
def test_balanced_sample_centric_equals_min_size(m, n, q):
    # equal sizes: R^MT-S = R^MT and M = n·m_min, so the two fast-rate bounds agree
    risks = np.full(n, q)
    a = sample_centric_bound(risks, 77.0, [m] * n, 0.1)
    b = min_size_fast_rate_bound(risks, 77.0, [m] * n, 0.1)
    assert a == pytest.approx(b, abs=1e-12)


@pytest.mark.parametrize("bound", BOUNDS)
@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"emp_risks": [0.1, 1.2, 0.1]}, "emp_risks"),
        ({"emp_risks": [0.1, 0.1]}, "emp_risks"),
        ({"emp_risks": 0.1}, "emp_risks"),
        ({"bits": -1.0}, "bits"),
        ({"delta": 0.0}, "delta"),
        ({"delta": 1.0}, "delta"),
        ({"sizes": []}, "sizes"),
        ({"sizes": [1.5, 2, 3]}, "sizes"),
        ({"sizes": [0, 2, 3]}, "sizes"),
        ({"bits": np.ones(2), "delta": np.full(3, 0.1)}, "shapes"),
    ],
)
def test_bad_input(bound, kwargs, name):
    args = {"emp_risks": RISKS, "bits": 10.0, "sizes": SIZES, "delta": 0.05, **kwargs}
    with pytest.raises(ValueError, match=name):
        bound(**args)


def test_bad_input_ball_and_sizes():
    with pytest.raises(ValueError, match="kl_weights"):
        kl_ball_max([0.1, 0.2], [0.5, -0.5], 0.1)
    with pytest.raises(ValueError, match="weights"):
        kl_ball_max([0.1, 0.2], [0.5, 0.5], 0.1, weights=[1.0])
    with pytest.raises(ValueError, match="budget"):
        kl_ball_max([0.1, 0.2], [0.5, 0.5], -0.1)
    with pytest.raises(ValueError, match="shapes"):
        kl_ball_max(np.full((2, 2), 0.1), [0.5, 0.5], np.full(3, 0.1))
    with pytest.raises(ValueError, match="emp_risks"):
        kl_ball_max(0.1, [1.0], 0.1)
    with pytest.raises(ValueError, match="shapes"):
        task_centric_budget(np.ones(2), SIZES, np.full(3, 0.1))
    with pytest.raises(ValueError, match="sizes"):
        check_sizes([[1, 2]])
    with pytest.raises(ValueError, match="sizes"):
        check_sizes(["x"])
    with pytest.raises(ValueError, match="sizes"):
        harmonic_mean([True, False])


@pytest.mark.parametrize("q", [0.0, 0.03, 0.4])
def test_balanced_sizes_reduce_to_single_task_bounds(q):
    from mtlnotes.bounds import fast_rate_bound, occam_bound

    risks, sizes = np.full(6, q), [40] * 6
    assert harmonic_mean_bound(risks, 123.0, sizes, 0.05) == pytest.approx(
        occam_bound(q, 123.0, 240, 0.05), rel=1e-13
    )
    assert min_size_fast_rate_bound(risks, 123.0, sizes, 0.05) == pytest.approx(
        fast_rate_bound(q, 123.0, 240, 0.05), abs=1e-12
    )


# --- the bound table of the trained-network experiment --------------------------


def test_sample_centric_standard_formula():
    total = SIZES.sum()
    q_s = float(RISKS @ SIZES) / total
    expect = q_s + math.sqrt((700 * math.log(2) + math.log(2 / 0.05)) / (2 * total))
    assert sample_centric_standard_bound(RISKS, 700, SIZES, 0.05) == pytest.approx(
        expect, rel=1e-14
    )


def test_multitask_bounds_match_the_single_bounds():
    from mtlnotes.bounds import occam_bound

    out = multitask_bounds(RISKS, 700, SIZES, 0.05)
    assert tuple(out) == BOUND_NAMES
    assert out["harmonic_standard"] == harmonic_mean_bound(RISKS, 700, SIZES, 0.05)
    assert out["fast_rate_m_min"] == min_size_fast_rate_bound(RISKS, 700, SIZES, 0.05)
    assert out["task_centric_fast"] == task_centric_bound(RISKS, 700, SIZES, 0.05)
    assert out["sample_centric_fast"] == sample_centric_bound(RISKS, 700, SIZES, 0.05)
    # the sample-centric standard rate is the Occam bound with M samples
    q_s = float(RISKS @ SIZES) / SIZES.sum()
    assert out["sample_centric_standard"] == pytest.approx(
        occam_bound(q_s, 700, int(SIZES.sum()), 0.05), rel=1e-14
    )
    # each bound lies above the empirical risk it bounds
    assert min(out["harmonic_standard"], out["task_centric_fast"]) > RISKS.mean()
    assert out["sample_centric_fast"] > q_s


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"sizes": [100, 0, 10_000]}, "sizes"),  # an empty task
        ({"sizes": [100, -3, 10_000]}, "sizes"),
        ({"sizes": []}, "sizes"),
        ({"delta": 0.0}, "delta"),
        ({"delta": 1.0}, "delta"),
        ({"delta": 1.5}, "delta"),
        ({"train_err": [0.1, 0.2]}, "train_err"),
        ({"train_err": [0.1, 0.2, 1.2]}, "train_err"),
        ({"bits": -1.0}, "bits"),
        ({"bits": [1.0, 2.0]}, "bits"),
    ],
)
def test_multitask_bounds_bad_input(kwargs, name):
    args = {"train_err": RISKS, "bits": 700, "sizes": SIZES, "delta": 0.05} | kwargs
    with pytest.raises(ValueError, match=name):
        multitask_bounds(**args)
