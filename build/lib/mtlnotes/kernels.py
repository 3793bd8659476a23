"""Kernel ridge regression and Gaussian-process regression, solved stably.

The two estimators coincide: the GP posterior mean with prior kernel
``tau**2 * K0`` and noise variance ``sigma**2`` is kernel ridge regression on
``K0`` with ``lam = sigma**2 / tau**2`` (chapter *Deep networks via the neural
tangent kernel*).  Linear systems are solved by a Cholesky factorisation of the
symmetric positive definite matrix ``K + lam I``; no explicit inverse is formed.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike, NDArray

from mtlnotes._validate import (
    as_float_array,
    check_nonnegative,
    check_psd,
    guard_overflow,
)

__all__ = [
    "gp_posterior",
    "kernel_ridge_predict",
    "ridge_condition_number",
    "ridge_gd_steps",
]


def _check_kernel_blocks(
    K_train: ArrayLike,
    K_cross: ArrayLike,
    y: ArrayLike,
    names: tuple[str, str] = ("K_train", "K_cross"),
) -> tuple[NDArray, NDArray, NDArray]:
    """Validate the train kernel, the test-train kernel and the targets.

    ``names`` are the caller's names of the two kernel blocks, for messages.
    """
    train_name, cross_name = names
    K, _ = check_psd(K_train, train_name)
    Kx = as_float_array(K_cross, cross_name)
    n = K.shape[0]
    if Kx.ndim != 2 or Kx.shape[1] != n:
        raise ValueError(f"{cross_name} must have shape (m, {n}), got {Kx.shape}")
    yy = as_float_array(y, "y")
    if yy.ndim not in (1, 2) or yy.shape[0] != n:
        raise ValueError(f"y must have shape ({n},) or ({n}, k), got {yy.shape}")
    return K, Kx, yy


def _cholesky_solve(A: NDArray, B: NDArray, what: str) -> NDArray:
    """Solve ``A X = B`` for symmetric positive definite ``A`` via Cholesky."""
    try:
        factor = scipy.linalg.cho_factor(A, lower=True, check_finite=False)
    except np.linalg.LinAlgError as err:
        raise ValueError(
            f"{what} is not numerically positive definite; use a larger "
            "regulariser (lam > 0 or sigma > 0)"
        ) from err
    return scipy.linalg.cho_solve(factor, B, check_finite=False)


def kernel_ridge_predict(
    K_train: ArrayLike, K_cross: ArrayLike, y: ArrayLike, lam: float
) -> NDArray[np.float64]:
    """Kernel ridge regression prediction at test points.

    Parameters
    ----------
    K_train : array_like, shape (n, n)
        Symmetric positive semidefinite kernel matrix ``K(X, X)`` of the
        training inputs.
    K_cross : array_like, shape (m, n)
        Kernel ``K(x, X)`` between ``m`` test inputs and the training inputs.
    y : array_like, shape (n,) or (n, k)
        Training targets.
    lam : float
        Ridge parameter, ``lam >= 0``.  ``lam = 0`` is the kernel interpolant
        and needs ``K_train`` positive definite.

    Returns
    -------
    ndarray, shape (m,) or (m, k)
        Predictions ``K(x, X) (K(X, X) + lam I)^{-1} y``.

    Raises
    ------
    ValueError
        If ``lam < 0``, ``K_train`` is not symmetric PSD, the shapes do not
        match, or ``K_train + lam I`` is singular.

    Notes
    -----
    The prediction is the minimiser over the RKHS of
    ``sum_i (y_i - f(x_i))**2 + lam * ||f||_H**2`` evaluated at ``x``; the
    system ``(K + lam I) a = y`` is solved by Cholesky.
    """
    K, Kx, yy = _check_kernel_blocks(K_train, K_cross, y)
    lam = float(check_nonnegative(lam, "lam"))
    alpha = _cholesky_solve(K + lam * np.eye(K.shape[0]), yy, "K_train + lam I")
    return Kx @ alpha


@guard_overflow("sigma", "tau")
def gp_posterior(
    K0_train: ArrayLike,
    K0_cross: ArrayLike,
    K0_test: ArrayLike,
    y: ArrayLike,
    sigma: float,
    tau: float = 1.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Posterior mean and covariance of GP regression with kernel ``tau**2 K0``.

    Parameters
    ----------
    K0_train : array_like, shape (n, n)
        Base kernel on the training inputs (symmetric PSD).
    K0_cross : array_like, shape (m, n)
        Base kernel between test and training inputs.
    K0_test : array_like, shape (m, m)
        Base kernel on the test inputs.
    y : array_like, shape (n,)
        Noisy observations ``y_i = f(x_i) + eps_i``.
    sigma : float
        Noise standard deviation, ``sigma >= 0``.
    tau : float, default 1.0
        Prior scale, ``tau > 0``: the prior is ``f ~ GP(0, tau**2 K0)``.

    Returns
    -------
    mean : ndarray, shape (m,)
        ``tau**2 K0(x, X) (tau**2 K0(X, X) + sigma**2 I)^{-1} y``.
    cov : ndarray, shape (m, m)
        ``tau**2 K0(x, x) - tau**4 K0(x, X) (tau**2 K0(X, X) + sigma**2 I)^{-1}
        K0(X, x)``.

    Raises
    ------
    TypeError
        If a kernel block, ``y``, ``sigma`` or ``tau`` is not numeric.
    ValueError
        If ``sigma < 0``, ``tau <= 0``, a kernel block is malformed (not finite,
        ``K0_train`` or ``K0_test`` not symmetric PSD, ``K0_cross`` not of
        shape ``(m, n)``), or ``tau**2 K0(X, X) + sigma**2 I`` is singular.
        The message names the argument.

    Notes
    -----
    Conditioning the jointly Gaussian vector ``(f(x), y)`` on ``y``
    {cite}`rasmussen2006gaussian`.  The mean equals
    ``kernel_ridge_predict(K0_train, K0_cross, y, sigma**2 / tau**2)``.
    """
    K, Kx, yy = _check_kernel_blocks(K0_train, K0_cross, y, ("K0_train", "K0_cross"))
    if yy.ndim != 1:
        raise ValueError(f"y must be one-dimensional, got shape {yy.shape}")
    Kt, _ = check_psd(K0_test, "K0_test")
    if Kt.shape[0] != Kx.shape[0]:
        raise ValueError(
            f"K0_test must have shape ({Kx.shape[0]}, {Kx.shape[0]}), got {Kt.shape}"
        )
    sigma = float(check_nonnegative(sigma, "sigma"))
    tau = float(as_float_array(tau, "tau"))
    if tau <= 0:
        raise ValueError("tau must be > 0")
    C = tau**2 * K + sigma**2 * np.eye(K.shape[0])
    rhs = np.column_stack([yy, tau**2 * Kx.T])
    sol = _cholesky_solve(C, rhs, "tau**2 K0_train + sigma**2 I")
    mean = tau**2 * Kx @ sol[:, 0]
    cov = tau**2 * Kt - tau**2 * Kx @ sol[:, 1:]
    return mean, (cov + cov.T) / 2


def ridge_condition_number(K: ArrayLike, lam: ArrayLike) -> NDArray[np.float64]:
    """Condition number of ``K + lam I`` for each ridge parameter ``lam``.

    Parameters
    ----------
    K : array_like, shape (n, n)
        Symmetric positive semidefinite matrix.
    lam : array_like
        Ridge parameters, ``lam >= 0`` (broadcasts).

    Returns
    -------
    ndarray
        ``(lambda_max + lam) / (lambda_min + lam)``, ``inf`` where the
        denominator is zero, with the shape of ``lam``.

    Raises
    ------
    ValueError
        If ``K`` is not symmetric PSD or ``lam < 0``.

    Notes
    -----
    The eigenvalues of ``K + lam I`` are ``lambda_i + lam``; the 2-norm
    condition number of a symmetric PD matrix is the ratio of the extreme
    eigenvalues.  It is non-increasing in ``lam`` and strictly decreasing when
    ``lambda_max > lambda_min``.
    """
    _, eig = check_psd(K, "K")
    lam_arr = check_nonnegative(lam, "lam")
    num = eig[-1] + lam_arr
    den = eig[0] + lam_arr
    with np.errstate(divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)


def ridge_gd_steps(K: ArrayLike, lam: float, tol: float = 1e-8) -> int:
    """Gradient-descent steps that shrink the ridge error by a factor ``tol``.

    Parameters
    ----------
    K : array_like, shape (n, n)
        Symmetric positive semidefinite kernel (or Hessian) matrix.
    lam : float
        Ridge parameter, ``lam > 0`` or ``K`` positive definite.
    tol : float, default 1e-8
        Target contraction, ``0 < tol < 1``.

    Returns
    -------
    int
        The smallest ``k`` with ``(1 - 1/kappa)**k <= tol``, where
        ``kappa = (lambda_max + lam) / (lambda_min + lam)``.

    Raises
    ------
    ValueError
        If ``K`` is not PSD, ``lam < 0``, ``tol`` is outside ``(0, 1)`` or
        ``K + lam I`` is singular.

    Notes
    -----
    Gradient descent on ``0.5 a^T (K + lam I) a - b^T a`` with step
    ``1 / (lambda_max + lam)`` multiplies the error along each eigenvector by
    ``1 - (lambda_i + lam) / (lambda_max + lam)``; the slowest factor is
    ``1 - 1/kappa``.  With ``kappa = 1`` one step is exact.
    """
    kappa = float(ridge_condition_number(K, lam))
    tol = float(as_float_array(tol, "tol"))
    if not 0 < tol < 1:
        raise ValueError("tol must lie in (0, 1)")
    if not np.isfinite(kappa):
        raise ValueError("K + lam I is singular; use lam > 0")
    if kappa == 1.0:
        return 1
    return max(1, int(np.ceil(np.log(tol) / np.log1p(-1.0 / kappa))))
