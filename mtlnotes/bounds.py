"""Occam (compression) bounds and fast-rate kl bounds, single-task and balanced.

A hypothesis ``f`` described by a prefix-free code of ``bits`` bits, with
empirical risk ``R̂`` on ``m`` i.i.d. samples and a loss in [0, 1], satisfies with
probability at least ``1 - δ``, simultaneously for all ``f``:

* Occam / compression bound (union bound weighted by Kraft's inequality plus
  Hoeffding):  ``R ≤ R̂ + √((bits·ln 2 + ln(2/δ)) / (2m))``;
* fast-rate bound (Maurer's ``E[e^{m kl(R̂‖R)}] ≤ 2√m`` plus Markov and Kraft):
  ``kl(R̂‖R) ≤ (bits·ln 2 + ln(2√m/δ)) / m``, i.e.
  ``R ≤ kl_inv_upper(R̂, (bits·ln 2 + ln(2√m/δ)) / m)``.

:func:`balanced_multitask_bounds` applies both to ``n`` tasks of ``m`` samples
each (one code for the tuple, or one code per task).  The multitask bounds for
tasks of unequal sizes are in :mod:`mtlnotes.unbalanced`, which uses the two
confidence terms defined here; the lengths of simple prefix-free codes to plug
in as ``bits`` are in :mod:`mtlnotes.coding` (re-exported here).

Code lengths are in bits, logarithms natural.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mtlnotes._validate import check_count, check_nonnegative, check_probability
from mtlnotes.coding import (
    FLOAT_BITS,
    codebook_code_bits,
    dense_code_bits,
    elias_gamma_bits,
    sparse_code_bits,
)
from mtlnotes.kl import kl_inv_upper

# The code lengths (FLOAT_BITS, ..._code_bits, elias_gamma_bits) are defined in
# mtlnotes.coding and re-exported, so that a chapter takes a bound and the length
# it is evaluated at from one module.
__all__ = [
    "FLOAT_BITS",
    "balanced_multitask_bounds",
    "codebook_code_bits",
    "dense_code_bits",
    "elias_gamma_bits",
    "fast_rate_bound",
    "fast_rate_budget",
    "occam_bound",
    "pinsker_fast_rate_bound",
    "sparse_code_bits",
]

LN2 = math.log(2.0)


def _out(x: NDArray) -> float | NDArray:
    """A Python scalar for 0-d results, the array otherwise."""
    return x.item() if x.ndim == 0 else x


def _occam_slack(bits: ArrayLike, n: ArrayLike, delta: ArrayLike) -> NDArray:
    """Hoeffding + Kraft slack ``√((bits·ln 2 + ln(2/δ)) / (2n))`` (Occam bound).

    On validated, broadcastable arrays; ``n`` may be fractional (``n·m̄`` with the
    harmonic mean ``m̄``, see :mod:`mtlnotes.unbalanced`).
    """
    return np.sqrt((bits * LN2 + np.log(2.0 / delta)) / (2.0 * n))


def _fast_rate_budget(bits: ArrayLike, n: ArrayLike, delta: ArrayLike) -> NDArray:
    """Maurer + Kraft budget ``(bits·ln 2 + ln(2√n/δ)) / n`` of the kl bound (nats)."""
    return (bits * LN2 + np.log(2.0 * np.sqrt(n) / delta)) / n


def _check_common(
    emp_risk: ArrayLike, bits: ArrayLike, m: ArrayLike, delta: ArrayLike
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Validate and broadcast the four arguments shared by the bounds."""
    emp = check_probability(emp_risk, "emp_risk")
    b = check_nonnegative(bits, "bits")
    n = check_count(m, "m", 1).astype(np.float64)
    d = check_probability(delta, "delta", open_low=True, open_high=True)
    return tuple(np.broadcast_arrays(emp, b, n, d))


def occam_bound(
    emp_risk: ArrayLike, bits: ArrayLike, m: ArrayLike, delta: ArrayLike
) -> float | NDArray[np.float64]:
    """Occam / compression bound on the true risk (standard √ rate).

    Parameters
    ----------
    emp_risk : array_like
        Empirical risk ``R̂ ∈ [0, 1]`` of the hypothesis.
    bits : array_like
        Length ``≥ 0`` of its prefix-free code, in bits.
    m : array_like of int
        Number of i.i.d. training samples, ``m ≥ 1``.
    delta : array_like
        Confidence parameter in (0, 1).

    Returns
    -------
    float or ndarray
        ``R̂ + √((bits·ln 2 + ln(2/δ)) / (2m))`` (broadcast over the inputs).
        Values above 1 are vacuous; they are returned unclipped.

    Raises
    ------
    ValueError
        If ``emp_risk`` is outside [0, 1], ``bits < 0``, ``m`` is not an integer
        ``≥ 1``, or ``delta`` is outside (0, 1).

    Notes
    -----
    Hoeffding's inequality for each ``f`` at confidence ``δ·2^{-bits(f)}`` and a
    union bound, which Kraft's inequality ``Σ_f 2^{-bits(f)} ≤ 1`` keeps below
    ``δ`` :cite:`shalevshwartz2014understanding` (Thm. 7.7).  The ``ln(2/δ)``
    is that of the two-sided statement; the one-sided bound holds with
    ``ln(1/δ)``.
    """
    emp, b, n, d = _check_common(emp_risk, bits, m, delta)
    return _out(emp + _occam_slack(b, n, d))


def fast_rate_budget(
    bits: ArrayLike, m: ArrayLike, delta: ArrayLike
) -> float | NDArray[np.float64]:
    """Right-hand side ``c`` of the fast-rate bound ``kl(R̂‖R) ≤ c``.

    Parameters
    ----------
    bits : array_like
        Code length ``≥ 0`` in bits.
    m : array_like of int
        Number of samples, ``m ≥ 1``.
    delta : array_like
        Confidence parameter in (0, 1).

    Returns
    -------
    float or ndarray
        ``(bits·ln 2 + ln(2√m/δ)) / m`` in nats.

    Raises
    ------
    ValueError
        If ``bits < 0``, ``m`` is not an integer ``≥ 1`` or ``delta ∉ (0, 1)``.

    Notes
    -----
    From Markov's inequality applied to ``e^{m kl(R̂‖R)}``, whose mean is at most
    ``2√m`` :cite:`maurer2004note`, at confidence ``δ·2^{-bits}``.
    """
    _, b, n, d = _check_common(0.0, bits, m, delta)
    return _out(_fast_rate_budget(b, n, d))


def fast_rate_bound(
    emp_risk: ArrayLike, bits: ArrayLike, m: ArrayLike, delta: ArrayLike
) -> float | NDArray[np.float64]:
    """Fast-rate (kl) bound on the true risk.

    Parameters
    ----------
    emp_risk, bits, m, delta : array_like
        Empirical risk in [0, 1], code length in bits, sample size and
        confidence, as in :func:`occam_bound` (broadcast together).

    Returns
    -------
    float or ndarray
        ``kl_inv_upper(R̂, (bits·ln 2 + ln(2√m/δ)) / m)``, always in [R̂, 1].

    Raises
    ------
    ValueError
        As :func:`occam_bound`.

    Notes
    -----
    With probability ``≥ 1 - δ``, for all ``f``:
    ``kl(R̂(f)‖R(f)) ≤ (bits(f)·ln 2 + ln(2√m/δ)) / m``; the largest ``R``
    allowed is the upper kl inverse.  At ``R̂ = 0`` it equals ``1 - e^{-c} ≤ c``:
    a ``1/m`` rate.
    """
    emp, b, n, d = _check_common(emp_risk, bits, m, delta)
    return kl_inv_upper(emp, _fast_rate_budget(b, n, d))


def pinsker_fast_rate_bound(
    emp_risk: ArrayLike, bits: ArrayLike, m: ArrayLike, delta: ArrayLike
) -> float | NDArray[np.float64]:
    """Pinsker relaxation of :func:`fast_rate_bound` (a √ rate again).

    Parameters
    ----------
    emp_risk, bits, m, delta : array_like
        As in :func:`fast_rate_bound`.

    Returns
    -------
    float or ndarray
        ``R̂ + √(c / 2)`` with ``c = (bits·ln 2 + ln(2√m/δ)) / m``.

    Raises
    ------
    ValueError
        As :func:`fast_rate_bound`.

    Notes
    -----
    Pinsker's inequality ``kl(q‖p) ≥ 2(q - p)²`` shows that every ``p`` with
    ``kl(R̂‖p) ≤ c`` has ``p ≤ R̂ + √(c/2)``, so this is never below
    :func:`fast_rate_bound`.  It equals :func:`occam_bound` with
    ``ln(2/δ)`` replaced by ``ln(2√m/δ)``: the price of the kl route at large
    ``R̂`` is the extra ``ln √m``.
    """
    emp, b, n, d = _check_common(emp_risk, bits, m, delta)
    return _out(emp + np.sqrt(_fast_rate_budget(b, n, d) / 2.0))


def balanced_multitask_bounds(
    train_err: ArrayLike, bits: ArrayLike, m: int, delta: float
) -> dict[str, float]:
    """Occam and fast-rate bounds on ``R^MT`` for ``n`` tasks of ``m`` samples each.

    Parameters
    ----------
    train_err : array_like, shape (n,)
        Per-task empirical risks ``R̂_i`` in [0, 1].
    bits : float or array_like of shape (n,)
        A scalar: the length of one prefix-free code of the whole tuple
        ``(f_1, ..., f_n)`` (multitask learning).  An array: one code per task
        (single-task learning), ``bits[i]`` for ``f_i``.  In bits, ``>= 0``.
    m : int
        Samples per task, ``>= 1``.
    delta : float
        Confidence in (0, 1).

    Returns
    -------
    dict
        ``{"occam": ..., "fast_rate": ...}``, each a bound on
        ``R^MT = (1/n) Σ_i R_i`` holding with probability ``>= 1 - δ``.

    Raises
    ------
    ValueError
        If ``train_err`` is not 1-D with entries in [0, 1], ``bits`` is negative
        or neither a scalar nor of shape ``(n,)``, ``m < 1`` or ``delta ∉ (0, 1)``.

    Notes
    -----
    One code for the tuple: the ``n m`` examples are i.i.d. draws of a mixture
    (pick a task uniformly, then an example), whose risk is ``R^MT``; so
    :func:`occam_bound` and :func:`fast_rate_bound` apply at the mean training
    error with ``N = n m`` samples and the total code length.  One code per task:
    each task's bound at confidence ``δ/n`` holds for all tasks at once (union
    bound), so their mean bounds ``R^MT``.
    """
    err = check_probability(train_err, "train_err")
    if err.ndim != 1 or err.size == 0:
        raise ValueError("train_err must be a non-empty 1-D array (one per task)")
    b = check_nonnegative(bits, "bits")
    if b.ndim != 0 and b.shape != err.shape:
        raise ValueError(f"bits must be a scalar or of shape {err.shape}")
    n = err.size
    m = int(check_count(m, "m", 1))
    if b.ndim == 0:
        args = (err.mean(), float(b), m * n, delta)
        return {
            "occam": float(occam_bound(*args)),
            "fast_rate": float(fast_rate_bound(*args)),
        }
    args = (err, b, m, delta / n)
    return {
        "occam": float(np.mean(occam_bound(*args))),
        "fast_rate": float(np.mean(fast_rate_bound(*args))),
    }
