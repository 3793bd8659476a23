"""Gradient descent on strongly convex quadratics and its contraction rate.

The least-squares objective :math:`\\hat L(\\beta) = \\tfrac12 \\beta^\\top H\\beta -
b^\\top\\beta` with Hessian :math:`H = Z^\\top Z \\succ 0` is minimised by
:math:`\\beta^* = H^{-1} b`.  Gradient descent with step size :math:`\\eta` obeys
the exact error recursion

.. math:: \\beta_{k+1} - \\beta^* = (I - \\eta H)(\\beta_k - \\beta^*),

so the error contracts by :math:`\\|I - \\eta H\\|_2 = \\max_i |1 - \\eta\\lambda_i|`
per step.  This module computes that factor, the step size that minimises it,
and the iterate history, so that the book can compare prediction and
measurement.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mtlnotes._validate import (
    as_float_array,
    check_int,
    check_positive,
    check_psd,
    check_spd,
    guard_overflow,
)

__all__ = [
    "condition_number",
    "contraction_factor",
    "gd_contraction",
    "gd_quadratic",
    "iterations_to_tolerance",
    "optimal_step_size",
]


def condition_number(H: ArrayLike) -> float:
    """Spectral condition number of a symmetric positive semidefinite matrix.

    Parameters
    ----------
    H : array_like, shape (d, d)
        Symmetric positive semidefinite matrix.

    Returns
    -------
    float
        :math:`\\kappa(H) = \\lambda_{\\max}(H) / \\lambda_{\\min}(H)`, and
        ``inf`` when ``H`` is singular (:math:`\\lambda_{\\min} = 0` to round-off).

    Raises
    ------
    ValueError
        If ``H`` is not square, not symmetric, not PSD, or not finite.
    """
    _, eig = check_psd(H, "H")
    tol = eig.size * np.finfo(float).eps * eig[-1]
    if eig[-1] == 0.0 or eig[0] <= tol:
        return math.inf
    return float(eig[-1] / eig[0])


def optimal_step_size(H: ArrayLike) -> float:
    """Step size that minimises the GD contraction factor on a quadratic.

    Parameters
    ----------
    H : array_like, shape (d, d)
        Symmetric positive definite Hessian.

    Returns
    -------
    float
        :math:`\\eta^* = 2 / (\\lambda_{\\max}(H) + \\lambda_{\\min}(H))`.

    Raises
    ------
    ValueError
        If ``H`` is not symmetric positive definite.
    """
    _, eig = check_spd(H, "H")
    return float(2.0 / (eig[-1] + eig[0]))


@guard_overflow("eta")
def contraction_factor(H: ArrayLike, eta: float) -> float:
    """Per-step error contraction of GD with step ``eta`` on a quadratic.

    Parameters
    ----------
    H : array_like, shape (d, d)
        Symmetric positive definite Hessian.
    eta : float
        Step size, ``eta > 0``.

    Returns
    -------
    float
        :math:`\\rho(\\eta) = \\|I - \\eta H\\|_2 = \\max(|1 - \\eta\\lambda_{\\min}|,
        |1 - \\eta\\lambda_{\\max}|)`.  GD converges from every start iff
        :math:`\\rho < 1`, i.e. iff :math:`0 < \\eta < 2/\\lambda_{\\max}`.

    Raises
    ------
    ValueError
        If ``H`` is not symmetric positive definite or ``eta <= 0``.
    """
    _, eig = check_spd(H, "H")
    eta = float(check_positive(eta, "eta"))
    return float(max(abs(1.0 - eta * eig[0]), abs(1.0 - eta * eig[-1])))


def gd_contraction(H: ArrayLike) -> float:
    """Contraction factor of GD with the optimal step size.

    Parameters
    ----------
    H : array_like, shape (d, d)
        Symmetric positive definite Hessian.

    Returns
    -------
    float
        :math:`(\\kappa - 1)/(\\kappa + 1)` with :math:`\\kappa = \\kappa(H)`, the
        value of :math:`\\|I - \\eta H\\|_2` at :math:`\\eta = 2/(\\lambda_{\\max} +
        \\lambda_{\\min})`.  Computed as :math:`(\\lambda_{\\max} -
        \\lambda_{\\min})/(\\lambda_{\\max} + \\lambda_{\\min})`, which stays
        accurate for :math:`\\kappa` up to :math:`10^{12}` and beyond.

    Raises
    ------
    ValueError
        If ``H`` is not square, not symmetric or not positive definite.

    Examples
    --------
    >>> gd_contraction([[3.0, 0.0], [0.0, 1.0]])
    0.5
    """
    _, eig = check_spd(H, "H")
    return float((eig[-1] - eig[0]) / (eig[-1] + eig[0]))


@guard_overflow("eta")
def gd_quadratic(
    H: ArrayLike,
    b: ArrayLike,
    beta0: ArrayLike,
    eta: float,
    n_steps: int,
) -> NDArray[np.float64]:
    """Run full-batch gradient descent on a quadratic objective.

    The objective is :math:`\\tfrac12\\beta^\\top H\\beta - b^\\top\\beta`.

    Parameters
    ----------
    H : array_like, shape (d, d)
        Symmetric positive semidefinite Hessian (e.g. :math:`Z^\\top Z`).
    b : array_like, shape (d,)
        Linear term (e.g. :math:`Z^\\top y`).
    beta0 : array_like, shape (d,)
        Starting point.
    eta : float
        Step size, ``eta > 0``.
    n_steps : int
        Number of GD steps, ``n_steps >= 0``.

    Returns
    -------
    ndarray, shape (n_steps + 1, d)
        Iterates :math:`\\beta_0, \\dots, \\beta_K` of
        :math:`\\beta_{k+1} = \\beta_k - \\eta (H\\beta_k - b)`.

    Raises
    ------
    ValueError
        If shapes disagree, ``H`` is not symmetric PSD, ``eta <= 0`` or
        ``n_steps < 0``.
    """
    H, _ = check_psd(H, "H")
    d = H.shape[0]
    b = as_float_array(b, "b")
    beta0 = as_float_array(beta0, "beta0")
    if b.shape != (d,):
        raise ValueError(f"b must have shape ({d},) to match H, got {b.shape}")
    if beta0.shape != (d,):
        raise ValueError(f"beta0 must have shape ({d},) to match H, got {beta0.shape}")
    eta = float(check_positive(eta, "eta"))
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    # The affine map beta -> (I - eta H) beta + eta b, applied n_steps times.
    step = np.eye(d) - eta * H
    shift = eta * b
    history = np.empty((n_steps + 1, d))
    history[0] = beta0
    for k in range(n_steps):  # a loop over iterations, which are sequential
        history[k + 1] = step @ history[k] + shift
    return history


def iterations_to_tolerance(kappa: ArrayLike, tol: float) -> NDArray[np.int64]:
    """Worst-case GD iterations for the error to shrink by a factor ``tol``.

    Parameters
    ----------
    kappa : array_like
        Condition numbers, each ``>= 1``.
    tol : float
        Target relative error :math:`\\|\\beta_k-\\beta^*\\| / \\|\\beta_0-\\beta^*\\|`,
        ``0 < tol < 1``.

    Returns
    -------
    ndarray of int
        :math:`k(\\kappa) = \\lceil \\ln(1/\\text{tol}) / \\ln((\\kappa+1)/(\\kappa-1))
        \\rceil`, the smallest :math:`k` with :math:`((\\kappa-1)/(\\kappa+1))^k \\le
        \\text{tol}`; ``0`` for :math:`\\kappa = 1`.  For large :math:`\\kappa`,
        :math:`k \\approx \\tfrac{\\kappa}{2}\\ln(1/\\text{tol})`.

    Raises
    ------
    ValueError
        If any ``kappa < 1`` or ``tol`` is outside (0, 1), or if ``kappa`` is so
        large that :math:`k(\\kappa)` exceeds the int64 range (about
        :math:`\\kappa > 2^{64}/\\ln(1/\\text{tol})`).
    """
    kappa = as_float_array(kappa, "kappa")
    if np.any(kappa < 1):
        raise ValueError("kappa must be >= 1")
    tol = float(as_float_array(tol, "tol"))
    if not 0 < tol < 1:
        raise ValueError("tol must lie in (0, 1)")
    # k ~ (kappa / 2) ln(1/tol) must fit in int64
    kappa_max = 2.0**64 / np.log(1.0 / tol)
    too_big = ValueError(
        f"kappa must lie in [1, {kappa_max:.3g}] for tol = {tol:g}: the iteration "
        "count must fit in int64"
    )
    if np.any(kappa > kappa_max):
        raise too_big
    with np.errstate(divide="ignore"):
        # ln((k+1)/(k-1)) = log1p(2/(k-1)), accurate for huge kappa
        rate = np.log1p(2.0 / np.where(kappa > 1, kappa - 1.0, np.inf))
    safe = np.where(kappa > 1, rate, 1.0)
    k = np.ceil(np.log(1.0 / tol) / safe - 1e-12)
    if np.any(k >= 2.0**63):
        raise too_big
    return np.where(kappa > 1, k, 0).astype(np.int64)
