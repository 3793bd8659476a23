"""The exact moment-generating function of the kl deviation of a mean of means.

Fast-rate bounds rest on one expectation.  Draw ``Z_ij ~ Bernoulli(μ)`` i.i.d. for
tasks ``i = 1..n`` and samples ``j = 1..m_i``, let

.. math:: \\hat\\mu = \\frac1n \\sum_{i=1}^n \\frac1{m_i} \\sum_{j=1}^{m_i} Z_{ij}

be the mean of the per-task means, and set

.. math::
    M_\\mu(\\lambda) = \\mathbb E\\, e^{n\\lambda\\,\\mathrm{kl}(\\hat\\mu\\|\\mu)}.

This module computes :math:`M_\\mu(\\lambda)` *exactly* (a finite sum over the law
of :math:`\\hat\\mu`), in log space so that it stays finite and accurate for
``N = Σ m_i`` up to about ``10^6`` and for ``μ`` as small as ``1e-300``.

The computation uses one observation.  If ``K = Σ_ij Z_ij`` is the total count and
``T_i`` the count of task ``i``, then

.. math:: \\Pr(T_1 = t_1, \\dots, T_n = t_n)
          = \\Big[\\prod_i \\tbinom{m_i}{t_i}\\Big] \\mu^{K}(1-\\mu)^{N-K},

so the law of the pair ``(μ̂, K)`` is a μ-free combinatorial weight ``W(v, k)``
times ``μ^k (1-μ)^{N-k}``.  The weights are built once (the Binomial(N, ·) law of
the total in the balanced case; an exact log-space convolution of the per-task
count laws on the common-denominator grid ``v = s / (n·lcm(m))`` otherwise) and then
reused for every ``μ`` and ``λ``.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln, logsumexp, xlogy

from mtlnotes._validate import (
    FloatRangeError,
    as_float_array,
    check_int,
    check_nonnegative,
    check_positive,
    check_probability,
    check_sizes,
    guard_overflow,
)

__all__ = [
    "kl_mgf",
    "log_blowup_lower_bound",
    "log_kl_mgf",
    "log_kl_mgf_binned",
    "logit_grid",
    "maurer_xi_bounds",
    "sup_kl_mgf",
    "sup_kl_mgf_binned",
]

# Largest number of (value, count) pairs the exact unbalanced law may hold.
_MAX_SUPPORT = 20_000_000
# Elements per block when a (support × parameters) array is formed.
_BLOCK = 4_000_000
_LOG_FLOAT_MAX = math.log(np.finfo(np.float64).max)


class _Law(NamedTuple):
    """μ-free description of the law of ``(μ̂, K)``: ``μ̂ = s / (n L)``."""

    s: NDArray[np.int64]  # numerator of μ̂ on the grid 1/(nL)
    k: NDArray[np.int64]  # total count K
    log_w: NDArray[np.float64]  # log of the combinatorial weight W(v, k)
    n: int  # number of tasks
    lcm: int  # common denominator L of the per-task means
    total: int  # N = Σ m_i


def _log_binom(n: int, k: NDArray[np.int64]) -> NDArray[np.float64]:
    """``ln C(n, k)`` for an integer array ``k`` with ``0 <= k <= n``."""
    return gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0)


def _law(sizes: NDArray[np.int64]) -> _Law:
    """Build the exact weights ``W(v, k)`` of the mean of means."""
    n = int(sizes.size)
    total = int(sizes.sum())
    groups = sorted(Counter(sizes.tolist()).items())  # (size d, multiplicity c)
    lcm = math.lcm(*(d for d, _ in groups))
    if n * lcm > 2**52 // (total + 1):
        raise ValueError(
            "sizes: the common denominator n·lcm(sizes) is too large for the exact law"
        )
    s = np.zeros(1, dtype=np.int64)
    k = np.zeros(1, dtype=np.int64)
    log_w = np.zeros(1)
    for d, c in groups:
        # Tasks of equal size d pool into one Binomial(c·d, ·) count T, which moves
        # the numerator s by T·(L/d).
        t = np.arange(c * d + 1, dtype=np.int64)
        if s.size * t.size > _MAX_SUPPORT:
            raise ValueError(
                "sizes: the exact law of the mean of means has too many atoms "
                f"(> {_MAX_SUPPORT}); use fewer distinct task sizes"
            )
        s = (s[:, None] + t[None, :] * (lcm // d)).ravel()
        k = (k[:, None] + t[None, :]).ravel()
        log_w = (log_w[:, None] + _log_binom(c * d, t)[None, :]).ravel()
        s, k, log_w = _merge(s, k, log_w, total)
    return _Law(s, k, log_w, n, lcm, total)


def _merge(
    s: NDArray[np.int64], k: NDArray[np.int64], log_w: NDArray[np.float64], total: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Merge atoms with equal ``(s, k)`` by a grouped log-sum-exp."""
    key = s * (total + 1) + k
    order = np.argsort(key, kind="stable")
    key, s, k, log_w = key[order], s[order], k[order], log_w[order]
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    if start.size == key.size:
        return s, k, log_w
    peak = np.maximum.reduceat(log_w, start)
    group = np.repeat(np.arange(start.size), np.diff(np.r_[start, key.size]))
    summed = np.add.reduceat(np.exp(log_w - peak[group]), start)
    return s[start], k[start], peak + np.log(summed)


def _log_terms(law: _Law, mu: NDArray, lam: NDArray) -> NDArray[np.float64]:
    """``ln W + ln Pr-part + nλ kl`` for every atom (rows) and parameter (columns).

    With ``v = s/(nL)``, ``nλ v = λ s / L`` and ``nλ kl(v‖μ) = nλ H(v) - λ s/L ln μ
    - (nλ - λ s/L) ln(1-μ)`` where ``H(v) = v ln v + (1-v) ln(1-v)``.  Collecting the
    powers of ``μ`` and ``1-μ`` first makes the balanced case ``λ = m`` exactly free
    of ``μ`` (both exponents vanish identically), as it is mathematically.
    """
    s = law.s[:, None].astype(np.float64)
    k = law.k[:, None].astype(np.float64)
    v = s / (law.n * law.lcm)
    neg_entropy = xlogy(v, v) + xlogy(1.0 - v, 1.0 - v)
    lam_s = (lam / law.lcm)[None, :] * s  # nλ·v
    a = k - lam_s  # exponent of μ
    b = (law.total - k) - (law.n * lam[None, :] - lam_s)  # exponent of 1 - μ
    return (
        law.log_w[:, None]
        + law.n * lam[None, :] * neg_entropy
        + a * np.log(mu)[None, :]
        + b * np.log1p(-mu)[None, :]
    )


@guard_overflow("lam")
def log_kl_mgf(sizes: ArrayLike, mu: ArrayLike, lam: ArrayLike) -> NDArray[np.float64]:
    """Natural log of the exact ``E[exp(n·lam·kl(μ̂‖μ))]``.

    Parameters
    ----------
    sizes : array_like of int
        Task sizes ``(m_1, ..., m_n)``, each ``>= 1``.
    mu : array_like
        Success probabilities in the open interval (0, 1).
    lam : array_like
        Exponent scale ``λ >= 0`` (per task and per unit of kl); broadcast with ``mu``.

    Returns
    -------
    ndarray or float
        ``ln M_μ(λ)`` with the broadcast shape of ``mu`` and ``lam`` (a float for
        scalar input).  Always finite.

    Raises
    ------
    ValueError
        If ``sizes`` is empty, non-integral or has an entry ``< 1``; if ``mu`` is
        outside (0, 1); if ``lam`` is negative or not finite; or if the exact
        unbalanced law is too large to enumerate (very many distinct sizes).

    Notes
    -----
    ``ln M_μ(λ) = logsumexp_{(v,k)} [ln W(v,k) + k ln μ + (N-k) ln(1-μ)
    + nλ kl(v‖μ)]``; see the module docstring for the weights ``W``.  In the
    balanced case ``W(k/N, k) = C(N, k)`` (the Binomial(N, μ) law of the total
    count), so the sum has ``N + 1`` terms.
    """
    size_arr = check_sizes(sizes)
    mu_arr = check_probability(mu, "mu", open_low=True, open_high=True)
    lam_arr = check_nonnegative(lam, "lam")
    try:
        mu_b, lam_b = np.broadcast_arrays(mu_arr, lam_arr)
    except ValueError as err:
        raise ValueError(f"mu and lam must broadcast together: {err}") from err
    shape = mu_b.shape
    mu_f, lam_f = mu_b.ravel(), lam_b.ravel()
    law = _law(size_arr)
    out = np.empty(mu_f.size)
    step = max(1, _BLOCK // law.s.size)
    for lo in range(0, mu_f.size, step):  # blocks bound memory
        cols = slice(lo, lo + step)
        out[cols] = logsumexp(_log_terms(law, mu_f[cols], lam_f[cols]), axis=0)
    out = out.reshape(shape)
    return float(out) if out.ndim == 0 else out


@guard_overflow("lam")
def kl_mgf(sizes: ArrayLike, mu: ArrayLike, lam: ArrayLike) -> NDArray[np.float64]:
    """Exact ``E[exp(n·lam·kl(μ̂‖μ))]`` for the mean of per-task Bernoulli means.

    Parameters
    ----------
    sizes, mu, lam
        As in :func:`log_kl_mgf`.  ``λ = m`` in the balanced case gives
        ``E[exp(mn·kl(μ̂‖μ))]``, the quantity in Maurer's lemma.

    Returns
    -------
    ndarray or float
        ``M_μ(λ) >= 1`` with the broadcast shape of ``mu`` and ``lam``.  The value
        is always finite for ``μ ∈ (0, 1)``; it is never returned as ``inf``.

    Raises
    ------
    ValueError
        As :func:`log_kl_mgf`.
    FloatRangeError
        (a ``ValueError`` and an ``OverflowError``) if a value exceeds the float64
        range (≈ 1.8e308); use :func:`log_kl_mgf`.

    Notes
    -----
    ``μ̂ = (1/n) Σ_i (1/m_i) Σ_j Z_ij`` with ``Z_ij ~ Bernoulli(μ)`` i.i.d.;
    ``M_μ(λ) = Σ Pr(μ̂ = v) exp(nλ kl(v‖μ))``, computed as ``exp`` of
    :func:`log_kl_mgf`.  By Jensen (``kl >= 0``) ``M_μ(λ) >= 1``.
    """
    log_val = np.asarray(log_kl_mgf(sizes, mu, lam))
    if np.any(log_val > _LOG_FLOAT_MAX):
        raise FloatRangeError(
            "lam (or sizes) too large: kl_mgf exceeds the float64 range (the exact "
            "value is finite); use log_kl_mgf"
        )
    out = np.exp(log_val)
    return float(out) if out.ndim == 0 else out


def logit_grid(num: int = 401, eps: float = 1e-12) -> NDArray[np.float64]:
    """Grid on (0, 1) uniform in ``logit(μ)``, dense near both ends.

    Parameters
    ----------
    num : int
        Number of points (``>= 2``).
    eps : float
        Smallest point; the grid runs from ``eps`` to ``1 - eps``, ``0 < eps < 0.5``.

    Returns
    -------
    ndarray, shape (num,)
        Symmetric about 1/2 (``grid[::-1] == 1 - grid`` to round-off).

    Raises
    ------
    TypeError
        If ``num`` is not an integer or ``eps`` is not a number.
    ValueError
        If ``num < 2`` or ``eps`` is not a finite scalar in (0, 0.5).
    """
    num = check_int(num, "num", minimum=2)
    eps_arr = as_float_array(eps, "eps")
    if eps_arr.ndim != 0 or not 0 < eps_arr < 0.5:
        raise ValueError(f"eps must be a scalar in (0, 0.5), got {eps!r}")
    t_max = math.log((1 - float(eps_arr)) / float(eps_arr))
    return 1.0 / (1.0 + np.exp(-np.linspace(-t_max, t_max, num)))


@guard_overflow("lam")
def sup_kl_mgf(
    sizes: ArrayLike, lam: ArrayLike, mu: ArrayLike | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Largest ``ln M_μ(λ)`` over a grid of ``μ`` values, with its maximiser.

    Parameters
    ----------
    sizes : array_like of int
        Task sizes ``(m_1, ..., m_n)``.
    lam : array_like
        Exponent scales ``λ >= 0`` (any shape).
    mu : array_like, optional
        1-D grid of ``μ`` values in (0, 1); default :func:`logit_grid` ``()``.

    Returns
    -------
    log_sup : ndarray
        ``max_{μ in grid} ln M_μ(λ)``, shape of ``lam`` (float for scalar ``lam``).
        A lower bound on ``ln sup_{0<μ<1} M_μ(λ)``.
    argmax : ndarray
        The grid point attaining it, same shape.

    Raises
    ------
    ValueError
        As :func:`log_kl_mgf`, or if ``mu`` is not 1-D.
    """
    grid = logit_grid() if mu is None else as_float_array(mu, "mu")
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError("mu must be a non-empty 1-D grid")
    lam_arr = check_nonnegative(lam, "lam")
    values = np.asarray(
        log_kl_mgf(sizes, grid.reshape((-1,) + (1,) * lam_arr.ndim), lam_arr)
    )
    values = np.broadcast_to(values, (grid.size, *lam_arr.shape))
    best = np.argmax(values, axis=0)
    log_sup = np.take_along_axis(values, best[None], axis=0)[0]
    argmax = grid[best]
    if log_sup.ndim == 0:
        return float(log_sup), float(argmax)
    return log_sup, argmax


def maurer_xi_bounds(
    big_n: ArrayLike,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Analytic lower and upper bounds on Maurer's sum ``ξ(N)``.

    Parameters
    ----------
    big_n : array_like of int
        Sample counts ``N >= 1``.

    Returns
    -------
    lower, upper : ndarray or float
        For ``N >= 2``:
        ``lower = 2 + e^{-1/6} sqrt(N/(2π)) (π - 4 arcsin(N^{-1/2}))`` and
        ``upper = 2 + e^{1/(12N)} sqrt(N/(2π)) (π - 4 arcsin((2N)^{-1/2}))``;
        both equal ``ξ(1) = 2`` at ``N = 1``.

    Raises
    ------
    ValueError
        If an entry of ``big_n`` is not an integer in ``[1, 2**53]`` (beyond
        ``2**53`` a float64 no longer tells consecutive integers apart).

    Notes
    -----
    ``ξ(N) = Σ_k C(N,k) (k/N)^k (1-k/N)^{N-k} = E exp(N kl(μ̂‖μ))`` for Bernoulli
    samples (any ``μ``).  Robbins' Stirling bounds write the inner terms as
    ``sqrt(N/(2π)) f(k) e^{r}`` with ``f(x) = 1/sqrt(x(N-x))`` and
    ``-1/6 < r < 1/(12N)``; comparing the sum of the convex ``f`` with its integral
    (midpoint rule above, monotone pieces below) gives the bounds.
    """
    arr = check_positive(big_n, "big_n")
    if np.any(arr != np.round(arr)) or np.any(arr > 2.0**53):
        raise ValueError("big_n must be integers in [1, 2**53]")
    root = np.sqrt(arr / (2.0 * np.pi))
    upper = 2.0 + np.exp(1.0 / (12.0 * arr)) * root * (
        np.pi - 4.0 * np.arcsin(1.0 / np.sqrt(2.0 * arr))
    )
    lower = 2.0 + np.exp(-1.0 / 6.0) * root * (
        np.pi - 4.0 * np.arcsin(1.0 / np.sqrt(arr))
    )
    one = arr == 1
    lower, upper = np.where(one, 2.0, lower), np.where(one, 2.0, upper)
    if lower.ndim == 0:
        return float(lower), float(upper)
    return lower, upper


@guard_overflow("lam")
def log_blowup_lower_bound(
    sizes: ArrayLike, mu: ArrayLike, lam: ArrayLike
) -> NDArray[np.float64]:
    """Log of the blow-up event's contribution to ``E exp(n·lam·kl(μ̂‖μ))``.

    Parameters
    ----------
    sizes, mu, lam
        As in :func:`log_kl_mgf`.

    Returns
    -------
    ndarray or float
        ``ln[Pr(A) exp(nλ kl(1/n‖μ))]`` where ``A`` is the event that a smallest task
        is all ones and every other sample is zero; a lower bound on
        :func:`log_kl_mgf`.

    Raises
    ------
    ValueError
        As :func:`log_kl_mgf`.

    Notes
    -----
    ``Pr(A) = μ^{m_min} (1-μ)^{M - m_min}`` and ``μ̂ = 1/n`` on ``A``, so the bound is
    ``m_min ln μ + (M - m_min) ln(1-μ) + nλ kl(1/n‖μ)``; it grows like
    ``(λ - m_min) ln(1/μ)`` as ``μ → 0`` (the blow-up lemma).
    """
    size_arr = check_sizes(sizes)
    mu_arr = check_probability(mu, "mu", open_low=True, open_high=True)
    lam_arr = check_nonnegative(lam, "lam")
    n, m_min, total = size_arr.size, int(size_arr.min()), int(size_arr.sum())
    q = 1.0 / n
    kl = q * np.log(q / mu_arr) + xlogy(1.0 - q, (1.0 - q) / (1.0 - mu_arr))
    out = (
        m_min * np.log(mu_arr) + (total - m_min) * np.log1p(-mu_arr) + n * lam_arr * kl
    )
    return float(out) if np.ndim(out) == 0 else out


# Per-task probabilities below this fraction of the task's largest are dropped.
_TRIM = 1e-300


def _direct_convolve(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray:
    """Direct (not FFT) convolution: nonnegative terms only, no cancellation.

    A sparse ``b`` (a small task's few atoms on a fine grid) is applied as a sum of
    shifted copies of ``a``, one array operation per atom.
    """
    nz = np.flatnonzero(b)
    if 4 * nz.size >= b.size:
        return np.convolve(a, b)
    out = np.zeros(a.size + b.size - 1)
    for k in nz.tolist():
        out[k : k + a.size] += b[k] * a
    return out


def _binned_log_mgf_one(
    sizes: NDArray[np.int64], mu: float, lam: float, cells: int
) -> float:
    """``ln M_μ(λ)`` for one ``(μ, λ)`` (see :func:`log_kl_mgf_binned`)."""
    n = sizes.size
    acc, offset, log_scale = np.ones(1), 0, 0.0
    log_mu, log_1mu = math.log(mu), math.log1p(-mu)
    for m_i in sizes.tolist():
        t = np.arange(m_i + 1)
        log_p = _log_binom(m_i, t) + t * log_mu + (m_i - t) * log_1mu
        peak = float(log_p.max())
        w = np.exp(log_p - peak)
        keep = w > _TRIM
        t, w = t[keep], w[keep]
        # Grid position of T/(n m_i) on the grid 1/(n·cells), where 0 and 1/n (a task
        # all zeros or all ones) are grid points; snap round-off onto grid points.
        x = t * cells / m_i
        x_round = np.round(x)
        x = np.where(np.abs(x - x_round) < 1e-9 * np.maximum(1.0, x), x_round, x)
        j = np.floor(x).astype(np.int64)
        frac = x - j
        lo = int(j.min())
        # Mean-preserving split of each atom between its two neighbouring points.
        arr = np.bincount(j - lo, w * (1.0 - frac), minlength=int(j.max()) - lo + 2)
        arr += np.bincount(j - lo + 1, w * frac, minlength=arr.size)
        acc = _direct_convolve(acc, arr)
        offset += lo
        nz = np.flatnonzero(acc > _TRIM * acc.max())
        acc = acc[nz[0] : nz[-1] + 1]
        offset += int(nz[0])
        top = float(acc.max())
        acc /= top
        log_scale += peak + math.log(top)
    v = np.minimum((offset + np.arange(acc.size)) / (n * cells), 1.0)
    keep = acc > 0
    v = v[keep]
    kl = xlogy(v, v) + xlogy(1.0 - v, 1.0 - v) - v * log_mu - (1.0 - v) * log_1mu
    return float(log_scale + logsumexp(np.log(acc[keep]) + n * lam * kl))


def log_kl_mgf_binned(
    sizes: ArrayLike, mu: ArrayLike, lam: ArrayLike, cells: int = 2048
) -> float | NDArray[np.float64]:
    """``ln E[exp(n·lam·kl(μ̂‖μ))]`` for many distinct task sizes, on a fine grid.

    :func:`log_kl_mgf` enumerates the exact law of ``μ̂``, whose atoms lie on the
    grid ``1/(n·lcm(m_i))``; with tens of distinct sizes between 50 and 5000 that
    common denominator is astronomically large.  This function computes the same
    expectation with every atom moved to a grid of spacing ``1/(n·cells)`` by a
    mean-preserving split, so the error is second order in the spacing.

    Parameters
    ----------
    sizes : array_like of int
        Task sizes ``(m_1, ..., m_n)``, each ``>= 1``.
    mu : array_like
        Success probabilities in (0, 1).
    lam : array_like
        Exponent scales ``λ >= 0``; broadcast with ``mu``.
    cells : int
        Grid intervals per task, ``>= 16``: each per-task term ``T_i/(n m_i) ∈
        [0, 1/n]`` lives on the grid ``k/(n·cells)``.  The error falls like
        ``cells^-2`` (halve it to estimate the error, as the chapter does).

    Returns
    -------
    float or ndarray
        ``ln M_μ(λ)`` with the broadcast shape of ``mu`` and ``lam``.  In exact
        arithmetic the split makes it an upper bound on the exact value, up to the
        trimmed per-task probabilities (below ``1e-300`` of each task's largest).

    Raises
    ------
    ValueError
        On invalid ``sizes``, ``mu`` outside (0, 1), negative ``lam`` or
        ``cells < 16``.

    Notes
    -----
    ``M_μ(λ) = Σ_v Pr(μ̂ = v) e^{nλ kl(v‖μ)}`` with ``μ̂ = Σ_i T_i/(n m_i)`` and
    independent ``T_i ~ Bin(m_i, μ)``.  Each ``T_i/(n m_i)`` is replaced by the grid
    variable that takes its two neighbouring grid points (both in ``[0, 1/n]``) with
    the probabilities that keep its mean; the replacement is larger in convex order,
    independence is kept, and ``v ↦ e^{nλ kl(v‖μ)}`` is convex on [0, 1], so the
    value can only grow, by at most about ``E[g''(μ̂)] / (8 n cells²)`` with
    ``g = e^{nλ kl(·‖μ)}``.  The law of the sum
    is the direct (not FFT) convolution of the per-task laws, rescaled after each
    task, so tail probabilities keep full relative precision down to the float
    range.  ``M_μ = M_{1−μ}`` (swap ``Z`` and ``1 − Z``), so ``μ > 1/2`` is mapped
    to ``1 − μ``.  Chapter *Unbalanced multitask learning*, section on the exact
    moment-generating function at the experiment's sizes.
    """
    size_arr = check_sizes(sizes)
    mu_arr = check_probability(mu, "mu", open_low=True, open_high=True)
    lam_arr = check_nonnegative(lam, "lam")
    cells = check_int(cells, "cells", minimum=16)
    try:
        mu_b, lam_b = np.broadcast_arrays(mu_arr, lam_arr)
    except ValueError as err:
        raise ValueError(f"mu and lam must broadcast together: {err}") from err
    mu_f = np.minimum(mu_b, 1.0 - mu_b).ravel()
    out = np.array(
        [
            _binned_log_mgf_one(size_arr, float(m), float(la), cells)
            for m, la in zip(mu_f, lam_b.ravel(), strict=True)
        ]
    ).reshape(mu_b.shape)
    return float(out) if out.ndim == 0 else out


def sup_kl_mgf_binned(
    sizes: ArrayLike, lam_fractions: ArrayLike, n_mu: int = 40, cells: int = 1024
) -> dict[str, Any]:
    """``max_μ ln M_μ(λ)`` for ``λ = f · m_min`` on a grid, with the binned law.

    Parameters
    ----------
    sizes : array_like of int
        Task sizes.
    lam_fractions : array_like
        Fractions ``f ∈ (0, 1]`` of ``m_min``.
    n_mu : int
        Points of the μ grid: :func:`logit_grid` restricted to ``(0, 1/2]``
        (``M_μ = M_{1−μ}``), ``>= 2``.
    cells : int
        Grid of :func:`log_kl_mgf_binned`, ``>= 16``; every value is computed
        with ``cells`` and with ``2·cells``, and the largest difference is
        returned as the discretisation error.

    Returns
    -------
    dict
        ``lam``, ``lam_fractions``, ``mu_grid``, ``log_mgf`` (ln M at ``2·cells``,
        one row per λ), ``log_sup`` and ``argmax_mu`` (its maximum over the μ
        grid), ``discretisation_error`` (largest ``|coarse − fine|``), ``cells``
        and ``log_maurer`` = ``ln(2 sqrt(n m_min))``.

    Raises
    ------
    ValueError
        If a fraction lies outside (0, 1], ``n_mu < 2`` or ``cells < 16``.

    Notes
    -----
    For sizes too large for :func:`sup_kl_mgf` (the exact law has
    ``n·lcm(m)`` support points); ``log_sup`` is a lower bound on
    ``ln sup_μ M_μ(λ)`` up to the discretisation error.
    """
    size_arr = check_sizes(sizes)
    frac = check_probability(lam_fractions, "lam_fractions", open_low=True).ravel()
    n_mu = check_int(n_mu, "n_mu", minimum=2)
    cells = check_int(cells, "cells", minimum=16)
    m_min = int(size_arr.min())
    lam = frac * m_min
    grid = logit_grid(2 * n_mu - 1, 1e-12)[:n_mu]  # ends at 1/2
    coarse, fine = (
        log_kl_mgf_binned(size_arr, grid[None, :], lam[:, None], cells=c)
        for c in (cells, 2 * cells)
    )
    best = np.argmax(fine, axis=1)
    return {
        "lam": lam,
        "lam_fractions": frac,
        "mu_grid": grid,
        "log_mgf": fine,
        "argmax_mu": grid[best],
        "log_sup": fine[np.arange(lam.size), best],
        "discretisation_error": float(np.max(np.abs(coarse - fine))),
        "cells": 2 * cells,
        "log_maurer": math.log(2 * math.sqrt(size_arr.size * m_min)),
    }
