r"""Task-adaptive Gaussian priors: ridge strength chosen from task statistics.

Environments share an input covariance :math:`\Sigma` (ill-conditioned, nearly
low rank) and differ in their parameters :math:`\theta^{(t)} = \Phi_\star^\top
w^{(t)}`, which lie in a shared :math:`r`-dimensional subspace.  Environment
:math:`t` gives :math:`y = X_t\theta^{(t)} + \varepsilon`, :math:`\varepsilon \sim
\mathcal N(0, \sigma^2 I_n)`.

Two estimators are compared:

* **ERM**: least squares, minimum-norm when :math:`X^\top X` is singular;
* **task-adaptive MAP**: ridge :math:`(X^\top X + \lambda I)^{-1}X^\top y`, the MAP
  estimator under :math:`\theta \sim \mathcal N(0, (\sigma^2/\lambda) I)`, whose
  strength :math:`\lambda = g(s)` is a function of the summary statistics
  :math:`s = (\lambda_{\max}(X^\top X), \lambda_{\min}(X^\top X))` of the task's own
  design: the smallest :math:`\lambda` that brings the condition number of the
  regularised Hessian :math:`X^\top X + \lambda I` down to a target
  :math:`\kappa_0`.

The pretrain :math:`\to` finetune pipeline fits every training environment,
takes the top-:math:`r` principal subspace of the estimates as the
representation :math:`\hat\Phi`, and finetunes a head on a held-out environment
through :math:`\hat\Phi`.  Risks are in parameter norm
:math:`\mathbb E\|\hat\theta - \theta\|^2` and exact over the noise given the
designs (closed forms); only the designs and tasks are Monte Carlo.
Arrays of tasks carry the task index(es) first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mtlnotes._validate import (
    as_float_array,
    check_generator,
    check_int,
    check_nonnegative,
    check_positive,
    guard_overflow,
)
from mtlnotes.linrep import ratio_of_means
from mtlnotes.regression import gaussian_design

__all__ = [
    "EnvProblem",
    "PipelineResult",
    "adaptive_strength",
    "finetune_risk",
    "fit_representation",
    "headline_metrics",
    "make_environments",
    "parameter_nu",
    "ridge_fit",
    "ridge_risk_exact",
    "run_pipeline",
    "sample_responses",
    "sample_tasks",
    "sweep_readings",
]


@dataclass(frozen=True)
class EnvProblem:
    """Shared structure of the environments.

    Attributes
    ----------
    Sigma : ndarray, shape (d, d)
        Input covariance shared by all environments.
    Phi_star : ndarray, shape (r, d)
        Orthonormal rows spanning the task parameters.
    sigma : float
        Noise standard deviation.
    """

    Sigma: NDArray[np.float64]
    Phi_star: NDArray[np.float64]
    sigma: float

    @property
    def d(self) -> int:
        """Input dimension."""
        return self.Sigma.shape[0]

    @property
    def r(self) -> int:
        """Dimension of the task subspace."""
        return self.Phi_star.shape[0]


@dataclass(frozen=True)
class PipelineResult:
    """Per-run outputs of :func:`run_pipeline` (each array has one entry per run).

    Attributes
    ----------
    train_er : ndarray
        Mean over the training environments of the pretraining estimator's risk
        :math:`\\mathbb E\\|\\hat\\theta^{(t)} - \\theta^{(t)}\\|^2`.
    test_er : ndarray
        Risk of the finetuned held-out predictor :math:`\\hat\\Phi^\\top\\hat w^{(0)}`.
    penalty : ndarray
        Mean over training environments of the realised penalty
        :math:`\\lambda_t\\|\\hat\\theta^{(t)}\\|^2` (0 for ERM).
    lam : ndarray
        Mean ridge strength :math:`\\lambda_t` over training environments.
    nu : ndarray
        Transfer coefficient :func:`parameter_nu` of the learned representation.
    ft_train, ft_test : ndarray
        Finetuning risks on fresh data of the training environments (mean over
        them) and of the held-out one: the numerator and denominator of
        :math:`\\tilde\\nu`.
    Phi : ndarray, shape (n_runs, r, d)
        Learned representations.
    """

    train_er: NDArray[np.float64]
    test_er: NDArray[np.float64]
    penalty: NDArray[np.float64]
    lam: NDArray[np.float64]
    nu: NDArray[np.float64]
    ft_train: NDArray[np.float64]
    ft_test: NDArray[np.float64]
    Phi: NDArray[np.float64]

    def nu_tilde(self) -> tuple[float, float]:
        """Effective task diversity :math:`\\tilde\\nu` and its standard error."""
        return ratio_of_means(self.ft_train, self.ft_test)


def make_environments(
    d: int,
    r: int,
    rng: np.random.Generator,
    *,
    rank: int,
    floor: float,
    sigma: float,
) -> EnvProblem:
    """Draw the shared covariance and task subspace.

    Parameters
    ----------
    d : int
        Input dimension.
    r : int
        Task-subspace dimension, ``1 <= r <= d``.
    rng : numpy.random.Generator
    rank : int
        Number of informative directions, ``1 <= rank <= d``.
    floor : float
        Eigenvalue of the remaining ``d - rank`` directions, ``>= 0`` (0 gives an
        exactly low-rank covariance).
    sigma : float
        Noise standard deviation, ``> 0``.

    Returns
    -------
    EnvProblem

    Raises
    ------
    TypeError
        If ``rng`` is not a ``numpy.random.Generator``.
    ValueError
        If a size or ``floor``/``sigma`` is out of range.

    Notes
    -----
    :math:`\\Sigma = U\\operatorname{diag}(\\lambda)U^\\top`, :math:`U` Haar,
    :math:`\\lambda` geometric from 1 to 0.1 on the first ``rank`` directions and
    equal to ``floor`` on the rest, so :math:`\\kappa(\\Sigma) = 0.1^{-1}\\cdot
    0.1/\\text{floor} = 1/\\text{floor}` when ``floor < 0.1``.  :math:`\\Phi_\\star`
    is a Haar-random :math:`r`-dimensional subspace, independent of :math:`U`.
    """
    check_generator(rng, "rng")
    d = check_int(d, "d", minimum=1)
    r = check_int(r, "r", minimum=1)
    rank = check_int(rank, "rank", minimum=1)
    if r > d:
        raise ValueError(f"r must be <= d = {d}, got {r}")
    if rank > d:
        raise ValueError(f"rank must be <= d = {d}, got {rank}")
    floor = float(as_float_array(floor, "floor"))
    if floor < 0:
        raise ValueError("floor must be >= 0")
    sigma = float(check_positive(sigma, "sigma"))
    U = np.linalg.qr(rng.standard_normal((d, d)))[0]
    spectrum = np.concatenate([np.geomspace(1.0, 0.1, rank), np.full(d - rank, floor)])
    Sigma = (U * spectrum) @ U.T
    Phi_star = np.linalg.qr(rng.standard_normal((d, r)))[0].T
    return EnvProblem((Sigma + Sigma.T) / 2, Phi_star, sigma)


def _check_problem(problem: object) -> EnvProblem:
    if not isinstance(problem, EnvProblem):
        raise TypeError(f"problem must be an EnvProblem, got {type(problem).__name__}")
    return problem


def sample_tasks(
    problem: EnvProblem, shape: tuple[int, ...], n: int, rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Draw task parameters and designs.

    Parameters
    ----------
    problem : EnvProblem
    shape : tuple of int
        Leading shape, e.g. ``(n_runs, n_tasks)``.
    n : int
        Samples per task, ``>= 1``.
    rng : numpy.random.Generator

    Returns
    -------
    theta : ndarray, shape (*shape, d)
        :math:`\\theta = \\Phi_\\star^\\top w`, :math:`w \\sim \\mathcal N(0, I_r)`.
    X : ndarray, shape (*shape, n, d)
        Rows i.i.d. :math:`\\mathcal N(0, \\Sigma)`
        (:func:`mtlnotes.regression.gaussian_design`).

    Raises
    ------
    TypeError
        If ``problem`` is not an :class:`EnvProblem`, ``shape`` is not a tuple
        (or list) of int, or ``rng`` is not a ``numpy.random.Generator``.
    ValueError
        If ``n < 1`` or ``shape`` has a non-positive entry.
    """
    _check_problem(problem)
    check_generator(rng, "rng")
    if not isinstance(shape, tuple | list):
        raise TypeError(f"shape must be a tuple of int, got {type(shape).__name__}")
    n = check_int(n, "n", minimum=1)
    shape = tuple(check_int(k, "shape", minimum=1) for k in shape)
    count = int(np.prod(shape))
    theta = rng.standard_normal((*shape, problem.r)) @ problem.Phi_star
    X = gaussian_design(problem.Sigma, n, count, rng).reshape(*shape, n, problem.d)
    return theta, X


def sample_responses(
    X: ArrayLike, theta: ArrayLike, sigma: float, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Responses :math:`y = X\\theta + \\sigma\\xi`, batched over leading axes.

    Parameters
    ----------
    X : array_like, shape (..., n, d)
    theta : array_like, shape (..., d)
    sigma : float
        Noise standard deviation, ``>= 0``.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (..., n)

    Raises
    ------
    TypeError
        If ``rng`` is not a ``numpy.random.Generator``.
    ValueError
        If shapes mismatch or ``sigma < 0``.
    """
    check_generator(rng, "rng")
    X, theta = _check_design(X, theta)
    sigma = float(as_float_array(sigma, "sigma"))
    if sigma < 0:
        raise ValueError("sigma must be >= 0")
    mean = np.einsum("...nd,...d->...n", X, theta)
    return mean + sigma * rng.standard_normal(mean.shape)


def _check_design(X: ArrayLike, theta: ArrayLike) -> tuple[NDArray, NDArray]:
    X = as_float_array(X, "X")
    theta = as_float_array(theta, "theta")
    if X.ndim < 2 or theta.shape[-1:] != X.shape[-1:]:
        raise ValueError(
            f"X must be (..., n, d) and theta (..., d) with the same d, got "
            f"{X.shape} and {theta.shape}"
        )
    return X, theta


def adaptive_strength(
    X: ArrayLike, kappa_target: float, *, lam_floor: float = 0.0
) -> NDArray[np.float64]:
    """Task-adaptive ridge strength from the design's condition number.

    Parameters
    ----------
    X : array_like, shape (..., n, d)
        Designs (batched over leading axes).
    kappa_target : float
        Target condition number of :math:`X^\\top X + \\lambda I`, ``> 1``.
    lam_floor : float, optional
        Minimum strength (a fixed Gaussian prior :math:`\\sigma^2/\\tau^2`), ``>= 0``.

    Returns
    -------
    ndarray, shape (...)
        :math:`\\lambda = \\max\\big(\\lambda_{\\rm floor},
        \\frac{\\lambda_{\\max} - \\kappa_0\\lambda_{\\min}}{\\kappa_0 - 1}\\big)`
        with :math:`\\lambda_{\\max/\\min}` the extreme eigenvalues of
        :math:`X^\\top X` (:math:`\\lambda_{\\min} = 0` when :math:`n < d`).

    Raises
    ------
    ValueError
        If ``kappa_target <= 1`` or ``lam_floor < 0``.

    Notes
    -----
    The map :math:`\\lambda \\mapsto (\\lambda_{\\max} + \\lambda)/
    (\\lambda_{\\min} + \\lambda)` decreases, so the second term is
    the smallest :math:`\\lambda \\ge 0` with
    :math:`\\kappa(X^\\top X + \\lambda I) \\le \\kappa_0` (0 if the task is already
    that well conditioned).  It depends on the design only, never on :math:`y`,
    so the estimator stays linear in :math:`y` given :math:`X`.
    """
    X = as_float_array(X, "X")
    if X.ndim < 2:
        raise ValueError(f"X must be (..., n, d), got shape {X.shape}")
    kappa_target = float(as_float_array(kappa_target, "kappa_target"))
    if kappa_target <= 1:
        raise ValueError("kappa_target must be > 1")
    lam_floor = float(as_float_array(lam_floor, "lam_floor"))
    if lam_floor < 0:
        raise ValueError("lam_floor must be >= 0")
    s = np.linalg.svd(X, compute_uv=False)
    return _strength(s, X.shape, kappa_target, lam_floor)


def _strength(s: NDArray, shape: tuple, kappa_target: float, lam_floor: float):
    """The rule of :func:`adaptive_strength` from the singular values of X."""
    top = s[..., 0] ** 2
    bottom = s[..., -1] ** 2 if shape[-2] >= shape[-1] else np.zeros_like(top)
    lam = (top - kappa_target * bottom) / (kappa_target - 1)
    return np.maximum(lam, lam_floor)


def _filter(s: NDArray, shape: tuple, lam: NDArray) -> NDArray:
    """The ridge filter s/(s^2 + lam), 0 on numerically null s when lam = 0."""
    lam = np.asarray(lam, dtype=float)[..., None]
    tol = max(shape[-2:]) * np.finfo(float).eps * s[..., :1]
    keep = (s > tol) | (lam > 0)
    return np.where(keep, s / np.where(keep, s**2 + lam, 1.0), 0.0)


def _apply(U: NDArray, filt: NDArray, Vt: NDArray, y: NDArray) -> NDArray:
    """V diag(filt) U^T y, batched."""
    coef = filt * np.einsum("...ni,...n->...i", U, y)
    return np.einsum("...id,...i->...d", Vt, coef)


def _svd_filter(X: NDArray, lam: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    """SVD of X and the ridge filter."""
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return U, _filter(s, X.shape, lam), Vt


def _risk(U, filt, Vt, mean_y, target, sigma: float) -> NDArray:
    """||M f - target||^2 + sigma^2 ||M||_F^2 with M = V diag(filt) U^T."""
    bias = _apply(U, filt, Vt, mean_y) - target
    return np.sum(bias**2, axis=-1) + sigma**2 * np.sum(filt**2, axis=-1)


def _check_lam(lam: ArrayLike, batch: tuple[int, ...]) -> NDArray[np.float64]:
    lam = np.broadcast_to(as_float_array(lam, "lam"), batch)
    if np.any(lam < 0):
        raise ValueError("lam must be >= 0")
    return lam


def ridge_fit(X: ArrayLike, y: ArrayLike, lam: ArrayLike) -> NDArray[np.float64]:
    """Batched ridge / minimum-norm least squares.

    Parameters
    ----------
    X : array_like, shape (..., n, d)
    y : array_like, shape (..., n)
    lam : array_like, broadcastable to the batch shape ``(...)``
        Ridge strengths ``>= 0``; ``lam = 0`` gives ERM, the minimum-norm
        least-squares solution :math:`X^+y`.

    Returns
    -------
    ndarray, shape (..., d)
        :math:`\\hat\\theta_\\lambda = V\\operatorname{diag}(s_i/(s_i^2 + \\lambda))
        U^\\top y = (X^\\top X + \\lambda I)^{-1}X^\\top y` (or :math:`X^+ y`).

    Raises
    ------
    ValueError
        If shapes mismatch or some ``lam < 0``.

    Notes
    -----
    Agrees with :func:`mtlnotes.regression.ridge_estimate` and
    ``ols_estimate(..., min_norm=True)`` on one task; this version runs a batch
    of tasks through one batched SVD.
    """
    X = as_float_array(X, "X")
    y = as_float_array(y, "y")
    if X.ndim < 2 or y.shape != X.shape[:-1]:
        raise ValueError(f"y must have shape {X.shape[:-1]} to match X, got {y.shape}")
    U, filt, Vt = _svd_filter(X, _check_lam(lam, X.shape[:-2]))
    return _apply(U, filt, Vt, y)


@guard_overflow("sigma")
def ridge_risk_exact(
    X: ArrayLike,
    mean_y: ArrayLike,
    target: ArrayLike,
    sigma: float,
    lam: ArrayLike,
) -> NDArray[np.float64]:
    """Exact fixed-design risk of ridge / min-norm LS, possibly misspecified.

    Parameters
    ----------
    X : array_like, shape (..., n, d)
    mean_y : array_like, shape (..., n)
        :math:`f = \\mathbb E[y\\mid X]` (need not lie in the column space of X).
    target : array_like, shape (..., d)
        The parameter :math:`\\theta` the estimate is compared with.
    sigma : float
        Noise standard deviation, ``>= 0``.
    lam : array_like
        Ridge strengths as in :func:`ridge_fit`.

    Returns
    -------
    ndarray, shape (...)
        :math:`\\mathbb E_\\varepsilon\\|\\hat\\theta_\\lambda - \\theta\\|^2 =
        \\|M f - \\theta\\|^2 + \\sigma^2\\|M\\|_F^2` with :math:`M = (X^\\top X +
        \\lambda I)^{-1}X^\\top` (or :math:`X^+`); for :math:`f = X\\theta` and
        :math:`\\lambda > 0` this is :func:`mtlnotes.regression.ridge_risk`.

    Raises
    ------
    ValueError
        If shapes mismatch or ``sigma < 0`` or some ``lam < 0``.
    """
    X = as_float_array(X, "X")
    mean_y = as_float_array(mean_y, "mean_y")
    target = as_float_array(target, "target")
    if (
        X.ndim < 2
        or target.ndim < 1
        or mean_y.shape != X.shape[:-1]
        or target.shape[-1] != X.shape[-1]
    ):
        raise ValueError("mean_y must be (..., n) and target (..., d) to match X")
    sigma = float(as_float_array(sigma, "sigma"))
    if sigma < 0:
        raise ValueError("sigma must be >= 0")
    U, filt, Vt = _svd_filter(X, _check_lam(lam, X.shape[:-2]))
    return _risk(U, filt, Vt, mean_y, target, sigma)


def fit_representation(theta_hat: ArrayLike, r: int) -> NDArray[np.float64]:
    """Top-``r`` principal subspace of a stack of task estimates.

    Parameters
    ----------
    theta_hat : array_like, shape (..., n_tasks, d)
        Estimates of the training tasks (batched over leading axes).
    r : int
        Rank, ``1 <= r <= min(n_tasks, d)``.

    Returns
    -------
    ndarray, shape (..., r, d)
        Orthonormal rows: the top-``r`` right singular vectors of the
        :math:`n_{\\rm tasks}\\times d` matrix of estimates (uncentred PCA).

    Raises
    ------
    ValueError
        If ``r`` is out of range.
    """
    theta_hat = as_float_array(theta_hat, "theta_hat")
    r = check_int(r, "r", minimum=1)
    if theta_hat.ndim < 2 or r > min(theta_hat.shape[-2:]):
        raise ValueError(f"r must be <= min(n_tasks, d), got r = {r}")
    return np.linalg.svd(theta_hat, full_matrices=False)[2][..., :r, :]


def parameter_nu(Phi: ArrayLike, theta_train: ArrayLike, theta_test: ArrayLike):
    """Transfer coefficient in parameter norm, batched over runs.

    Parameters
    ----------
    Phi : array_like, shape (..., r, d)
        Representations with orthonormal rows.
    theta_train : array_like, shape (..., T, d)
    theta_test : array_like, shape (..., d)

    Returns
    -------
    ndarray, shape (...)
        :math:`\\nu_\\Phi = \\frac{\\frac1T\\sum_t\\|(I - \\Phi^\\top\\Phi)\\theta^{(t)}
        \\|^2}{\\|(I - \\Phi^\\top\\Phi)\\theta^{(0)}\\|^2}`, since :math:`\\inf_w\\|
        \\Phi^\\top w - \\theta\\|^2 = \\|(I - \\Phi^\\top\\Phi)\\theta\\|^2`; ``inf``
        where the held-out task lies in the row space of ``Phi`` and the
        numerator does not vanish, ``nan`` for 0/0.

    Raises
    ------
    ValueError
        If the shapes mismatch.
    """
    Phi = as_float_array(Phi, "Phi")
    theta_train = as_float_array(theta_train, "theta_train")
    theta_test = as_float_array(theta_test, "theta_test")
    if (
        Phi.ndim < 2
        or theta_train.ndim < 2
        or theta_test.ndim < 1
        or theta_train.shape[-1] != Phi.shape[-1]
        or theta_test.shape[-1] != Phi.shape[-1]
    ):
        raise ValueError(
            "Phi (..., r, d), theta_train (..., T, d) and theta_test (..., d) must "
            "share d"
        )
    num = np.mean(_residual_sq(Phi[..., None, :, :], theta_train), axis=-1)
    den = _residual_sq(Phi, theta_test)
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / den


def _residual_sq(Phi: NDArray, theta: NDArray) -> NDArray:
    """||(I - Phi^T Phi) theta||^2 for orthonormal-row Phi, batched."""
    coef = np.einsum("...rd,...d->...r", Phi, theta)
    return np.maximum(np.sum(theta**2, axis=-1) - np.sum(coef**2, axis=-1), 0.0)


@guard_overflow("sigma", "lam_floor")
def finetune_risk(
    Phi: ArrayLike,
    X: ArrayLike,
    theta: ArrayLike,
    sigma: float,
    kappa_target: float | None,
    *,
    lam_floor: float = 0.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Exact risk of a head finetuned through a fixed representation.

    Parameters
    ----------
    Phi : array_like, shape (..., r, d)
        Representation(s) with orthonormal rows (broadcast against the tasks).
    X : array_like, shape (..., n, d)
        Finetuning designs.
    theta : array_like, shape (..., d)
        True task parameters.
    sigma : float
        Noise standard deviation.
    kappa_target : float or None
        ``None`` for ERM heads (least squares); otherwise the adaptive prior
        :func:`adaptive_strength` on the features :math:`Z = X\\Phi^\\top`.
    lam_floor : float, optional
        Minimum ridge strength ``>= 0``: with ``kappa_target=None`` a fixed
        Gaussian prior :math:`\\lambda = \\sigma^2/\\tau^2` (0 gives least squares).

    Returns
    -------
    risk : ndarray, shape (...)
        :math:`\\mathbb E_\\varepsilon\\|\\Phi^\\top\\hat w - \\theta\\|^2 =
        \\|(I - \\Phi^\\top\\Phi)\\theta\\|^2
        + \\mathbb E\\|\\hat w - \\Phi\\theta\\|^2`,
        the second term from :func:`ridge_risk_exact` on :math:`Z` with mean
        response :math:`X\\theta` (misspecified when :math:`\\theta \\notin
        \\operatorname{row}\\Phi`).
    lam : ndarray, shape (...)
        The ridge strengths used.

    Raises
    ------
    ValueError
        If ``Phi`` is not (..., r, d) with the ``d`` of ``X``, or as the
        functions it calls.
    """
    Phi = as_float_array(Phi, "Phi")
    X, theta = _check_design(X, theta)
    if Phi.ndim < 2 or Phi.shape[-1] != X.shape[-1]:
        raise ValueError(
            f"Phi must have shape (..., r, {X.shape[-1]}) to match X, got {Phi.shape}"
        )
    Z = X @ np.swapaxes(Phi, -1, -2)
    lam_floor = float(check_nonnegative(lam_floor, "lam_floor"))
    lam = (
        np.full(Z.shape[:-2], lam_floor)
        if kappa_target is None
        else adaptive_strength(Z, kappa_target, lam_floor=lam_floor)
    )
    mean_y = np.einsum("...nd,...d->...n", X, theta)
    target = np.einsum("...rd,...d->...r", Phi, theta)
    head = ridge_risk_exact(Z, mean_y, target, sigma, lam)
    Phi_b = np.broadcast_to(Phi, (*theta.shape[:-1], *Phi.shape[-2:]))
    return _residual_sq(Phi_b, theta) + head, lam


@guard_overflow("lam_floor")
def run_pipeline(
    problem: EnvProblem,
    *,
    T: int,
    n: int,
    n_finetune: int,
    n_runs: int,
    kappa_target: float | None,
    rng: np.random.Generator,
    lam_floor: float = 0.0,
) -> PipelineResult:
    """Pretrain on ``T`` environments, finetune on a held-out one, ``n_runs`` times.

    Parameters
    ----------
    problem : EnvProblem
    T : int
        Training environments, ``T >= r``.
    n, n_finetune : int
        Samples per environment for pretraining and for finetuning
        (``n_finetune >= 1``).
    n_runs : int
        Independent runs, ``>= 2``.
    kappa_target : float or None
        ``None`` runs ERM in both stages; a float runs the task-adaptive MAP
        estimator (:func:`adaptive_strength`) in both stages.
    rng : numpy.random.Generator
    lam_floor : float, optional
        Minimum ridge strength ``>= 0`` in both stages; with ``kappa_target=None``
        it is a fixed (non-adaptive) Gaussian prior :math:`\\lambda =
        \\sigma^2/\\tau^2`, 0 (the default) gives ERM.

    Returns
    -------
    PipelineResult

    Raises
    ------
    TypeError
        If ``problem`` is not an :class:`EnvProblem`, ``kappa_target`` is not a
        number or ``rng`` is not a ``numpy.random.Generator``.
    ValueError
        If a size is out of range or ``kappa_target <= 1``.

    Notes
    -----
    Run :math:`k` draws tasks :math:`\\theta^{(0..T)}`, pretraining designs, and
    noise; fits :math:`\\hat\\theta^{(t)}`; sets :math:`\\hat\\Phi` =
    :func:`fit_representation`; draws fresh finetuning designs for all
    :math:`T+1` tasks and evaluates :func:`finetune_risk`.  Every risk is exact
    over the noise given the designs.
    """
    _check_problem(problem)
    check_generator(rng, "rng")
    T = check_int(T, "T", minimum=problem.r)
    n = check_int(n, "n", minimum=1)
    n_finetune = check_int(n_finetune, "n_finetune", minimum=1)
    n_runs = check_int(n_runs, "n_runs", minimum=2)
    if kappa_target is not None:
        kappa_target = float(as_float_array(kappa_target, "kappa_target"))
        if not kappa_target > 1:
            raise ValueError("kappa_target must be > 1 (or None for ERM)")
    lam_floor = float(check_nonnegative(lam_floor, "lam_floor"))
    theta, X = sample_tasks(problem, (n_runs, T + 1), n, rng)
    Xp, tp = X[:, 1:], theta[:, 1:]  # pretraining on tasks 1..T
    y = sample_responses(Xp, tp, problem.sigma, rng)
    U, s, Vt = np.linalg.svd(Xp, full_matrices=False)  # once for all three uses
    lam = (
        np.full((n_runs, T), lam_floor)
        if kappa_target is None
        else _strength(s, Xp.shape, kappa_target, lam_floor)
    )
    filt = _filter(s, Xp.shape, lam)
    theta_hat = _apply(U, filt, Vt, y)
    mean_y = np.einsum("...nd,...d->...n", Xp, tp)
    train_er = _risk(U, filt, Vt, mean_y, tp, problem.sigma).mean(axis=1)
    penalty = np.mean(lam * np.sum(theta_hat**2, axis=-1), axis=1)
    Phi = fit_representation(theta_hat, problem.r)
    _, X_ft = sample_tasks(problem, (n_runs, T + 1), n_finetune, rng)
    ft, _ = finetune_risk(
        Phi[:, None], X_ft, theta, problem.sigma, kappa_target, lam_floor=lam_floor
    )
    nu = parameter_nu(Phi, tp, theta[:, 0])
    return PipelineResult(
        train_er=train_er,
        test_er=ft[:, 0],
        penalty=penalty,
        lam=lam.mean(axis=1),
        nu=nu,
        ft_train=ft[:, 1:].mean(axis=1),
        ft_test=ft[:, 0],
        Phi=Phi,
    )


def headline_metrics(result: PipelineResult) -> dict[str, float]:
    """The numbers section 6 of the note reports, from one :func:`run_pipeline` result.

    Parameters
    ----------
    result : PipelineResult

    Returns
    -------
    dict
        ``test_er`` and ``test_er_se``: mean held-out risk over runs and its standard
        error :math:`s/\\sqrt{n_{\\rm runs}}`; ``train_er``: mean training risk;
        ``nu_median`` and ``nu_above_1``: median of :math:`\\nu` and the share of runs
        with :math:`\\nu > 1`; ``penalty_ratio``: mean penalty
        :math:`\\lambda_t\\|\\hat\\theta^{(t)}\\|^2` over mean training risk (the
        note's "negligible penalty" reads as ``penalty_ratio`` close to 0).

    Raises
    ------
    TypeError
        If ``result`` is not a :class:`PipelineResult`.

    Notes
    -----
    Used by the chapter *Task-adaptive priors* to show how the note's headline
    numbers move with :math:`\\kappa(\\Sigma)` and with the prior.
    """
    if not isinstance(result, PipelineResult):
        raise TypeError(f"result must be a PipelineResult, got {type(result).__name__}")
    test = result.test_er
    return {
        "test_er": float(test.mean()),
        "test_er_se": float(test.std(ddof=1) / np.sqrt(test.size)),
        "train_er": float(result.train_er.mean()),
        "nu_median": float(np.median(result.nu)),
        "nu_above_1": float(np.mean(result.nu > 1)),
        "penalty_ratio": float(result.penalty.mean() / result.train_er.mean()),
    }


def sweep_readings(
    kappas: list[float],
    priors: dict[str, tuple[float | None, float]],
    *,
    d: int,
    r: int,
    rank: int,
    sigma: float,
    T: int,
    n: int,
    n_finetune: int,
    n_runs: int,
    seed: int,
) -> dict[tuple[float, str], dict[str, float]]:
    """Headline numbers of the pipeline across covariance conditionings and priors.

    Parameters
    ----------
    kappas : list of float
        Condition numbers :math:`\\kappa(\\Sigma) \\ge 10` (``floor = 1/kappa``).
    priors : dict
        ``name -> (kappa_target, lam_floor)`` as in :func:`run_pipeline`
        (``(None, 0.0)`` is ERM).
    d, r, rank, sigma
        As in :func:`make_environments`.
    T, n, n_finetune, n_runs
        As in :func:`run_pipeline`.
    seed : int
        Seed of the problem (``seed``) and of the runs (``seed + 1``): the same
        :math:`U`, :math:`\\Phi_\\star`, designs and noise for every entry (common
        random numbers), so that entries differ only by ``kappa`` and the prior.

    Returns
    -------
    dict
        ``(kappa, name) -> headline_metrics(run_pipeline(...))``.

    Raises
    ------
    TypeError
        If ``priors`` is not a non-empty dict.
    ValueError
        If a ``kappa < 10`` (the informative spectrum already spans 1 to 0.1), a
        prior is not a pair, or as :func:`make_environments` and
        :func:`run_pipeline`.

    Notes
    -----
    Used by the chapter *Task-adaptive priors* to show how the note's headline
    numbers move with :math:`\\kappa(\\Sigma)` and with the prior.
    """
    seed = check_int(seed, "seed", minimum=0)
    if not isinstance(priors, dict) or not priors:
        raise TypeError(
            "priors must be a non-empty dict name -> (kappa_target, lam_floor), got "
            f"{type(priors).__name__}"
        )
    if not all(isinstance(p, tuple) and len(p) == 2 for p in priors.values()):
        raise ValueError(
            "priors must map each name to a (kappa_target, lam_floor) pair"
        )
    out = {}
    for kappa in kappas:
        kappa = float(as_float_array(kappa, "kappas"))
        if kappa < 10:
            raise ValueError(f"kappas must be >= 10, got {kappa}")
        problem = make_environments(
            d, r, np.random.default_rng(seed), rank=rank, floor=1 / kappa, sigma=sigma
        )
        for name, (kappa_target, lam_floor) in priors.items():
            res = run_pipeline(
                problem,
                T=T,
                n=n,
                n_finetune=n_finetune,
                n_runs=n_runs,
                kappa_target=kappa_target,
                lam_floor=lam_floor,
                rng=np.random.default_rng(seed + 1),
            )
            out[kappa, name] = headline_metrics(res)
    return out
