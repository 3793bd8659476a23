"""Tests for mtlnotes.glue: rounding to significant digits and the myst-nb record."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from IPython.core.interactiveshell import InteractiveShell

from mtlnotes.glue import glue, round_significant


def test_round_significant_closed_forms():
    assert round_significant(0.4434999, 3) == 0.443
    assert round_significant(12345.6, 2) == 12000.0
    assert round_significant(-0.000123456, 3) == -0.000123
    assert round_significant(0.0, 5) == 0.0


@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
    st.integers(1, 17),
)
def test_round_significant_is_idempotent_and_close(x, digits):
    r = round_significant(x, digits)
    assert round_significant(r, digits) == r
    assert abs(r - x) <= 0.5 * 10 ** (1 - digits) * abs(x) * (1 + 1e-12) + 1e-300


@pytest.mark.parametrize("digits", [0, 18, 2.5, True])
def test_round_significant_rejects_digits(digits):
    with pytest.raises(ValueError, match="digits"):
        round_significant(1.0, digits)


@pytest.mark.parametrize("value", [math.nan, math.inf, "1"])
def test_round_significant_rejects_value(value):
    with pytest.raises(ValueError, match="value"):
        round_significant(value, 3)


def test_glue_records_the_rounded_value(capsys):
    shell = InteractiveShell.instance()
    published = []
    shell.display_pub.publish = lambda data, metadata=None, **kw: published.append(
        (data, metadata)
    )
    assert glue("a-key_1", 0.44349, 3) == 0.443
    assert glue("n", np.int64(2000)) == 2000
    assert glue("exact", 0.1 + 0.2, None) == 0.1 + 0.2
    datas = [d for d, _ in published]
    assert datas[0]["application/papermill.record/text/plain"] == "0.443"
    assert datas[1]["application/papermill.record/text/plain"] == "2000"
    assert published[0][1]["scrapbook"]["name"] == "a-key_1"


@pytest.mark.parametrize("name", ["", "a b", "x:y", 3])
def test_glue_rejects_bad_names(name):
    with pytest.raises(ValueError, match="name"):
        glue(name, 1.0)


@pytest.mark.parametrize("value", [math.nan, math.inf, "0.5", True, None])
def test_glue_rejects_bad_values(value):
    with pytest.raises(ValueError, match="value"):
        glue("k", value)
    with pytest.raises(ValueError, match="value"):
        glue("k", value, None)
