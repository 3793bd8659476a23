"""Tests for the shared input checks in mtlnotes._validate."""

import numpy as np
import pytest

from mtlnotes import _validate as v


def test_as_float_array_rejects_nan_inf_and_non_numeric():
    np.testing.assert_array_equal(v.as_float_array([1, 2], "x"), [1.0, 2.0])
    with pytest.raises(ValueError, match="x must be finite"):
        v.as_float_array([1.0, np.nan], "x")
    with pytest.raises(ValueError, match="x must be finite"):
        v.as_float_array(np.inf, "x")
    with pytest.raises(TypeError, match="x must be numeric"):
        v.as_float_array("abc", "x")
    with pytest.raises(TypeError, match="x must be numeric"):
        v.as_float_array(object(), "x")


def test_check_probability_bounds():
    assert v.check_probability(0.0, "q") == 0.0
    assert v.check_probability(1.0, "q") == 1.0
    with pytest.raises(ValueError, match=r"q must lie in \[0, 1\]"):
        v.check_probability(1.5, "q")
    with pytest.raises(ValueError, match=r"mu must lie in \(0, 1\)"):
        v.check_probability([0.5, 0.0], "mu", open_low=True, open_high=True)
    with pytest.raises(ValueError, match=r"mu must lie in \(0, 1\)"):
        v.check_probability(1.0, "mu", open_low=True, open_high=True)


def test_sign_checks():
    assert v.check_nonnegative(0.0, "s") == 0.0
    with pytest.raises(ValueError, match="s must be >= 0"):
        v.check_nonnegative(-1e-9, "s")
    with pytest.raises(ValueError, match="t must be > 0"):
        v.check_positive(0.0, "t")


def test_check_int():
    assert v.check_int(3, "n") == 3
    assert v.check_int(np.int64(4), "n", minimum=1) == 4
    assert v.check_int(5.0, "n") == 5
    with pytest.raises(TypeError, match="n must be an integer"):
        v.check_int(2.5, "n")
    with pytest.raises(TypeError, match="n must be an integer"):
        v.check_int(True, "n")
    with pytest.raises(TypeError, match="n must be an integer"):
        v.check_int("3", "n")
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        v.check_int(0, "n", minimum=1)


def test_matrix_checks():
    with pytest.raises(ValueError, match="A must be a non-empty square"):
        v.check_square_matrix(np.ones(3), "A")
    with pytest.raises(ValueError, match="A must be a non-empty square"):
        v.check_square_matrix(np.ones((0, 0)), "A")
    with pytest.raises(ValueError, match="A must be symmetric"):
        v.check_symmetric([[1.0, 1.0], [0.0, 1.0]], "A")
    _, eig = v.check_spd(np.diag([2.0, 1.0]), "A")
    np.testing.assert_allclose(eig, [1.0, 2.0])
    with pytest.raises(ValueError, match="A must be positive definite"):
        v.check_spd(np.diag([1.0, 0.0]), "A")
    _, eig = v.check_psd(np.diag([1.0, 0.0]), "A")
    np.testing.assert_allclose(eig, [0.0, 1.0])
    with pytest.raises(ValueError, match="A must be positive semidefinite"):
        v.check_psd(np.diag([1.0, -0.5]), "A")


def test_check_generator():
    rng = np.random.default_rng(0)
    assert v.check_generator(rng) is rng
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        v.check_generator(0)
    with pytest.raises(TypeError, match=r"gen must be a numpy\.random\.Generator"):
        v.check_generator(None, "gen")


def test_check_shape():
    x = np.zeros((3, 4))
    assert v.check_shape(x, (3, None), "x") is x
    with pytest.raises(ValueError, match=r"x must have shape \(2, any\)"):
        v.check_shape(x, (2, None), "x")
    with pytest.raises(ValueError, match=r"x must have shape \(3, 4, 1\)"):
        v.check_shape(x, (3, 4, 1), "x")


def test_check_int_rejects_beyond_int64():
    assert v.check_int(2**63 - 1, "n") == 2**63 - 1
    with pytest.raises(ValueError, match=r"n must be an integer <= 2\*\*63 - 1"):
        v.check_int(1e308, "n")
    with pytest.raises(ValueError, match="n must"):
        v.check_int(2**63, "n")


def test_check_shape_accepts_non_arrays():
    np.testing.assert_array_equal(v.check_shape([[1.0, 2.0]], (1, None), "x"), [[1, 2]])
    with pytest.raises(ValueError, match="x must have shape"):
        v.check_shape(0.5, (None,), "x")


def test_guard_overflow_names_the_arguments():
    @v.guard_overflow("sigma")
    def square(sigma):
        return float(sigma) ** 2

    @v.guard_overflow("eta")
    def scale(eta):
        return np.asarray([1e300]) * eta

    @v.guard_overflow("x")
    def deliberate(x):  # an inner errstate wins: intended overflow stays allowed
        with np.errstate(over="ignore"):
            return np.exp(np.asarray(x))

    assert square(3.0) == 9.0
    with pytest.raises(ValueError, match="sigma too large"):
        square(1e308)
    with pytest.raises(OverflowError, match="float64 range"):  # also an OverflowError
        scale(1e100)
    assert np.isinf(deliberate(1000.0))
