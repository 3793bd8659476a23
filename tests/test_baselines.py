"""Tests for mtlnotes.baselines: the scalar kl baseline and the benchmark workload."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtlnotes import baselines
from mtlnotes.kl import kl_bernoulli, kl_inv_upper


def test_kl_scalar_closed_forms():
    assert baselines.kl_scalar(0.5, 0.5) == 0.0
    assert baselines.kl_scalar(0.0, 0.5) == pytest.approx(math.log(2), rel=1e-15)
    assert baselines.kl_scalar(1.0, 0.25) == pytest.approx(math.log(4), rel=1e-15)
    assert baselines.kl_scalar(0.0, 0.0) == baselines.kl_scalar(1.0, 1.0) == 0.0


@settings(max_examples=200, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(1e-6, 1 - 1e-6))
def test_kl_scalar_matches_vectorised_kl(q, p):
    assert baselines.kl_scalar(q, p) == pytest.approx(
        float(kl_bernoulli(q, p)), rel=1e-9, abs=1e-12
    )


def test_brentq_matches_vectorised_inverse_on_the_workload():
    q, c = baselines.kl_inversion_workload(500)
    ref = np.array(
        [baselines.kl_inv_upper_brentq(a, b) for a, b in zip(q, c, strict=True)]
    )
    assert np.max(np.abs(ref - kl_inv_upper(q, c))) < 1e-12
    # the answer solves kl(q‖p) = c where it is inside (q, 1), to Brent's xtol
    # (1e-14 in p) times the slope d kl / dp = (p - q) / (p (1 - p))
    inside = ref < 1.0
    qi, pi, ci = q[inside], ref[inside], c[inside]
    slope = (pi - qi) / (pi * (1 - pi))
    assert np.all(np.abs(kl_bernoulli(qi, pi) - ci) <= 1e-12 + 2e-14 * slope)


def test_brentq_edge_cases():
    assert baselines.kl_inv_upper_brentq(0.3, 0.0) == 0.3
    assert baselines.kl_inv_upper_brentq(0.0, 50.0) == 1.0  # kl(0‖1-1e-15) ≈ 34.5
    assert baselines.kl_inv_upper_brentq(1.0, 0.1) == 1.0
    p = baselines.kl_inv_upper_brentq(0.0, 0.1)
    assert p == pytest.approx(1 - math.exp(-0.1), rel=1e-12)  # kl(0‖p) = -ln(1-p)


def test_workload_is_seeded_and_in_range():
    q1, c1 = baselines.kl_inversion_workload(1000)
    q2, c2 = baselines.kl_inversion_workload(1000)
    assert np.array_equal(q1, q2) and np.array_equal(c1, c2)
    assert q1.shape == c1.shape == (1000,)
    assert np.all((q1 >= 0) & (q1 < 1)) and np.all(c1 >= 0)
    assert abs(c1.mean() - 0.05) < 4 * 0.05 / math.sqrt(1000)  # 4 standard errors
    q3, _ = baselines.kl_inversion_workload(1000, seed=1)
    assert not np.array_equal(q1, q3)


@pytest.mark.parametrize(
    ("func", "args", "name"),
    [
        (baselines.kl_scalar, (-0.1, 0.5), "q"),
        (baselines.kl_scalar, (0.5, 1.0), "p"),
        (baselines.kl_scalar, (0.5, 0.0), "p"),
        (baselines.kl_inv_upper_brentq, (1.5, 0.1), "q"),
        (baselines.kl_inv_upper_brentq, (0.5, -0.1), "c"),
        (baselines.kl_inv_upper_brentq, (0.5, math.nan), "c"),
        (baselines.kl_inversion_workload, (0,), "n"),
        (baselines.kl_inversion_workload, (10, -1), "seed"),
    ],
)
def test_bad_input_names_the_argument(func, args, name):
    with pytest.raises(ValueError, match=name):
        func(*args)
