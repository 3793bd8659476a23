"""Confidence terms shared by the single-task and the multitask bounds.

Both :mod:`mtlnotes.bounds` and :mod:`mtlnotes.unbalanced` turn a code length of
``bits`` bits, an effective number of samples ``n`` and a confidence ``δ`` into
the same two quantities; they live here, on validated and broadcast arrays, so
that each formula is written once.  ``n`` may be fractional (``n·m̄`` with the
harmonic mean ``m̄``).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

# Internal: callers (bounds, unbalanced) validate their arguments first; nothing
# here is part of the public API, so the reliability table does not probe it.
__all__: list[str] = []

LN2 = math.log(2.0)


def occam_slack(bits: ArrayLike, n: ArrayLike, delta: ArrayLike) -> NDArray:
    """Hoeffding + Kraft slack ``√((bits·ln 2 + ln(2/δ)) / (2n))`` (Occam bound)."""
    return np.sqrt((bits * LN2 + np.log(2.0 / delta)) / (2.0 * n))


def fast_rate_budget(bits: ArrayLike, n: ArrayLike, delta: ArrayLike) -> NDArray:
    """Maurer + Kraft budget ``(bits·ln 2 + ln(2√n/δ)) / n`` of the kl bound (nats)."""
    return (bits * LN2 + np.log(2.0 * np.sqrt(n) / delta)) / n
