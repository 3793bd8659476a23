"""Plain scalar baselines that the vectorised numerics are measured against.

The chapter on Occam and fast-rate kl bounds times :func:`mtlnotes.kl.kl_inv_upper`
(one vectorised call on :math:`10^6` pairs) against the loop a reader would write
first: Brent's method on a plain-Python :math:`\\mathrm{kl}`, one pair at a time.
The benchmark script ``benchmarks/bench_kl.py`` and the chapter use the same
baseline and the same workload from here, so they measure the same thing and the
chapter runs anywhere the package is installed.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

from mtlnotes._validate import check_int

__all__ = [
    "KL_WORKLOAD_SEED",
    "kl_inv_upper_brentq",
    "kl_inversion_workload",
    "kl_scalar",
]

KL_WORKLOAD_SEED = 20251124
# Brent's bracket stops here: kl(q‖p) is infinite at p = 1 for q < 1.
_P_END = 1.0 - 1e-15


def _real(x: object, name: str) -> float:
    """``float(x)`` for a real number ``x``; a TypeError naming ``name`` otherwise."""
    if isinstance(x, str | bytes):  # float() would parse "0.5"
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    try:
        return float(x)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a real number, got {type(x).__name__}"
        ) from None


def kl_scalar(q: float, p: float) -> float:
    """kl(q‖p) of two Bernoulli laws, on Python floats.

    Parameters
    ----------
    q : float
        Mean of the first law, in [0, 1].
    p : float
        Mean of the second law, in (0, 1), or equal to ``q`` (then kl = 0).

    Returns
    -------
    float
        :math:`q\\ln(q/p) + (1-q)\\ln((1-q)/(1-p))`, with :math:`0\\ln 0 = 0`.

    Raises
    ------
    TypeError
        If ``q`` or ``p`` is not a real number (a str, ``None``, a list).
    ValueError
        If ``q`` is NaN or outside [0, 1], or ``p`` is NaN or outside (0, 1) and
        differs from ``q``.

    Notes
    -----
    The fastest scalar kl there is (``math.log``, no NumPy scalars): the honest
    baseline for the speed comparison in the chapter on Occam and fast-rate kl
    bounds.  Not accurate for ``p`` very close to ``q`` (cancellation), which
    :func:`mtlnotes.kl.kl_bernoulli` handles.
    """
    # plain comparisons (NaN fails them; a str or None raises TypeError, renamed
    # here): NumPy checks would slow the baseline; try costs nothing in Python 3.11
    try:
        if not 0.0 <= q <= 1.0:
            raise ValueError(f"q must lie in [0, 1], got {q!r}")
    except TypeError:
        raise TypeError(f"q must be a real number, got {type(q).__name__}") from None
    try:
        if not (0.0 < p < 1.0 or p == q):
            raise ValueError(f"p must lie in (0, 1) or equal q, got {p!r}")
    except TypeError:
        raise TypeError(f"p must be a real number, got {type(p).__name__}") from None
    out = q * math.log(q / p) if q > 0 else 0.0
    if q < 1:
        out += (1 - q) * math.log((1 - q) / (1 - p))
    return out


def kl_inv_upper_brentq(q: float, c: float) -> float:
    """Upper kl inverse of one pair by Brent's method (the scalar baseline).

    Parameters
    ----------
    q : float
        Empirical risk, in [0, 1].
    c : float
        Budget, >= 0.

    Returns
    -------
    float
        :math:`\\sup\\{p\\in[q,1] : \\mathrm{kl}(q\\|p)\\le c\\}`, found by
        ``scipy.optimize.brentq`` on :math:`p\\mapsto\\mathrm{kl}(q\\|p)-c` over
        :math:`[q, 1-10^{-15}]` with ``xtol=1e-14``; 1 when
        :math:`\\mathrm{kl}(q\\|1-10^{-15})\\le c`, and ``q`` when ``c = 0``.

    Raises
    ------
    TypeError
        If ``q`` or ``c`` is not a real number (a str, ``None``, a list).
    ValueError
        If ``q`` is NaN or outside [0, 1], or ``c`` is negative or NaN
        (``c = inf`` is allowed and gives 1, as in :func:`mtlnotes.kl.kl_inv_upper`).

    Notes
    -----
    Agrees with the vectorised :func:`mtlnotes.kl.kl_inv_upper` to about
    :math:`10^{-14}` (chapter: Occam and fast-rate kl bounds).
    """
    # plain comparisons (NaN fails them): NumPy checks would slow the baseline
    q, c = _real(q, "q"), _real(c, "c")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must lie in [0, 1], got {q!r}")
    if not c >= 0.0:
        raise ValueError(f"c must be >= 0 (not NaN), got {c!r}")
    if c == 0:
        return q
    if q >= _P_END:
        return max(q, _P_END)
    if kl_scalar(q, _P_END) <= c:
        return 1.0
    return brentq(lambda p: kl_scalar(q, p) - c, q, _P_END, xtol=1e-14)


def kl_inversion_workload(
    n: int, seed: int = KL_WORKLOAD_SEED
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The benchmark's pairs ``(q, c)``: ``q ~ U(0, 1)``, ``c ~ Exp(mean 0.05)``.

    Parameters
    ----------
    n : int
        Number of pairs, >= 1.
    seed : int
        Seed of the ``numpy.random.default_rng`` generator, >= 0.

    Returns
    -------
    q, c : ndarray of shape (n,)
        Empirical risks and budgets of the size met in generalisation bounds.

    Raises
    ------
    ValueError
        If ``n < 1`` or ``seed < 0``.

    Notes
    -----
    The workload of ``benchmarks/bench_kl.py`` and of the speed comparison in the
    chapter on Occam and fast-rate kl bounds.
    """
    size = check_int(n, "n", minimum=1)
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    return rng.uniform(size=size), rng.exponential(0.05, size=size)
