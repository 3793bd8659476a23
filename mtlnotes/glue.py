"""Numbers computed in a chapter, inserted into its prose with myst-nb's ``glue``.

A number in the text of a chapter that comes from a computation is never retyped: the
cell that computes it records it with :func:`glue`, and the markdown pastes it with
``{glue:text}`name:.3f``` (from another page:
``{glue:text}`../notebooks/ch.ipynb::name:.3f```).
``tests/test_glued_numbers.py`` scans every page for numeric literals that are not
glued.

The recorded value is rounded to ``digits`` significant digits first, so that what is
stored in the notebook (and compared by nbval) is the same on every CPU even when the
last bits of the computation are not.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["glue", "round_significant"]


def round_significant(value: float, digits: int) -> float:
    """Round ``value`` to ``digits`` significant decimal digits.

    Parameters
    ----------
    value : float
        A finite real number.
    digits : int
        Number of significant digits kept, in ``[1, 17]``.

    Returns
    -------
    float
        ``float(f"{value:.{digits - 1}e}")``: the nearest float to ``value`` rounded
        to ``digits`` significant digits (0.0 stays 0.0).

    Raises
    ------
    ValueError
        If ``value`` is not finite or ``digits`` is outside ``[1, 17]``.
    """
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral):
        raise ValueError("digits must be an integer in [1, 17]")
    if not 1 <= int(digits) <= 17:
        raise ValueError("digits must be an integer in [1, 17]")
    if not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise ValueError("value must be a finite real number")
    return float(f"{float(value):.{int(digits) - 1}e}")


def glue(name: str, value: float | int, digits: int | None = 4) -> float | int:
    """Record ``value`` under ``name`` for the book's ``{glue:text}`` role.

    Parameters
    ----------
    name : str
        Key used in the markdown, e.g. ``gd-kappa``: letters, digits, ``-`` and ``_``.
    value : float or int
        The computed number.  Integers (Python or NumPy) are recorded exactly.
    digits : int or None, default 4
        Significant digits kept for a float (``round_significant``); choose them so
        that the rounded value does not depend on the BLAS kernel.  ``None`` records
        the float as it is (only for exact values: closed forms, exact sums).

    Returns
    -------
    float or int
        The value recorded (rounded), so a cell can print or assert on it.

    Raises
    ------
    ValueError
        If ``name`` is empty or has other characters, or ``value`` is not a finite
        real number.

    Notes
    -----
    Uses ``myst_nb.glue(name, value, display=False)`` where myst-nb is installed
    (the book build, the test environment); elsewhere (Colab, a bare Jupyter) it
    records nothing, since only the book reads the record.
    """
    if not isinstance(name, str) or not name:
        raise ValueError("name must be a non-empty string of letters, digits, - and _")
    if not all(ch.isalnum() or ch in "-_" for ch in name):
        raise ValueError("name must be a non-empty string of letters, digits, - and _")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError("value must be a finite real number")
    if isinstance(value, numbers.Integral):
        recorded: float | int = int(value)
    elif digits is None:
        if not math.isfinite(float(value)):
            raise ValueError("value must be a finite real number")
        recorded = float(value)
    else:
        recorded = round_significant(value, digits)
    try:
        from myst_nb import glue as _myst_glue
    except ImportError:  # pragma: no cover - exercised in the bare-venv reader test
        return recorded
    _myst_glue(name, recorded, display=False)
    return recorded
