r"""A one-hidden-layer network, its exact loss Hessian, and a Gaussian prior.

The network is :math:`f_W(x) = \sum_{j=1}^m a_j \tanh(w_j^\top x)` with trainable
first-layer weights :math:`W \in \mathbb R^{m\times d}` (rows :math:`w_j`) and a
fixed output layer :math:`a`.  With Gaussian noise of standard deviation
:math:`\sigma` the negative log-likelihood (up to a constant) is

.. math:: \mathcal L(W) = \frac{1}{2\sigma^2}\sum_{i=1}^n (y_i - f_W(x_i))^2,

and the prior :math:`W \sim \mathcal N(0, \tau^2 I)` adds
:math:`\|W\|_F^2/(2\tau^2)`, so the MAP objective's Hessian is
:math:`\nabla^2\mathcal L(W) + I/\tau^2`.  Hessians are exact (``torch.func``,
float64), flattened row-major so that parameter :math:`k = jd + l` is
:math:`W_{jl}`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize

from mtlnotes import optim
from mtlnotes._validate import (
    as_float_array,
    check_generator,
    check_int,
    check_positive,
    guard_overflow,
)

__all__ = [
    "gd_map",
    "local_gd_iterations",
    "make_teacher_data",
    "map_gradient",
    "map_hessian",
    "map_loss",
    "minimize_map",
    "network_output",
    "shifted_condition_number",
]


@dataclass(frozen=True)
class _Problem:
    """Validated data of one regression: inputs, targets, output weights, noise."""

    X: NDArray[np.float64]
    y: NDArray[np.float64]
    a: NDArray[np.float64]
    sigma: float

    def __post_init__(self) -> None:
        X = as_float_array(self.X, "X")
        y = as_float_array(self.y, "y")
        a = as_float_array(self.a, "a")
        if X.ndim != 2:
            raise ValueError(f"X must be a 2-D array (n, d), got shape {X.shape}")
        if y.shape != (X.shape[0],):
            raise ValueError(
                f"y must have shape ({X.shape[0]},) to match X, got {y.shape}"
            )
        if a.ndim != 1:
            raise ValueError(f"a must be a 1-D array (m,), got shape {a.shape}")
        for name, value in (("X", X), ("y", y), ("a", a)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "sigma", float(check_positive(self.sigma, "sigma")))

    def check_weights(self, W: ArrayLike, name: str = "W") -> NDArray[np.float64]:
        """Return ``W`` as a float array after checking its shape is ``(m, d)``."""
        W = as_float_array(W, name)
        shape = (self.a.size, self.X.shape[1])
        if W.shape != shape:
            raise ValueError(
                f"{name} must have shape (m, d) = {shape} to match a (m,) and "
                f"X (n, d), got {W.shape}"
            )
        return W


# --------------------------------------------------------------------------- helpers
def _check_tau(tau: float) -> float:
    try:
        tau = float(tau)
    except (TypeError, ValueError) as err:
        raise TypeError(f"tau must be a number, got {type(tau).__name__}") from err
    if not tau > 0:  # also rejects NaN
        raise ValueError("tau must be > 0 (use math.inf for no prior)")
    return tau


def _gradient(W: NDArray, data: _Problem, tau: float) -> NDArray:
    """Closed-form gradient of the MAP objective (validated inputs)."""
    T = np.tanh(data.X @ W.T)
    resid = data.y - T @ data.a
    return -((resid[:, None] * (1.0 - T**2)) * data.a).T @ data.X / data.sigma**2 + (
        W / tau**2
    )


def _torch_objective(data: _Problem, tau: float, shape: tuple[int, int]):
    """The MAP objective as a torch function of the flat parameter vector."""
    X, y, a = (
        torch.as_tensor(v, dtype=torch.float64) for v in (data.X, data.y, data.a)
    )
    inv_tau2, inv_s2 = 1.0 / tau**2, 1.0 / data.sigma**2  # inv_tau2 = 0 for tau = inf

    def f(w_flat: torch.Tensor) -> torch.Tensor:
        resid = y - torch.tanh(X @ w_flat.reshape(shape).T) @ a
        return 0.5 * inv_s2 * (resid @ resid) + 0.5 * inv_tau2 * (w_flat @ w_flat)

    return f


# ------------------------------------------------------------------------------ data
def make_teacher_data(
    n: int, d: int, m: int, noise: float, rng: np.random.Generator
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    r"""Synthetic regression data from a random teacher network.

    Parameters
    ----------
    n, d, m : int
        Samples, input dimension and teacher width (all ``>= 1``).
    noise : float
        Noise standard deviation, ``noise >= 0``.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    X : ndarray, shape (n, d)
        Inputs with i.i.d. :math:`\mathcal N(0, 1)` entries.
    y : ndarray, shape (n,)
        :math:`y_i = f_{W_\star}(x_i) + \text{noise}\cdot\xi_i` with
        :math:`\xi_i\sim\mathcal N(0,1)`.
    W_star : ndarray, shape (m, d)
        Teacher weights, i.i.d. :math:`\mathcal N(0, 1/d)`.
    a_star : ndarray, shape (m,)
        Teacher output weights :math:`\pm 1/\sqrt m` (random signs).

    Raises
    ------
    ValueError
        If a size is < 1 or ``noise < 0``.
    TypeError
        If ``rng`` is not a ``numpy.random.Generator``.
    """
    check_generator(rng, "rng")
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    m = check_int(m, "m", minimum=1)
    noise = float(as_float_array(noise, "noise"))
    if noise < 0:
        raise ValueError("noise must be >= 0")
    X = rng.standard_normal((n, d))
    W_star = rng.standard_normal((m, d)) / np.sqrt(d)
    a_star = rng.choice([-1.0, 1.0], size=m) / np.sqrt(m)
    y = np.tanh(X @ W_star.T) @ a_star + noise * rng.standard_normal(n)
    return X, y, W_star, a_star


def network_output(W: ArrayLike, a: ArrayLike, X: ArrayLike) -> NDArray[np.float64]:
    r"""Outputs :math:`f_W(x_i) = \sum_j a_j\tanh(w_j^\top x_i)` of the network.

    Parameters
    ----------
    W : array_like, shape (m, d)
        First-layer weights (rows :math:`w_j`).
    a : array_like, shape (m,)
        Output weights.
    X : array_like, shape (n, d)
        Inputs.

    Returns
    -------
    ndarray, shape (n,)
        :math:`\tanh(XW^\top)a`.

    Raises
    ------
    ValueError
        If the shapes do not match.
    """
    X = as_float_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array (n, d), got shape {X.shape}")
    data = _Problem(X, np.zeros(X.shape[0]), a, 1.0)
    return np.tanh(X @ data.check_weights(W).T) @ data.a


# -------------------------------------------------------------- objective and Hessian
@guard_overflow("sigma", "tau")
def map_loss(
    W: ArrayLike,
    a: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    sigma: float,
    tau: float = math.inf,
) -> float:
    r"""MAP objective :math:`\sum_i(y_i-f_W(x_i))^2/(2\sigma^2) + \|W\|_F^2/(2\tau^2)`.

    Parameters
    ----------
    W : array_like, shape (m, d)
        First-layer weights.
    a : array_like, shape (m,)
        Fixed output weights.
    X : array_like, shape (n, d)
        Inputs.
    y : array_like, shape (n,)
        Targets.
    sigma : float
        Noise standard deviation of the likelihood, ``sigma > 0``.
    tau : float, default ``math.inf``
        Prior standard deviation, ``tau > 0``; ``inf`` gives the negative
        log-likelihood :math:`\mathcal L(W)` alone (ERM).

    Returns
    -------
    float
        The objective value.

    Raises
    ------
    ValueError
        If the shapes do not match, ``sigma <= 0`` or ``tau <= 0``.
    """
    data = _Problem(X, y, a, sigma)
    W, tau = data.check_weights(W), _check_tau(tau)
    resid = data.y - np.tanh(data.X @ W.T) @ data.a
    return float(0.5 * resid @ resid / data.sigma**2 + 0.5 * np.sum(W**2) / tau**2)


@guard_overflow("sigma", "tau")
def map_gradient(
    W: ArrayLike,
    a: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    sigma: float,
    tau: float = math.inf,
) -> NDArray[np.float64]:
    r"""Exact gradient of :func:`map_loss` with respect to ``W``.

    Parameters
    ----------
    W, a, X, y, sigma, tau
        Weights, output weights, inputs, targets, noise level and prior width,
        as in :func:`map_loss`.

    Returns
    -------
    ndarray, shape (m, d)
        :math:`\nabla_W\mathcal L(W) + W/\tau^2 = -\sigma^{-2}\,[(r\odot(1-T^2))
        \operatorname{diag}(a)]^\top X + W/\tau^2`, with :math:`T = \tanh(XW^\top)`
        and residuals :math:`r = y - Ta` (closed form; the tests check it against
        autodiff).

    Raises
    ------
    ValueError
        As :func:`map_loss`.
    """
    data = _Problem(X, y, a, sigma)
    return _gradient(data.check_weights(W), data, _check_tau(tau))


@guard_overflow("sigma", "tau")
def map_hessian(
    W: ArrayLike,
    a: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    sigma: float,
    tau: float = math.inf,
) -> NDArray[np.float64]:
    r"""Exact Hessian of :func:`map_loss` with respect to the flattened ``W``.

    Parameters
    ----------
    W : array_like, shape (m, d)
        Point at which the Hessian is evaluated (any point, not only a minimum).
    a, X, y, sigma, tau
        The problem and the prior, as in :func:`map_loss`.

    Returns
    -------
    ndarray, shape (m*d, m*d)
        :math:`\nabla^2_W\mathcal L(W) + I/\tau^2`, symmetrised, from
        ``torch.func.hessian`` in float64 (row-major flattening of ``W``).

    Raises
    ------
    ValueError
        As :func:`map_loss`.

    Notes
    -----
    :math:`\nabla^2\mathcal L = \sigma^{-2}(J^\top J - \sum_i r_i\nabla^2 f(x_i))`
    with :math:`J` the Jacobian of the outputs and :math:`r_i` the residuals: it is
    positive semidefinite at an interpolating point (:math:`r = 0`) but can have
    negative eigenvalues elsewhere.
    """
    data = _Problem(X, y, a, sigma)
    W, tau = data.check_weights(W), _check_tau(tau)
    fun = _torch_objective(data, tau, W.shape)
    H = torch.func.hessian(fun)(torch.as_tensor(W.ravel(), dtype=torch.float64))
    H = H.numpy()
    return (H + H.T) / 2


def shifted_condition_number(eigenvalues: ArrayLike, shift: ArrayLike) -> NDArray:
    r"""Condition number of :math:`H + cI` from the eigenvalues of a symmetric ``H``.

    Parameters
    ----------
    eigenvalues : array_like, shape (p,)
        Eigenvalues of a symmetric matrix :math:`H` (any signs).
    shift : array_like
        Shifts :math:`c` (e.g. :math:`1/\tau^2`); any shape, broadcast.

    Returns
    -------
    ndarray, shape of ``shift``
        :math:`\kappa_2(H + cI) = \max_i|\lambda_i + c| / \min_i|\lambda_i + c|`, the
        ratio of extreme singular values; ``inf`` where :math:`H+cI` is singular.
        For PSD :math:`H` and :math:`c \ge 0` this is :math:`(\lambda_{\max}+c)/
        (\lambda_{\min}+c)`; for indefinite :math:`H` it has a pole at
        :math:`c = -\lambda_i` for every negative eigenvalue.

    Raises
    ------
    ValueError
        If ``eigenvalues`` is not a non-empty 1-D array or inputs are not finite.
    """
    lam = as_float_array(eigenvalues, "eigenvalues")
    if lam.ndim != 1 or lam.size == 0:
        raise ValueError(f"eigenvalues must be a non-empty 1-D array, got {lam.shape}")
    c = as_float_array(shift, "shift")
    mags = np.abs(lam + c[..., None])
    big, small = mags.max(axis=-1), mags.min(axis=-1)
    tol = lam.size * np.finfo(float).eps * np.maximum(big, 1e-300)
    with np.errstate(divide="ignore"):
        return np.where(small <= tol, np.inf, big / np.where(small > 0, small, 1.0))


# ---------------------------------------------------------------------- optimisation
@guard_overflow("sigma", "tau")
def minimize_map(
    W0: ArrayLike,
    a: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    sigma: float,
    tau: float = math.inf,
    *,
    gtol: float = 1e-6,
    polish: int = 0,
) -> NDArray[np.float64]:
    r"""Local minimiser of :func:`map_loss` by a trust-region Newton method.

    Parameters
    ----------
    W0 : array_like, shape (m, d)
        Starting weights.
    a, X, y, sigma, tau
        As in :func:`map_loss`.
    gtol : float, default 1e-6
        Stop when the gradient norm is below ``gtol``; ``gtol > 0``.
    polish : int, default 0
        Extra plain Newton steps after the trust-region solver, taken while the
        Hessian is positive definite and the gradient norm decreases; 2 or 3
        bring the gradient to round-off level.

    Returns
    -------
    ndarray, shape (m, d)
        The local minimiser reached (``scipy.optimize.minimize`` with
        ``method="trust-exact"`` and the exact gradient and Hessian).

    Raises
    ------
    ValueError
        As :func:`map_loss`, if ``gtol <= 0`` or ``polish < 0``, or if the solver
        does not reach ``gtol``.
    """
    data = _Problem(X, y, a, sigma)
    W0, tau = data.check_weights(W0, "W0"), _check_tau(tau)
    gtol = float(check_positive(gtol, "gtol"))
    polish = check_int(polish, "polish", minimum=0)
    shape = W0.shape

    def grad(w: NDArray) -> NDArray:
        return _gradient(w.reshape(shape), data, tau).ravel()

    def hess(w: NDArray) -> NDArray:
        return map_hessian(w.reshape(shape), data.a, data.X, data.y, data.sigma, tau)

    res = minimize(
        lambda w: map_loss(w.reshape(shape), data.a, data.X, data.y, data.sigma, tau),
        W0.ravel(),
        jac=grad,
        hess=hess,
        method="trust-exact",
        options={"gtol": gtol, "maxiter": 1000},
    )
    w, g = res.x, grad(res.x)
    for _ in range(polish):  # plain Newton steps: quadratic convergence near w
        H = hess(w)
        if np.linalg.eigvalsh(H)[0] <= 0:
            break
        w_new = w - np.linalg.solve(H, g)
        g_new = grad(w_new)
        if not np.linalg.norm(g_new) < np.linalg.norm(g):
            break
        w, g = w_new, g_new
    grad_norm = np.linalg.norm(g)
    if not grad_norm <= gtol:
        raise ValueError(
            f"minimize_map did not reach gtol = {gtol:g} (gradient norm "
            f"{grad_norm:.3g}); loosen gtol or change W0"
        )
    return w.reshape(shape)


@guard_overflow("sigma", "tau", "eta")
def gd_map(
    W0: ArrayLike,
    a: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    sigma: float,
    tau: float,
    eta: float,
    n_steps: int,
) -> NDArray[np.float64]:
    r"""Full-batch gradient descent on :func:`map_loss`; returns the iterate history.

    Parameters
    ----------
    W0 : array_like, shape (m, d)
        Starting weights.
    a, X, y, sigma, tau
        As in :func:`map_loss` (``tau = inf``: plain ERM).
    eta : float
        Step size, ``eta > 0``.
    n_steps : int
        Number of steps, ``n_steps >= 0``.

    Returns
    -------
    ndarray, shape (n_steps + 1, m*d)
        Flattened iterates :math:`W_{k+1} = W_k - \eta\nabla\mathcal L_{\rm MAP}(W_k)`.

    Raises
    ------
    ValueError
        As :func:`map_loss`, or if ``eta <= 0`` or ``n_steps < 0``.
    """
    data = _Problem(X, y, a, sigma)
    W, tau = data.check_weights(W0, "W0"), _check_tau(tau)
    eta = float(check_positive(eta, "eta"))
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    history = np.empty((n_steps + 1, W.size))
    history[0] = W.ravel()
    for k in range(n_steps):  # GD steps are sequential
        W = W - eta * _gradient(W, data, tau)
        history[k + 1] = W.ravel()
    return history


@guard_overflow("sigma", "tau")
def local_gd_iterations(
    W_min: ArrayLike,
    a: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    sigma: float,
    tau: float,
    delta: ArrayLike,
    tol: float = 1e-6,
) -> tuple[float, int, int]:
    r"""Local GD speed at a minimiser: predicted and measured iterations to ``tol``.

    Parameters
    ----------
    W_min : array_like, shape (m, d)
        A strict local minimiser of :func:`map_loss` (e.g. from :func:`minimize_map`
        with ``polish``), so that its Hessian :math:`H` is positive definite.
    a, X, y, sigma, tau
        As in :func:`map_loss`.
    delta : array_like, shape (m, d)
        Perturbation; GD starts at ``W_min + delta``.
    tol : float, default 1e-6
        Relative error target, ``0 < tol < 1``.

    Returns
    -------
    kappa : float
        :math:`\kappa(H)` at ``W_min``.
    predicted : int
        ``optim.iterations_to_tolerance(kappa, tol)``, the worst case on the
        quadratic model :math:`\tfrac12 v^\top Hv`.
    measured : int
        First :math:`k` with :math:`\|W_k - W_{\min}\| \le \text{tol}\,\|\delta\|`
        for GD with :math:`\eta^\star = 2/(\lambda_{\max}+\lambda_{\min})`, run for
        ``predicted + 50`` steps; ``-1`` if not reached.

    Raises
    ------
    ValueError
        As :func:`map_loss`, if ``delta`` has the wrong shape or ``tol`` is outside
        (0, 1), or if the Hessian at ``W_min`` is not positive definite.
    """
    data = _Problem(X, y, a, sigma)
    W_min = data.check_weights(W_min, "W_min")
    delta = data.check_weights(delta, "delta")
    H = map_hessian(W_min, a, X, y, sigma, tau)
    if np.linalg.eigvalsh(H)[0] <= 0:
        raise ValueError(
            "W_min must be a strict local minimiser: the Hessian there is not "
            "positive definite"
        )
    kappa = optim.condition_number(H)
    predicted = int(optim.iterations_to_tolerance(kappa, tol))
    eta = optim.optimal_step_size(H)
    hist = gd_map(W_min + delta, a, X, y, sigma, tau, eta, predicted + 50)
    err = np.linalg.norm(hist - W_min.ravel(), axis=1)
    reached = err <= tol * np.linalg.norm(delta)
    return kappa, predicted, int(np.argmax(reached)) if reached.any() else -1
