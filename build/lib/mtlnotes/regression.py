r"""Least squares and ridge (Gaussian-prior MAP) regression: estimators and risks.

The model is :math:`y = X\beta^* + \varepsilon` with :math:`X \in \mathbb R^{n\times
d}` and :math:`\varepsilon \sim \mathcal N(0, \sigma^2 I_n)`.  This module holds

* the estimators: ordinary least squares :math:`\hat\beta_{LS} = (X^\top
  X)^{-1}X^\top y` and ridge :math:`\hat\theta_\lambda = (X^\top X + \lambda
  I)^{-1}X^\top y` (the MAP estimator under the prior :math:`\mathcal N(0, \tau^2
  I)` when :math:`\lambda = \sigma^2/\tau^2`);
* their exact risks in parameter norm :math:`\mathbb E\|\hat\beta - \beta^*\|^2`
  (Gaussian random design for OLS, fixed design for ridge);
* Monte-Carlo estimators of the same risks, vectorised over replications, which
  return ``(mean, standard_error)`` so that the book can compare formula and
  simulation in units of standard errors.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mtlnotes._validate import (
    as_float_array,
    check_generator,
    check_int,
    check_nonnegative,
    check_psd,
    check_spd,
    guard_overflow,
)

__all__ = [
    "covariance_with_condition",
    "gaussian_design",
    "ols_estimate",
    "ols_risk",
    "ols_risk_mc",
    "ridge_bayes_risk",
    "ridge_estimate",
    "ridge_posterior_risk",
    "ridge_risk",
    "ridge_risk_mc",
]


# --------------------------------------------------------------------------- helpers
def _design(X: ArrayLike) -> NDArray[np.float64]:
    X = as_float_array(X, "X")
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must be a non-empty 2-D array (n, d), got shape {X.shape}")
    return X


def _response(y: ArrayLike, n: int) -> NDArray[np.float64]:
    y = as_float_array(y, "y")
    if y.ndim not in (1, 2) or y.shape[0] != n:
        raise ValueError(
            f"y must have shape ({n},) or ({n}, k) to match X, got {y.shape}"
        )
    return y


def _vector(theta: ArrayLike, d: int, name: str) -> NDArray[np.float64]:
    theta = as_float_array(theta, name)
    if theta.shape != (d,):
        raise ValueError(f"{name} must have shape ({d},) to match X, got {theta.shape}")
    return theta


def _scalar_nonneg(x: float, name: str) -> float:
    arr = check_nonnegative(x, name)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a scalar >= 0, got shape {arr.shape}")
    return float(arr)


def _scale_rows(w: NDArray, a: NDArray) -> NDArray:
    """``diag(w) @ a`` for a vector or matrix ``a``."""
    return w * a if a.ndim == 1 else w[:, None] * a


def _mean_se(samples: NDArray[np.float64]) -> tuple[float, float]:
    r"""Sample mean and its standard error ``std(ddof=1) / sqrt(R)``."""
    return float(samples.mean()), float(samples.std(ddof=1) / np.sqrt(samples.size))


def _weight(weight: ArrayLike | None, d: int) -> NDArray[np.float64] | None:
    if weight is None:
        return None
    M, _ = check_psd(weight, "weight")
    if M.shape != (d, d):
        raise ValueError(f"weight must have shape ({d}, {d}), got {M.shape}")
    return M


# ------------------------------------------------------------------------ estimators
def ols_estimate(
    X: ArrayLike, y: ArrayLike, *, min_norm: bool = False
) -> NDArray[np.float64]:
    r"""Ordinary least-squares estimate.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Design matrix.
    y : array_like, shape (n,) or (n, k)
        Responses; ``k`` columns are ``k`` independent regressions on the same ``X``.
    min_norm : bool, default False
        If ``False``, ``X`` must have full column rank ``d`` (so :math:`X^\top X`
        is invertible and the estimate unique).  If ``True``, return the
        minimum-norm least-squares solution :math:`X^+ y` for any ``X``.

    Returns
    -------
    ndarray, shape (d,) or (d, k)
        :math:`\hat\beta = (X^\top X)^{-1}X^\top y` (or :math:`X^+ y`).

    Raises
    ------
    ValueError
        If ``X`` is not 2-D, ``y`` does not match ``X``, or (``min_norm=False``)
        ``X`` does not have full column rank.

    Notes
    -----
    Computed from the thin SVD :math:`X = U\operatorname{diag}(s)V^\top` as
    :math:`V\operatorname{diag}(1/s)U^\top y` (singular values below
    :math:`\max(n, d)\,\varepsilon\, s_{\max}` count as zero), which never forms
    :math:`X^\top X` and so does not square the condition number; one SVD serves
    all ``k`` columns of ``y``.
    """
    X = _design(X)
    y = _response(y, X.shape[0])
    U, sv, Vt = np.linalg.svd(X, full_matrices=False)
    keep = sv > max(X.shape) * np.finfo(float).eps * sv[0]
    rank = int(np.sum(keep))
    inv = np.divide(1.0, sv, out=np.zeros_like(sv), where=keep)
    beta = Vt.T @ _scale_rows(inv, U.T @ y)
    if not min_norm and rank < X.shape[1]:
        raise ValueError(
            f"X must have full column rank {X.shape[1]} for OLS (rank {rank}); "
            "pass min_norm=True for the minimum-norm solution"
        )
    return beta


def ridge_estimate(X: ArrayLike, y: ArrayLike, lam: float) -> NDArray[np.float64]:
    r"""Ridge (Gaussian-prior MAP) estimate.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Design matrix.
    y : array_like, shape (n,) or (n, k)
        Responses; ``k`` columns are solved at once.
    lam : float
        Regularisation :math:`\lambda \ge 0`.  The MAP estimator under the prior
        :math:`\theta \sim \mathcal N(0, \tau^2 I)` and noise variance
        :math:`\sigma^2` uses :math:`\lambda = \sigma^2/\tau^2`.  ``lam = 0`` is
        OLS and requires full column rank (see :func:`ols_estimate`).

    Returns
    -------
    ndarray, shape (d,) or (d, k)
        :math:`\hat\theta_\lambda = (X^\top X + \lambda I)^{-1} X^\top y`.

    Raises
    ------
    ValueError
        If ``lam < 0``, shapes disagree, or ``lam = 0`` and ``X`` is rank deficient.

    Notes
    -----
    For ``lam > 0`` this uses the thin SVD :math:`X = U\operatorname{diag}(s)V^\top`:
    :math:`\hat\theta_\lambda = V\operatorname{diag}(s/(s^2+\lambda))U^\top y`
    (directions outside the row space of ``X`` get 0), which never forms
    :math:`X^\top X`; one SVD serves all ``k`` columns of ``y``.
    """
    X = _design(X)
    y = _response(y, X.shape[0])
    lam = _scalar_nonneg(lam, "lam")
    if lam == 0.0:
        return ols_estimate(X, y)
    U, sv, Vt = np.linalg.svd(X, full_matrices=False)
    return Vt.T @ _scale_rows(sv / (sv**2 + lam), U.T @ y)


# ----------------------------------------------------------------------------- risks
@guard_overflow("sigma")
def ols_risk(
    Sigma: ArrayLike, n: int, sigma: float, *, weight: ArrayLike | None = None
) -> float:
    r"""Exact risk of OLS under Gaussian random design.

    Parameters
    ----------
    Sigma : array_like, shape (d, d)
        Covariance of the rows :math:`x_i \sim \mathcal N(0, \Sigma)`; must be
        symmetric positive definite.
    n : int
        Sample size; the closed form needs ``n >= d + 2``.
    sigma : float
        Noise standard deviation, ``sigma >= 0``.
    weight : array_like, shape (d, d), optional
        PSD matrix :math:`M` defining the loss :math:`\|v\|_M^2 = v^\top M v`.
        Default: the identity (parameter norm).  ``weight=Sigma`` gives the
        prediction (excess) risk :math:`\mathbb E[\langle \hat\beta - \beta^*,
        x\rangle^2]`.

    Returns
    -------
    float
        :math:`\mathbb E\|\hat\beta_{LS} - \beta^*\|_M^2 = \sigma^2\,\mathrm{Tr}(
        \Sigma^{-1}M)/(n - d - 1)`: :math:`\sigma^2\mathrm{Tr}(\Sigma^{-1})/(n-d-1)`
        for the default, :math:`\sigma^2 d/(n-d-1)` for ``weight=Sigma``.

    Raises
    ------
    ValueError
        If ``Sigma`` is not symmetric positive definite (in particular if it is
        singular), ``n <= d + 1``, ``sigma < 0`` or ``weight`` is not PSD of the
        right shape.

    Notes
    -----
    Conditionally on :math:`X`, OLS is unbiased with covariance
    :math:`\sigma^2(X^\top X)^{-1}`, so the risk is :math:`\sigma^2\mathbb E\,
    \mathrm{Tr}((X^\top X)^{-1}M)`.  :math:`X^\top X` is Wishart
    :math:`W_d(\Sigma, n)` and the inverse-Wishart mean is
    :math:`\mathbb E[(X^\top X)^{-1}] = \Sigma^{-1}/(n-d-1)` for :math:`n > d+1`;
    for :math:`n \in \{d, d+1\}` the expectation is :math:`+\infty`.  The risk
    does not depend on :math:`\beta^*`.
    """
    Sigma, _ = check_spd(Sigma, "Sigma")
    d = Sigma.shape[0]
    n = check_int(n, "n", minimum=1)
    if n <= d + 1:
        raise ValueError(
            f"n must be >= d + 2 = {d + 2} for a finite closed form, got n = {n}"
        )
    sigma = _scalar_nonneg(sigma, "sigma")
    M = _weight(weight, d)
    Sinv = np.linalg.inv(Sigma)
    trace = np.trace(Sinv) if M is None else np.trace(Sinv @ M)
    return float(sigma**2 * trace / (n - d - 1))


@guard_overflow("sigma", "lam")
def ridge_risk(X: ArrayLike, theta: ArrayLike, sigma: float, lam: float) -> float:
    r"""Exact fixed-design risk of ridge regression in parameter norm.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Fixed design (any rank when ``lam > 0``).
    theta : array_like, shape (d,)
        True parameter :math:`\theta^*`.
    sigma : float
        Noise standard deviation, ``sigma >= 0``.
    lam : float
        Regularisation ``lam >= 0`` (``lam = 0`` needs full column rank).

    Returns
    -------
    float
        :math:`\mathbb E_\varepsilon\|\hat\theta_\lambda - \theta^*\|^2 =
        \sigma^2\mathrm{Tr}(A^{-1}X^\top X A^{-1}) + \lambda^2\|A^{-1}\theta^*\|^2`
        with :math:`A = X^\top X + \lambda I` (variance + squared bias).

    Raises
    ------
    ValueError
        If shapes disagree, ``sigma < 0``, ``lam < 0``, or ``lam = 0`` with
        rank-deficient ``X``.

    Notes
    -----
    With the SVD :math:`X = U\,\mathrm{diag}(s)V^\top` and :math:`\tilde\theta =
    V^\top\theta^*` the two terms are :math:`\sigma^2\sum_i s_i^2/(s_i^2+\lambda)^2`
    and :math:`\lambda^2\sum_i \tilde\theta_i^2/(s_i^2+\lambda)^2` (with
    :math:`s_i = 0` for :math:`i > \min(n, d)`), which is how they are computed.
    """
    X = _design(X)
    d = X.shape[1]
    theta = _vector(theta, d, "theta")
    sigma = _scalar_nonneg(sigma, "sigma")
    lam = _scalar_nonneg(lam, "lam")
    s2, V = _gram_eig(X, lam)
    denom = (s2 + lam) ** 2
    variance = sigma**2 * np.sum(s2 / denom)
    bias = lam**2 * np.sum((V.T @ theta) ** 2 / denom)
    return float(variance + bias)


@guard_overflow("tau", "sigma", "lam")
def ridge_bayes_risk(X: ArrayLike, tau: float, sigma: float, lam: float) -> float:
    r"""Ridge risk averaged over the prior :math:`\theta^* \sim N(0, \tau^2 I)`.

    Parameters
    ----------
    X, sigma, lam
        Design, noise standard deviation and regularisation, as in
        :func:`ridge_risk`.
    tau : float
        Prior standard deviation, ``tau >= 0``.

    Returns
    -------
    float
        :math:`\mathbb E_{\theta^*}\,\mathrm{ridge\_risk} = \sigma^2\mathrm{Tr}(
        A^{-1}X^\top XA^{-1}) + \lambda^2\tau^2\mathrm{Tr}(A^{-2})
        = \sum_i (\sigma^2 s_i^2 + \lambda^2\tau^2)/(s_i^2+\lambda)^2`.

    Raises
    ------
    ValueError
        If ``tau``, ``sigma`` or ``lam`` is negative, or ``lam = 0`` with
        rank-deficient ``X``.

    Notes
    -----
    Each summand is minimised at :math:`\lambda = \sigma^2/\tau^2` (the MAP /
    posterior-mean choice), where the sum equals :math:`\sigma^2\mathrm{Tr}((X^\top
    X + \lambda I)^{-1})`, the trace of the posterior covariance.
    """
    X = _design(X)
    tau = _scalar_nonneg(tau, "tau")
    sigma = _scalar_nonneg(sigma, "sigma")
    lam = _scalar_nonneg(lam, "lam")
    s2, _ = _gram_eig(X, lam)
    return float(np.sum((sigma**2 * s2 + lam**2 * tau**2) / (s2 + lam) ** 2))


def _gram_eig(X: NDArray, lam: float) -> tuple[NDArray, NDArray]:
    r"""Eigenvalues ``s_i^2`` (length d) and eigenvectors of ``X^T X`` via the SVD."""
    d = X.shape[1]
    _, s, Vt = np.linalg.svd(X, full_matrices=True)
    s2 = np.zeros(d)
    s2[: s.size] = s**2
    if lam == 0.0:
        tol = max(X.shape) * np.finfo(float).eps * (s[0] if s.size else 0.0)
        if s.size < d or s[-1] <= tol:
            raise ValueError(
                f"X must have full column rank {d} when lam = 0 (the risk is "
                "infinite for unidentifiable directions); use lam > 0"
            )
    return s2, Vt.T


@guard_overflow("sigma")
def ridge_posterior_risk(
    X: ArrayLike,
    sigma: float,
    lam: ArrayLike,
    *,
    weight: ArrayLike | None = None,
) -> NDArray[np.float64]:
    r"""Conditional risk :math:`\sigma^2\mathrm{Tr}(M(X^\top X + \lambda I)^{-1})`.

    Batched over leading axes of ``X`` (a stack of Monte-Carlo designs) and over
    an array of ``lam`` values, with one eigendecomposition per design.

    Parameters
    ----------
    X : array_like, shape (..., n, d)
        One design or a stack of designs.
    sigma : float
        Noise standard deviation, ``sigma >= 0``.
    lam : float or array_like, shape (L,)
        Regularisation(s) ``lam >= 0``; ``lam = 0`` needs every design to have
        full column rank.
    weight : array_like, shape (d, d), optional
        PSD loss matrix :math:`M` (default identity).

    Returns
    -------
    ndarray, shape X.shape[:-2] + lam.shape
        :math:`\sigma^2\mathrm{Tr}(M(X^\top X + \lambda I)^{-1})` per design (and
        per ``lam``).

    Raises
    ------
    ValueError
        If ``X`` has fewer than 2 dimensions, ``sigma < 0``, any ``lam < 0`` or
        ``lam`` has more than one dimension, ``weight`` is not PSD ``(d, d)``, or
        some ``lam`` is 0 and some design is rank deficient.

    Notes
    -----
    With :math:`X^\top X = \sum_i w_i u_iu_i^\top`, the value is
    :math:`\sigma^2\sum_i u_i^\top Mu_i/(w_i+\lambda)`.  Two readings:

    * ``lam = 0``: the OLS risk given the design, :math:`\mathbb E[\|\hat\beta_{LS}
      - \beta^*\|_M^2 \mid X] = \sigma^2\mathrm{Tr}(M(X^\top X)^{-1})` (any
      :math:`\beta^*`);
    * ``lam > 0``: the posterior expected loss of the posterior mean (ridge with
      this ``lam``) in the Gaussian model with prior :math:`\beta^* \sim
      \mathcal N(0, (\sigma^2/\lambda) I)`, whose posterior covariance is
      :math:`\sigma^2(X^\top X + \lambda I)^{-1}`; its mean over designs is
      the Bayes risk.
    """
    X = as_float_array(X, "X")
    if X.ndim < 2 or X.shape[-1] == 0:
        raise ValueError(f"X must have shape (..., n, d) with d >= 1, got {X.shape}")
    d = X.shape[-1]
    sigma = _scalar_nonneg(sigma, "sigma")
    lam = check_nonnegative(lam, "lam")
    if lam.ndim > 1:
        raise ValueError(f"lam must be a scalar or 1-D array, got shape {lam.shape}")
    M = _weight(weight, d)
    w, U = np.linalg.eigh(np.swapaxes(X, -1, -2) @ X)
    w = np.clip(w, 0.0, None)  # round-off can make a zero eigenvalue slightly negative
    if np.any(lam == 0.0):
        tol = d * np.finfo(float).eps * np.maximum(w[..., -1], 1e-300)
        if np.any(w[..., 0] <= tol):
            raise ValueError(
                f"X must have full column rank {d} when lam = 0 "
                "(X^T X is singular: the conditional risk is infinite)"
            )
    # u_i^T M u_i in the eigenbasis of X^T X
    diag = np.ones_like(w) if M is None else np.einsum("...ji,jk,...ki->...i", U, M, U)
    lam_b = lam.reshape((1,) * (w.ndim - 1) + lam.shape)
    w_b = w.reshape(w.shape[:-1] + (1,) * lam.ndim + (d,))
    diag_b = diag.reshape(w_b.shape)
    return sigma**2 * np.sum(diag_b / (w_b + lam_b[..., None]), axis=-1)


# ----------------------------------------------------------------------- Monte Carlo
def covariance_with_condition(
    d: int, kappa: float, rng: np.random.Generator
) -> NDArray[np.float64]:
    r"""Random SPD covariance with eigenvalues geometrically spaced from 1 to 1/kappa.

    Parameters
    ----------
    d : int
        Dimension, ``d >= 1``.
    kappa : float
        Condition number, ``kappa >= 1``.
    rng : numpy.random.Generator
        Source of the random rotation.

    Returns
    -------
    ndarray, shape (d, d)
        :math:`\Sigma = U\,\mathrm{diag}(1, \kappa^{-1/(d-1)}, \dots,
        \kappa^{-1})\,U^\top` with :math:`U` Haar-distributed orthogonal, so
        :math:`\lambda_{\max} = 1` and :math:`\kappa(\Sigma) = \kappa`.

    Raises
    ------
    TypeError
        If ``rng`` is not a ``numpy.random.Generator``.
    ValueError
        If ``d < 1`` or ``kappa < 1``.
    """
    check_generator(rng, "rng")
    d = check_int(d, "d", minimum=1)
    kappa = float(as_float_array(kappa, "kappa"))
    if kappa < 1:
        raise ValueError(f"kappa must be >= 1, got {kappa}")
    Q, R = np.linalg.qr(rng.standard_normal((d, d)))
    Q = Q * np.sign(np.diag(R))  # sign fix makes Q Haar distributed
    S = (Q * np.geomspace(1.0, 1.0 / kappa, d)) @ Q.T
    return (S + S.T) / 2


def gaussian_design(
    Sigma: ArrayLike, n: int, n_rep: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    r"""Draw ``n_rep`` independent Gaussian designs, rows :math:`N(0, \Sigma)`.

    Parameters
    ----------
    Sigma : array_like, shape (d, d)
        Symmetric positive semidefinite covariance (singular allowed).
    n : int
        Rows per design, ``n >= 1``.
    n_rep : int
        Number of designs, ``n_rep >= 1``.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray, shape (n_rep, n, d)
        :math:`X_r = Z_r L^\top` with :math:`Z_r` standard normal and
        :math:`LL^\top = \Sigma` (symmetric square root, so singular ``Sigma`` works).

    Raises
    ------
    TypeError
        If ``rng`` is not a ``numpy.random.Generator``.
    ValueError
        If ``Sigma`` is not symmetric PSD or ``n``, ``n_rep`` < 1.
    """
    check_generator(rng, "rng")
    Sigma, _ = check_psd(Sigma, "Sigma")
    n = check_int(n, "n", minimum=1)
    n_rep = check_int(n_rep, "n_rep", minimum=1)
    w, U = np.linalg.eigh((Sigma + Sigma.T) / 2)
    # eigenvalues at round-off level are set to 0 so that a singular Sigma gives
    # rows exactly in its range (sqrt would turn 1e-16 into 1e-8)
    w = np.where(w > w.size * np.finfo(float).eps * w[-1], w, 0.0)
    # the symmetric root U diag(sqrt w) U^T is unique, so the draws do not depend on
    # which eigenbasis the LAPACK kernel returns for a repeated eigenvalue
    # (U diag(sqrt w) alone would: any rotation inside an eigenspace is valid)
    root = (U * np.sqrt(w)) @ U.T
    root = (root + root.T) / 2  # root @ root.T == Sigma
    Z = rng.standard_normal((n_rep, n, Sigma.shape[0]))
    return Z @ root.T


@guard_overflow("sigma")
def ols_risk_mc(
    Sigma: ArrayLike,
    n: int,
    sigma: float,
    n_rep: int,
    rng: np.random.Generator,
    *,
    beta: ArrayLike | None = None,
    weight: ArrayLike | None = None,
) -> tuple[float, float]:
    r"""Monte-Carlo estimate of the Gaussian-design OLS risk, with its standard error.

    Parameters
    ----------
    Sigma : array_like, shape (d, d)
        Symmetric positive definite row covariance.
    n : int
        Sample size, ``n >= d`` (so that :math:`X^\top X` is a.s. invertible).
    sigma : float
        Noise standard deviation, ``sigma >= 0``.
    n_rep : int
        Number of independent replications (design and noise), ``n_rep >= 2``.
    rng : numpy.random.Generator
        Source of randomness.
    beta : array_like, shape (d,), optional
        True parameter (default zero; the OLS risk does not depend on it).
    weight : array_like, shape (d, d), optional
        PSD loss matrix :math:`M` (default identity); see :func:`ols_risk`.

    Returns
    -------
    mean, se : float
        Average of :math:`\|\hat\beta_r - \beta\|_M^2` over replications and its
        standard error.  The variance of the samples is finite only for
        :math:`n > d + 3` (second inverse-Wishart moment); closer to
        :math:`n = d + 1` the standard error is itself unreliable.

    Raises
    ------
    TypeError
        If ``rng`` is not a ``numpy.random.Generator``.
    ValueError
        If ``Sigma`` is not SPD, ``n < d``, ``sigma < 0``, ``n_rep < 2``, or the
        shapes of ``beta`` / ``weight`` do not match.

    Notes
    -----
    All replications are solved at once with batched ``numpy.linalg.solve`` on
    the normal equations :math:`X_r^\top X_r\hat\beta_r = X_r^\top y_r`.
    """
    check_generator(rng, "rng")
    Sigma, _ = check_spd(Sigma, "Sigma")
    d = Sigma.shape[0]
    n = check_int(n, "n", minimum=d)
    sigma = _scalar_nonneg(sigma, "sigma")
    n_rep = check_int(n_rep, "n_rep", minimum=2)
    beta = np.zeros(d) if beta is None else _vector(beta, d, "beta")
    M = _weight(weight, d)
    X = gaussian_design(Sigma, n, n_rep, rng)
    y = X @ beta + sigma * rng.standard_normal((n_rep, n))
    G = np.swapaxes(X, 1, 2)
    err = np.linalg.solve(G @ X, (G @ y[..., None]))[..., 0] - beta
    losses = np.sum(err**2, axis=1) if M is None else np.sum((err @ M) * err, axis=1)
    return _mean_se(losses)


@guard_overflow("sigma")
def ridge_risk_mc(
    X: ArrayLike,
    theta: ArrayLike,
    sigma: float,
    lam: float,
    n_rep: int,
    rng: np.random.Generator,
) -> tuple[float, float]:
    r"""Monte-Carlo estimate of the fixed-design ridge risk, with its standard error.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Fixed design.
    theta : array_like, shape (d,)
        True parameter.
    sigma : float
        Noise standard deviation, ``sigma >= 0``.
    lam : float
        Regularisation ``lam >= 0`` (``lam = 0`` needs full column rank).
    n_rep : int
        Number of noise draws, ``n_rep >= 2``.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    mean, se : float
        Average of :math:`\|\hat\theta_\lambda^{(r)} - \theta\|^2` over
        :math:`y^{(r)} = X\theta + \varepsilon^{(r)}` and its standard error; the
        estimate of :func:`ridge_risk`.

    Raises
    ------
    TypeError
        If ``rng`` is not a ``numpy.random.Generator``.
    ValueError
        As :func:`ridge_risk`, or ``n_rep < 2``.

    Notes
    -----
    The ``n_rep`` responses are stacked as the columns of one ``(n, n_rep)``
    array and solved in a single call to :func:`ridge_estimate` (one SVD).
    """
    check_generator(rng, "rng")
    X = _design(X)
    n, d = X.shape
    theta = _vector(theta, d, "theta")
    sigma = _scalar_nonneg(sigma, "sigma")
    n_rep = check_int(n_rep, "n_rep", minimum=2)
    Y = (X @ theta)[:, None] + sigma * rng.standard_normal((n, n_rep))
    est = ridge_estimate(X, Y, lam)
    return _mean_se(np.sum((est - theta[:, None]) ** 2, axis=0))
