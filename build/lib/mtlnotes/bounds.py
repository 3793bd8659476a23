"""Occam (compression) bounds and fast-rate kl bounds for a single task.

A hypothesis ``f`` described by a prefix-free code of ``bits`` bits, with
empirical risk ``R̂`` on ``m`` i.i.d. samples and a loss in [0, 1], satisfies with
probability at least ``1 - δ``, simultaneously for all ``f``:

* Occam / compression bound (union bound weighted by Kraft's inequality plus
  Hoeffding):  ``R ≤ R̂ + √((bits·ln 2 + ln(2/δ)) / (2m))``;
* fast-rate bound (Maurer's ``E[e^{m kl(R̂‖R)}] ≤ 2√m`` plus Markov and Kraft):
  ``kl(R̂‖R) ≤ (bits·ln 2 + ln(2√m/δ)) / m``, i.e.
  ``R ≤ kl_inv_upper(R̂, (bits·ln 2 + ln(2√m/δ)) / m)``.

Code lengths are in bits, logarithms natural.  The module also gives the
lengths of a few simple prefix-free codes (integers, dense, sparse and
codebook-quantised parameter vectors) to plug in as ``bits``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mtlnotes._confidence import fast_rate_budget as _budget
from mtlnotes._confidence import occam_slack
from mtlnotes._validate import check_nonnegative, check_probability
from mtlnotes.kl import kl_inv_upper

# The multitask bounds for tasks of unequal sizes live in mtlnotes.unbalanced
# (one module per idea); they are re-exported here so that every bound the book
# uses can be imported from mtlnotes.bounds.
from mtlnotes.unbalanced import (
    harmonic_mean_bound,
    min_size_fast_rate_bound,
    sample_centric_bound,
    task_centric_bound,
)

__all__ = [
    "FLOAT_BITS",
    "codebook_code_bits",
    "dense_code_bits",
    "elias_gamma_bits",
    "fast_rate_bound",
    "fast_rate_budget",
    "harmonic_mean_bound",
    "min_size_fast_rate_bound",
    "occam_bound",
    "pinsker_fast_rate_bound",
    "sample_centric_bound",
    "sparse_code_bits",
    "task_centric_bound",
]

FLOAT_BITS = 32  # one IEEE-754 single-precision value
_MAX_EXACT = 2**53  # integers up to here are exact in float64


def _out(x: NDArray) -> float | NDArray:
    """A Python scalar for 0-d results, the array otherwise."""
    return x.item() if x.ndim == 0 else x


def _check_count(x: ArrayLike, name: str, minimum: int) -> NDArray[np.int64]:
    """Return ``x`` as an int64 array after checking integer values ``>= minimum``."""
    arr = np.asarray(x)
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(f"{name} must be an integer, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating) and not (
        np.all(np.isfinite(arr)) and np.all(arr == np.floor(arr))
    ):
        raise ValueError(f"{name} must be an integer >= {minimum}")
    if np.any(arr < minimum) or np.any(arr > _MAX_EXACT):
        raise ValueError(f"{name} must be an integer >= {minimum} (and <= 2**53)")
    return arr.astype(np.int64)


def _floor_log2(n: NDArray[np.int64]) -> NDArray[np.int64]:
    """Exact ``⌊log₂ n⌋`` for ``1 ≤ n ≤ 2^53`` via the binary exponent (frexp)."""
    return np.frexp(n.astype(np.float64))[1].astype(np.int64) - 1


def _ceil_log2(n: NDArray[np.int64]) -> NDArray[np.int64]:
    """Exact ``⌈log₂ n⌉`` for ``1 ≤ n ≤ 2^53`` (``= ⌊log₂(n-1)⌋ + 1``, 0 at 1)."""
    return np.frexp((n - 1).astype(np.float64))[1].astype(np.int64)


def _check_common(
    emp_risk: ArrayLike, bits: ArrayLike, m: ArrayLike, delta: ArrayLike
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Validate and broadcast the four arguments shared by the bounds."""
    emp = check_probability(emp_risk, "emp_risk")
    b = check_nonnegative(bits, "bits")
    n = _check_count(m, "m", 1).astype(np.float64)
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
    return _out(emp + occam_slack(b, n, d))


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
    return _out(_budget(b, n, d))


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
    return kl_inv_upper(emp, _budget(b, n, d))


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
    return _out(emp + np.sqrt(_budget(b, n, d) / 2.0))


def elias_gamma_bits(n: ArrayLike) -> int | NDArray[np.int64]:
    """Length in bits of Elias' gamma code of positive integers.

    Parameters
    ----------
    n : array_like of int
        Integers ``1 ≤ n ≤ 2^53``.

    Returns
    -------
    int or ndarray of int64
        ``2⌊log₂ n⌋ + 1``.

    Raises
    ------
    ValueError
        If an entry is not an integer in ``[1, 2^53]``.

    Notes
    -----
    Gamma writes ``⌊log₂ n⌋`` zeros followed by the binary digits of ``n``
    (which start with a one), so a decoder knows where each codeword ends: the
    code is prefix-free on all positive integers and
    ``Σ_n 2^{-(2⌊log₂ n⌋+1)} = Σ_k 2^k · 2^{-(2k+1)} = 1`` (Kraft with equality).
    """
    arr = _check_count(n, "n", 1)
    return _out(2 * _floor_log2(arr) + 1)


def dense_code_bits(dim: ArrayLike, bits_per_value: int = FLOAT_BITS) -> int | NDArray:
    """Bits to store a parameter vector of fixed dimension entry by entry.

    Parameters
    ----------
    dim : array_like of int
        Dimension ``D ≥ 1`` (fixed by the model class, so it is not encoded).
    bits_per_value : int, default 32
        Bits per stored value (32 for IEEE single precision).

    Returns
    -------
    int or ndarray of int64
        ``bits_per_value · D``.

    Raises
    ------
    ValueError
        If ``dim`` or ``bits_per_value`` is not an integer ``≥ 1``.

    Notes
    -----
    All codewords have the same length, so the code is prefix-free.
    """
    d = _check_count(dim, "dim", 1)
    b = _check_count(bits_per_value, "bits_per_value", 1)
    return _out(b * d)


def sparse_code_bits(
    dim: ArrayLike, nnz: ArrayLike, bits_per_value: int = FLOAT_BITS
) -> int | NDArray:
    """Bits to store a sparse vector as (count, positions, values).

    Parameters
    ----------
    dim : array_like of int
        Dimension ``D ≥ 1`` of the vector (fixed by the model class).
    nnz : array_like of int
        Number ``s`` of non-zero entries, ``0 ≤ s ≤ D``.
    bits_per_value : int, default 32
        Bits per stored value.

    Returns
    -------
    int or ndarray of int64
        ``⌈log₂(D + 1)⌉ + s·(⌈log₂ D⌉ + bits_per_value)``.

    Raises
    ------
    ValueError
        If ``dim < 1``, ``nnz ∉ {0, …, D}`` or ``bits_per_value < 1``.

    Notes
    -----
    The slides count only ``(⌈log₂ D⌉ + 32)·s``.  Without the count ``s`` these
    codewords are not prefix-free (the code of a vector with one non-zero is a
    prefix of codes with two), so Kraft's inequality can fail.  A fixed-length
    field of ``⌈log₂(D + 1)⌉`` bits for ``s ∈ {0, …, D}`` repairs this.
    """
    d = _check_count(dim, "dim", 1)
    s = _check_count(nnz, "nnz", 0)
    b = _check_count(bits_per_value, "bits_per_value", 1)
    if np.any(s > d):
        raise ValueError("nnz must be an integer in [0, dim]")
    return _out(_ceil_log2(d + 1) + s * (_ceil_log2(d) + b))


def codebook_code_bits(
    dim: ArrayLike, codebook_size: ArrayLike, bits_per_value: int = FLOAT_BITS
) -> int | NDArray:
    """Bits to store a vector whose entries take one of ``K`` codebook values.

    Parameters
    ----------
    dim : array_like of int
        Dimension ``D ≥ 1`` (fixed by the model class).
    codebook_size : array_like of int
        Number ``K ≥ 1`` of distinct values.
    bits_per_value : int, default 32
        Bits per codebook value.

    Returns
    -------
    int or ndarray of int64
        ``γ(K) + K·bits_per_value + D·⌈log₂ K⌉`` with ``γ(K) = 2⌊log₂ K⌋ + 1``
        the Elias gamma length.

    Raises
    ------
    ValueError
        If ``dim``, ``codebook_size`` or ``bits_per_value`` is not an integer
        ``≥ 1``.

    Notes
    -----
    The codeword is: ``K`` in Elias' gamma code, then the ``K`` values, then
    one fixed-length id of ``⌈log₂ K⌉`` bits per entry.  Each field's length is
    known once the earlier fields are read, so the whole code is prefix-free.
    Entropy-coding the ids (see :mod:`mtlnotes.coding`) can be shorter.
    """
    d = _check_count(dim, "dim", 1)
    k = _check_count(codebook_size, "codebook_size", 1)
    b = _check_count(bits_per_value, "bits_per_value", 1)
    return _out(2 * _floor_log2(k) + 1 + k * b + d * _ceil_log2(k))
