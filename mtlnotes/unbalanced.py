"""Generalisation bounds for multitask learning with unequal task sizes.

Task ``i`` has ``m_i`` samples, true risk ``R_i`` and empirical risk ``R̂_i``; there are
``n`` tasks and ``M = Σ m_i`` samples.  A prefix code of ``b`` bits for the tuple of
predictors costs ``b ln 2`` nats; ``δ`` is the confidence parameter.  Four bounds:

* :func:`harmonic_mean_bound` -- standard rate on ``R^MT = (1/n) Σ R_i`` with the
  harmonic mean ``m̄ = n / Σ(1/m_i)`` of the sizes (Hoeffding on a weighted sum);
* :func:`min_size_fast_rate_bound` -- fast rate on ``R^MT`` with ``n·min_i m_i``
  samples (the exponent cannot be larger; see the blow-up lemma in the book);
* :func:`task_centric_bound` -- the bound ``Σ (m_i/M) kl(R̂_i‖R_i) ≤ c`` turned into
  a bound on ``R^MT`` (or any weighted mean of the ``R_i``) by the exact
  maximisation :func:`kl_ball_max`;
* :func:`sample_centric_bound` -- fast rate on the *sample-weighted* risk
  ``R^MT-S = Σ (m_i/M) R_i``, a different quantity from ``R^MT``.

Empirical risks are passed per task, as an array whose last axis has length ``n``;
each function forms the average it needs, so the averages cannot be mixed up.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import xlogy

from mtlnotes._validate import (
    check_nonnegative,
    check_positive,
    check_probability,
    check_sizes,
)
from mtlnotes.bounds import LN2, _fast_rate_budget, _occam_slack
from mtlnotes.kl import kl_inv_upper

__all__ = [
    "BOUND_NAMES",
    "harmonic_mean",
    "harmonic_mean_bound",
    "ideal_kl_bound",
    "kl_ball_max",
    "min_size_fast_rate_bound",
    "multitask_bounds",
    "sample_centric_bound",
    "sample_centric_standard_bound",
    "task_centric_bound",
    "task_centric_budget",
]

_BISECTION_STEPS = 200
_LOG_S_RANGE = 690.0  # |ln s| bracket of the multiplier; e^690 is near float max


def _check_delta(delta: ArrayLike) -> NDArray[np.float64]:
    return check_probability(delta, "delta", open_low=True, open_high=True)


def _prepare(
    emp_risks: ArrayLike, bits: ArrayLike, sizes: ArrayLike, delta: ArrayLike
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Validate the common arguments; return ``(R̂ (..., n), bits, sizes, δ)``."""
    size_arr = check_sizes(sizes)
    risks = check_probability(emp_risks, "emp_risks")
    if risks.ndim == 0 or risks.shape[-1] != size_arr.size:
        raise ValueError(
            f"emp_risks must have last axis of length len(sizes) = {size_arr.size}, "
            f"got shape {risks.shape}"
        )
    return risks, check_nonnegative(bits, "bits"), size_arr, _check_delta(delta)


def _out(x: NDArray[np.float64]) -> float | NDArray[np.float64]:
    x = np.asarray(x, dtype=np.float64)
    return float(x) if x.ndim == 0 else x


def _broadcast_error(err: ValueError) -> ValueError:
    return ValueError(
        "emp_risks (without its last axis), bits and delta must broadcast together "
        f"(mismatched shapes): {err}"
    )


def _fast_rate(
    q: NDArray, bits: NDArray, n_samples: float, delta: NDArray
) -> float | NDArray[np.float64]:
    """``kl_inv_upper(q, (bits ln 2 + ln(2 sqrt(N)/δ)) / N)`` with shape checks."""
    try:
        budget = _fast_rate_budget(bits, n_samples, delta)
        q, budget = np.broadcast_arrays(q, budget)
    except ValueError as err:
        raise _broadcast_error(err) from err
    return _out(kl_inv_upper(q, budget))


def harmonic_mean(sizes: ArrayLike) -> float:
    """Harmonic mean ``m̄ = n / Σ_i (1/m_i)`` of the task sizes.

    Parameters
    ----------
    sizes : array_like of int
        Task sizes ``(m_1, ..., m_n)``, each ``>= 1``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``sizes`` is empty, non-integral or has an entry ``< 1``.
    """
    size_arr = check_sizes(sizes)
    return float(size_arr.size / np.sum(1.0 / size_arr))


def harmonic_mean_bound(
    emp_risks: ArrayLike, bits: ArrayLike, sizes: ArrayLike, delta: ArrayLike
) -> float | NDArray[np.float64]:
    """Standard-rate bound on the task-averaged risk ``R^MT`` (harmonic mean).

    Parameters
    ----------
    emp_risks : array_like, shape (..., n)
        Per-task empirical risks ``R̂_i`` in [0, 1].
    bits : array_like
        Code length of the tuple of predictors in bits, ``>= 0``.
    sizes : array_like of int, shape (n,)
        Task sizes ``m_i >= 1``.
    delta : array_like
        Confidence parameter in (0, 1).

    Returns
    -------
    float or ndarray
        ``R̂^MT + sqrt((bits·ln 2 + ln(2/δ)) / (2 n m̄))``, broadcast over the leading
        axes of ``emp_risks``, ``bits`` and ``delta``.  Not clipped at 1.

    Raises
    ------
    ValueError
        On invalid ``emp_risks``, ``bits``, ``sizes`` or ``delta``, or on
        mismatched shapes.

    Notes
    -----
    ``R̂^MT − R^MT = Σ_ij (Z_ij − E Z_ij)/(n m_i)`` is a sum of independent terms with
    ranges ``1/(n m_i)``; Hoeffding's inequality gives the exponent
    ``2t² / Σ_i m_i/(n m_i)² = 2 n m̄ t²``.  A union bound with weights ``2^{-bits}``
    (Kraft) over both tails gives the formula.  With equal sizes ``m̄ = m``: the
    balanced bound with ``mn`` samples.
    """
    risks, bits_arr, size_arr, delta_arr = _prepare(emp_risks, bits, sizes, delta)
    n_eff = size_arr.size**2 / np.sum(1.0 / size_arr)  # n·m̄
    try:
        return _out(risks.mean(axis=-1) + _occam_slack(bits_arr, n_eff, delta_arr))
    except ValueError as err:
        raise _broadcast_error(err) from err


def min_size_fast_rate_bound(
    emp_risks: ArrayLike, bits: ArrayLike, sizes: ArrayLike, delta: ArrayLike
) -> float | NDArray[np.float64]:
    """Fast-rate bound on ``R^MT`` with ``n·min_i m_i`` effective samples.

    Parameters
    ----------
    emp_risks, bits, sizes, delta
        As in :func:`harmonic_mean_bound`.

    Returns
    -------
    float or ndarray
        ``kl_inv_upper(R̂^MT, (bits·ln 2 + ln(2 sqrt(N)/δ)) / N)`` with
        ``N = n·min_i m_i``.

    Raises
    ------
    ValueError
        On invalid input or mismatched shapes.

    Notes
    -----
    The mean of ``m_i ≥ m`` i.i.d. variables is dominated in convex order by the mean
    of ``m`` of them (it is the conditional expectation of a random sub-sample mean),
    so ``E exp(n·m_min·kl(R̂^MT‖R^MT)) ≤ ξ(n m_min) ≤ 2 sqrt(n m_min)`` (Maurer's
    lemma).  The exponent ``n·m_min`` cannot be raised: for ``λ > m_min`` the
    moment-generating function is unbounded in the risk (the blow-up lemma).
    """
    risks, bits_arr, size_arr, delta_arr = _prepare(emp_risks, bits, sizes, delta)
    big_n = float(size_arr.size * size_arr.min())
    return _fast_rate(risks.mean(axis=-1), bits_arr, big_n, delta_arr)


def sample_centric_bound(
    emp_risks: ArrayLike, bits: ArrayLike, sizes: ArrayLike, delta: ArrayLike
) -> float | NDArray[np.float64]:
    """Fast-rate bound on the sample-weighted risk ``R^MT-S = Σ_i (m_i/M) R_i``.

    Parameters
    ----------
    emp_risks, bits, sizes, delta
        As in :func:`harmonic_mean_bound`.

    Returns
    -------
    float or ndarray
        ``kl_inv_upper(R̂^MT-S, (bits·ln 2 + ln(2 sqrt(M)/δ)) / M)``.  This bounds
        ``R^MT-S``, **not** the task average ``R^MT``.

    Raises
    ------
    ValueError
        On invalid input or mismatched shapes.

    Notes
    -----
    ``R̂^MT-S = (1/M) Σ_ij ℓ_ij`` is a plain average of ``M`` independent losses with
    mean ``R^MT-S``; Maurer's lemma (with Hoeffding's convex-order comparison for
    unequal means) gives ``E exp(M kl(R̂^MT-S‖R^MT-S)) ≤ 2 sqrt(M)``.
    """
    risks, bits_arr, size_arr, delta_arr = _prepare(emp_risks, bits, sizes, delta)
    total = float(size_arr.sum())
    return _fast_rate(risks @ (size_arr / total), bits_arr, total, delta_arr)


def task_centric_budget(
    bits: ArrayLike, sizes: ArrayLike, delta: ArrayLike
) -> float | NDArray[np.float64]:
    """Right-hand side ``c`` of the task-centric bound ``Σ (m_i/M) kl(R̂_i‖R_i) ≤ c``.

    Parameters
    ----------
    bits : array_like
        Code length in bits, ``>= 0``.
    sizes : array_like of int, shape (n,)
        Task sizes ``m_i >= 1``.
    delta : array_like
        Confidence parameter in (0, 1).

    Returns
    -------
    float or ndarray
        ``c = (bits·ln 2 + Σ_i ln(2 sqrt(m_i)) + ln(1/δ)) / M``.

    Raises
    ------
    ValueError
        On invalid input.

    Notes
    -----
    ``E exp(Σ_i m_i kl(R̂_i‖R_i)) = Π_i E exp(m_i kl(R̂_i‖R_i)) ≤ Π_i 2 sqrt(m_i)`` by
    independence and Maurer's lemma per task; Markov's inequality and a union bound
    with weights ``2^{-bits}`` give ``c``.  The confidence term grows like
    ``(n/2) ln m``: it is *not* ``ln(2 sqrt(M)/δ)``.
    """
    size_arr = check_sizes(sizes)
    bits_arr = check_nonnegative(bits, "bits")
    delta_arr = _check_delta(delta)
    log_const = float(np.sum(np.log(2.0 * np.sqrt(size_arr))))
    try:
        out = (bits_arr * LN2 + log_const - np.log(delta_arr)) / float(size_arr.sum())
    except ValueError as err:
        raise _broadcast_error(err) from err
    return _out(out)


def _ball_point(
    q: NDArray, log_s: NDArray
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-task maximiser ``p`` (and ``1 - p``) for the multiplier ratio ``s``.

    ``p`` solves ``(p - q) / (p (1 - p)) = s`` in ``[q, 1]``, i.e. the positive root of
    ``s p² + (1 - s) p - q = 0``.  Both ``p`` and ``r = 1 - p`` are computed from
    cancellation-free forms, with ``D = sqrt((1 - s)² + 4 s q)``:
    ``p = 2q / (1 - s + D)`` for ``s <= 1``, ``p = (s - 1 + D) / (2s)`` for ``s > 1``,
    and ``r = 2(1 - q) / (1 + s + D)``.
    """
    s = np.exp(log_s)
    disc = np.hypot(1.0 - s, 2.0 * np.sqrt(s * q))  # no overflow for huge s
    r = 2.0 * (1.0 - q) / (1.0 + s + disc)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        p_le = 2.0 * q / (1.0 - s + disc)  # s <= 1: no cancellation
        p_gt = (s - 1.0 + disc) / (2.0 * s)  # s > 1: no cancellation
    p = np.where(s <= 1.0, np.where(q > 0, p_le, 0.0), p_gt)
    return p, r


def _kl_pr(q: NDArray, p: NDArray, r: NDArray) -> NDArray[np.float64]:
    """kl(q‖p) given ``p`` and ``r = 1 - p`` separately (``p >= q``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        left = xlogy(q, q / p)
        right = np.where(q < 1, xlogy(1.0 - q, (1.0 - q) / r), 0.0)
    return np.where(q > 0, left, 0.0) + right


def kl_ball_max(
    emp_risks: ArrayLike,
    kl_weights: ArrayLike,
    budget: ArrayLike,
    weights: ArrayLike | None = None,
) -> float | NDArray[np.float64]:
    """Largest weighted mean risk compatible with a weighted kl budget.

    Solves ``max Σ_i a_i p_i`` subject to ``Σ_i w_i kl(q_i‖p_i) ≤ c`` and
    ``p_i ∈ [q_i, 1]``.

    Parameters
    ----------
    emp_risks : array_like, shape (..., n)
        Empirical risks ``q_i`` in [0, 1].
    kl_weights : array_like, shape (n,)
        Constraint weights ``w_i > 0`` (``m_i / M`` for the task-centric bound).
    budget : array_like
        ``c >= 0`` in nats, broadcast against the leading axes of ``emp_risks``.
    weights : array_like, shape (n,), optional
        Objective weights ``a_i > 0``; default ``1/n`` (the task average ``R^MT``).

    Returns
    -------
    float or ndarray
        An upper bound on the maximum that is exact to about 1e-12 (the Lagrange dual
        value at the computed multiplier, capped at ``Σ a_i``).

    Raises
    ------
    ValueError
        If an argument is out of range or the shapes do not match.

    Notes
    -----
    The problem is convex (linear objective, convex constraint) and ``p = q`` is
    strictly feasible for ``c > 0``, so strong duality holds.  For a multiplier
    ``η > 0`` the Lagrangian ``Σ a_i p_i − η(Σ w_i kl(q_i‖p_i) − c)`` separates over
    tasks; since ``∂kl(q‖p)/∂p = (p − q)/(p(1 − p))``, the per-task maximiser solves
    ``(p − q)/(p(1 − p)) = s_i := a_i/(η w_i)`` -- the quadratic root of
    :func:`_ball_point`.  Equivalently ``p_i = kl_inv_upper(q_i, c_i)`` with the
    budget ``c_i = kl(q_i‖p_i)`` the multiplier assigns to task ``i``.  The
    constraint ``g(η) = Σ w_i kl(q_i‖p_i(η)) − c`` decreases in ``η``; bisection on
    ``ln η`` (vectorised over the leading axes) finds its root, and the dual value
    ``D(η) = Σ a_i p_i(η) − η g(η) ≥`` optimum (weak duality) is returned.
    """
    q = check_probability(emp_risks, "emp_risks")
    if q.ndim == 0 or q.shape[-1] == 0:
        raise ValueError("emp_risks must have a last axis of at least one task")
    n = q.shape[-1]
    w = check_positive(kl_weights, "kl_weights")
    a = np.full(n, 1.0 / n) if weights is None else check_positive(weights, "weights")
    if w.shape != (n,) or a.shape != (n,):
        raise ValueError(
            f"kl_weights and weights must have shape ({n},) to match emp_risks"
        )
    c = check_nonnegative(budget, "budget")
    try:
        shape = np.broadcast_shapes(q.shape[:-1], c.shape)
    except ValueError as err:
        raise ValueError(f"budget and emp_risks have mismatched shapes: {err}") from err
    q = np.broadcast_to(q, (*shape, n)).reshape(-1, n)
    c = np.broadcast_to(c, shape).reshape(-1, 1)
    log_ratio = np.log(a / w)  # ln s_i = ln(a_i / w_i) - ln η
    lo = np.full_like(c, -_LOG_S_RANGE - log_ratio.max())  # small η: p near 1
    hi = np.full_like(c, _LOG_S_RANGE - log_ratio.min())  # large η: p near q
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        p, r = _ball_point(q, log_ratio - mid)
        over = (_kl_pr(q, p, r) @ w)[:, None] > c
        lo, hi = np.where(over, mid, lo), np.where(over, hi, mid)
        if np.all(hi - lo < 1e-13 * np.maximum(1.0, np.abs(hi))):
            break
    log_eta = hi  # feasible side; D(η) is an upper bound at any η anyway
    p, r = _ball_point(q, log_ratio - log_eta)
    g = (_kl_pr(q, p, r) @ w)[:, None] - c
    dual = p @ a + np.exp(log_eta[:, 0]) * -g[:, 0]
    out = np.minimum(np.where(c[:, 0] > 0, dual, q @ a), a.sum())
    return _out(out.reshape(shape))


def task_centric_bound(
    emp_risks: ArrayLike,
    bits: ArrayLike,
    sizes: ArrayLike,
    delta: ArrayLike,
    weights: ArrayLike | None = None,
) -> float | NDArray[np.float64]:
    """Bound on ``R^MT`` from the task-centric fast-rate inequality.

    Parameters
    ----------
    emp_risks : array_like, shape (..., n)
        Per-task empirical risks ``R̂_i`` in [0, 1].
    bits : array_like
        Code length in bits, ``>= 0``.
    sizes : array_like of int, shape (n,)
        Task sizes ``m_i >= 1``.
    delta : array_like
        Confidence parameter in (0, 1).
    weights : array_like, shape (n,), optional
        Objective weights; default ``1/n`` bounds ``R^MT``; ``m_i/M`` bounds
        ``R^MT-S``.

    Returns
    -------
    float or ndarray
        ``max{Σ a_i p_i : Σ (m_i/M) kl(R̂_i‖p_i) ≤ c}`` with ``c`` from
        :func:`task_centric_budget`.

    Raises
    ------
    ValueError
        On invalid input or mismatched shapes.

    Notes
    -----
    With probability ``≥ 1 − δ`` every tuple of predictors satisfies
    ``Σ (m_i/M) kl(R̂_i‖R_i) ≤ c``, so the true risks lie in that kl ball and the
    weighted mean is at most the maximum over the ball (:func:`kl_ball_max`).
    """
    risks, bits_arr, size_arr, delta_arr = _prepare(emp_risks, bits, sizes, delta)
    budget = task_centric_budget(bits_arr, size_arr, delta_arr)
    return kl_ball_max(risks, size_arr / size_arr.sum(), budget, weights)


def sample_centric_standard_bound(
    emp_risks: ArrayLike, bits: ArrayLike, sizes: ArrayLike, delta: ArrayLike
) -> float | NDArray[np.float64]:
    """Standard-rate (Occam) bound on the sample-weighted risk ``R^MT-S``.

    Parameters
    ----------
    emp_risks, bits, sizes, delta
        As in :func:`harmonic_mean_bound`.

    Returns
    -------
    float or ndarray
        ``R̂^MT-S + sqrt((bits·ln 2 + ln(2/δ)) / (2M))`` with ``M = Σ m_i`` and
        ``R̂^MT-S = Σ_i (m_i/M) R̂_i``.  Not clipped at 1.

    Raises
    ------
    ValueError
        On invalid input or mismatched shapes.

    Notes
    -----
    ``R̂^MT-S`` is the plain average of ``M`` independent losses in [0, 1] with mean
    ``R^MT-S``; Hoeffding's inequality and the Kraft union bound give the Occam
    bound with ``M`` samples (chapter *Unbalanced multitask learning*, section on
    trained networks).
    """
    risks, bits_arr, size_arr, delta_arr = _prepare(emp_risks, bits, sizes, delta)
    total = float(size_arr.sum())
    try:
        return _out(
            risks @ (size_arr / total) + _occam_slack(bits_arr, total, delta_arr)
        )
    except ValueError as err:
        raise _broadcast_error(err) from err


BOUND_NAMES = (
    "harmonic_standard",
    "fast_rate_m_min",
    "task_centric_fast",
    "sample_centric_standard",
    "sample_centric_fast",
)


def multitask_bounds(
    train_err: ArrayLike, bits: float, sizes: ArrayLike, delta: float
) -> dict[str, float]:
    """Every unbalanced bound of the book for one coded tuple of predictors.

    Parameters
    ----------
    train_err : array_like, shape (n,)
        Per-task empirical (training) errors ``R̂_i`` in [0, 1]; one per task.
    bits : float
        Code length of the tuple in bits, ``>= 0`` (including any hyperparameter
        selection cost).
    sizes : array_like of int, shape (n,)
        Task sizes ``m_i >= 1``; no task may be empty.
    delta : float
        Confidence parameter in (0, 1).

    Returns
    -------
    dict of str to float
        ``harmonic_standard`` (:func:`harmonic_mean_bound`, on ``R^MT``),
        ``fast_rate_m_min`` (:func:`min_size_fast_rate_bound`, on ``R^MT``),
        ``task_centric_fast`` (:func:`task_centric_bound` with weights ``1/n``, on
        ``R^MT``), ``sample_centric_standard``
        (:func:`sample_centric_standard_bound`, on ``R^MT-S``) and
        ``sample_centric_fast`` (:func:`sample_centric_bound`, on ``R^MT-S``).

    Raises
    ------
    ValueError
        If ``train_err`` is not a 1-D array of values in [0, 1] with one entry per
        task, ``sizes`` has an entry ``< 1`` (an empty task) or is empty, ``bits``
        is negative, or ``delta`` lies outside (0, 1).

    Notes
    -----
    Each value holds with probability ``>= 1 − δ`` on its own; the first three bound
    ``R^MT = (1/n) Σ R_i``, the last two the sample-weighted ``R^MT-S = Σ (m_i/M)
    R_i``.  Formulas: see the functions named above.
    """
    size_arr = check_sizes(sizes)
    err = check_probability(train_err, "train_err")
    if err.shape != size_arr.shape:
        raise ValueError(
            f"train_err must have one entry per task (shape {size_arr.shape}), "
            f"got shape {err.shape}"
        )
    bits_arr = check_nonnegative(bits, "bits")
    if bits_arr.ndim != 0:
        raise ValueError("bits must be a scalar >= 0")
    delta_arr = _check_delta(delta)
    if delta_arr.ndim != 0:
        raise ValueError("delta must be a scalar in (0, 1)")
    funcs = (
        harmonic_mean_bound,
        min_size_fast_rate_bound,
        task_centric_bound,
        sample_centric_standard_bound,
        sample_centric_bound,
    )
    return {
        name: float(f(err, bits_arr, size_arr, delta_arr))
        for name, f in zip(BOUND_NAMES, funcs, strict=True)
    }


def ideal_kl_bound(
    train_err: ArrayLike,
    bits: float,
    sizes: ArrayLike,
    delta: float,
    lam: ArrayLike,
    log_sup: ArrayLike,
) -> float:
    """The kl bound on ``R^MT`` that ``sup_μ M_μ(λ)`` would give, best ``λ`` of a grid.

    Parameters
    ----------
    train_err : array_like, shape (n,)
        Per-task training errors in [0, 1].
    bits : float
        Code length in bits, ``>= 0``.
    sizes : array_like of int, shape (n,)
        Task sizes ``>= 1``.
    delta : float
        Confidence in (0, 1).
    lam : array_like, shape (L,)
        Grid of exponents ``0 < λ <= m_min``, fixed before seeing the data.
    log_sup : array_like, shape (L,)
        ``ln sup_μ M_μ(λ)`` for each ``λ`` (e.g. from
        :func:`mtlnotes.mgf.sup_kl_mgf_binned`).

    Returns
    -------
    float
        ``min_λ kl_inv_upper(R̂^MT, (bits·ln 2 + ln S(λ) + ln(L/δ)) / (nλ))``.

    Raises
    ------
    ValueError
        On bad input, or ``λ`` outside ``(0, m_min]`` (the moment-generating
        function is unbounded above ``m_min``: the blow-up lemma).

    Notes
    -----
    Chapter *Unbalanced multitask learning*, theorem "kl bound from the exact
    moment-generating function": Markov's inequality on ``e^{nλ kl}`` at
    confidence ``δ 2^{-bits}/L``, a union bound over the code and the ``L`` grid
    points.  It is a valid bound when ``S(λ)`` bounds the moment-generating
    function for every risk vector; ``sup_μ M_μ(λ)`` does so for tasks of equal
    risk and is a lower bound on any such ``S(λ)`` otherwise (see the chapter).
    """
    size_arr = check_sizes(sizes)
    err = check_probability(train_err, "train_err")
    if err.shape != size_arr.shape:
        raise ValueError("train_err must have one entry per task")
    b = float(check_nonnegative(bits, "bits"))
    d = float(check_probability(delta, "delta", open_low=True, open_high=True))
    lam_arr = check_nonnegative(lam, "lam").ravel()
    log_s = check_nonnegative(log_sup, "log_sup").ravel()
    if lam_arr.size == 0 or log_s.shape != lam_arr.shape:
        raise ValueError("lam and log_sup must be non-empty and of equal length")
    if np.any(lam_arr <= 0) or np.any(lam_arr > size_arr.min()):
        raise ValueError("lam must lie in (0, m_min]")
    n = size_arr.size
    budget = (b * LN2 + log_s + math.log(lam_arr.size / d)) / (n * lam_arr)
    return float(np.min(kl_inv_upper(err.mean(), budget)))
