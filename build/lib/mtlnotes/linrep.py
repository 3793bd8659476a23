"""The multitask linear representation model, ERM pretraining and finetuning.

Task :math:`t \\in \\{0, 1, \\dots, T\\}` draws
:math:`x \\sim \\mathcal N(0, \\Sigma_x)` and
:math:`y = F_\\star^{(t)}\\Phi_\\star x + w`, :math:`w \\sim \\mathcal N(0,
\\sigma^2 I_{d_y})`, with a shared representation :math:`\\Phi_\\star \\in
\\mathbb R^{r\\times d_x}` (orthonormal rows) and task heads :math:`F_\\star^{(t)} \\in
\\mathbb R^{d_y\\times r}`.  Tasks :math:`1..T` are used for pretraining, task 0 is
held out for finetuning.  The population excess risk of a predictor
:math:`x \\mapsto F\\Phi x` on task :math:`t` is

.. math:: \\mathrm{ER}^{(t)}(F, \\Phi) = \\|(F\\Phi - F_\\star^{(t)}\\Phi_\\star)
          \\Sigma_x^{1/2}\\|_F^2 ,

computed here in closed form.  Arrays of tasks carry the task index first:
heads ``(T, d_y, r)``, inputs ``(T, N, d_x)``, outputs ``(T, N, d_y)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mtlnotes._validate import (
    as_float_array,
    check_generator,
    check_int,
    check_positive,
    check_shape,
    check_spd,
    check_square_matrix,
    guard_overflow,
)
from mtlnotes.optim import (
    condition_number,
    gd_quadratic,
    iterations_to_tolerance,
    optimal_step_size,
)

__all__ = [
    "LinRepProblem",
    "MultitaskData",
    "PretrainResult",
    "apply_gauge",
    "best_heads",
    "diagonal_conditioner",
    "effective_task_diversity",
    "excess_risk",
    "expected_ls_excess_risk",
    "finetune_gd",
    "fit_heads",
    "fit_heads_gd",
    "gd_finetune_iterations",
    "head_variance",
    "head_variance_mc",
    "inf_excess_risk",
    "make_problem",
    "pretrain_erm",
    "pretrain_gd",
    "ratio_of_means",
    "sample_tasks",
    "training_loss",
    "transfer_coefficient",
]


@dataclass(frozen=True)
class LinRepProblem:
    """Ground truth of the multitask linear representation model.

    Attributes
    ----------
    Phi_star : ndarray, shape (r, d_x)
        Shared representation with orthonormal rows.
    F_star : ndarray, shape (T + 1, d_y, r)
        Task heads; ``F_star[0]`` is the held-out task, ``F_star[1:]`` the
        training tasks.
    Sigma_x : ndarray, shape (d_x, d_x)
        Covariance of the inputs (symmetric positive definite).
    sigma : float
        Noise standard deviation.
    """

    Phi_star: NDArray[np.float64]
    F_star: NDArray[np.float64]
    Sigma_x: NDArray[np.float64]
    sigma: float

    @property
    def r(self) -> int:
        """Representation dimension."""
        return self.Phi_star.shape[0]

    @property
    def d_x(self) -> int:
        """Input dimension."""
        return self.Phi_star.shape[1]

    @property
    def d_y(self) -> int:
        """Output dimension."""
        return self.F_star.shape[1]

    @property
    def T(self) -> int:
        """Number of training tasks."""
        return self.F_star.shape[0] - 1


@dataclass(frozen=True)
class MultitaskData:
    """Samples of several tasks, task index first.

    Attributes
    ----------
    X : ndarray, shape (n_tasks, N, d_x)
    Y : ndarray, shape (n_tasks, N, d_y)
    """

    X: NDArray[np.float64]
    Y: NDArray[np.float64]

    @property
    def N(self) -> int:
        """Samples per task."""
        return self.X.shape[1]

    def train(self) -> MultitaskData:
        """The training tasks ``1..T`` (drops the held-out task 0)."""
        return MultitaskData(self.X[1:], self.Y[1:])

    def held_out(self) -> MultitaskData:
        """The held-out task 0 alone (a stack of one task)."""
        return MultitaskData(self.X[:1], self.Y[:1])


@dataclass(frozen=True)
class PretrainResult:
    """Output of a pretraining run.

    Attributes
    ----------
    F : ndarray, shape (T, d_y, r)
        Fitted heads of the training tasks.
    Phi : ndarray, shape (r, d_x)
        Fitted representation.
    loss : float
        Final training loss :func:`training_loss`.
    grad_norm : float
        Frobenius norm of the gradient of the training loss at ``(F, Phi)``
        (the stationarity certificate).
    n_iter : int
        Iterations run.
    history : ndarray, shape (n_iter + 1,)
        Training loss after each iteration (entry 0 at the start).
    """

    F: NDArray[np.float64]
    Phi: NDArray[np.float64]
    loss: float
    grad_norm: float
    n_iter: int
    history: NDArray[np.float64]


def _orthonormal_rows(a: NDArray) -> NDArray:
    """Rows spanning the same space as the rows of ``a``, orthonormal."""
    q, _ = np.linalg.qr(a.T)
    return q.T


def make_problem(
    d_x: int,
    d_y: int,
    r: int,
    T: int,
    rng: np.random.Generator,
    *,
    sigma: float = 0.5,
    cond_x: float = 10.0,
) -> LinRepProblem:
    """Draw a random instance of the multitask linear representation model.

    Parameters
    ----------
    d_x, d_y, r, T : int
        Input and output dimension, representation rank (``1 <= r <= d_x``)
        and number of training tasks (``T >= 1``).
    rng : numpy.random.Generator
        Source of randomness.
    sigma : float, optional
        Noise standard deviation, ``> 0``.
    cond_x : float, optional
        Condition number of :math:`\\Sigma_x`, ``>= 1``.

    Returns
    -------
    LinRepProblem

    Raises
    ------
    TypeError
        If ``rng`` is not a ``numpy.random.Generator``.
    ValueError
        If a size is out of range, ``sigma <= 0`` or ``cond_x < 1``.

    Notes
    -----
    :math:`\\Sigma_x = U\\operatorname{diag}(s)U^\\top` with :math:`U` Haar
    orthogonal and :math:`s` geometric from 1 to :math:`1/\\kappa_x`;
    :math:`\\Phi_\\star` has Haar-distributed orthonormal rows; the heads have
    i.i.d. :math:`\\mathcal N(0, 1/r)` entries (task 0 drawn like the others).
    """
    check_generator(rng, "rng")
    d_x = check_int(d_x, "d_x", minimum=1)
    d_y = check_int(d_y, "d_y", minimum=1)
    r = check_int(r, "r", minimum=1)
    T = check_int(T, "T", minimum=1)
    if r > d_x:
        raise ValueError(f"r must be <= d_x = {d_x}, got {r}")
    sigma = float(check_positive(sigma, "sigma"))
    cond_x = float(as_float_array(cond_x, "cond_x"))
    if cond_x < 1:
        raise ValueError("cond_x must be >= 1")
    u, _ = np.linalg.qr(rng.standard_normal((d_x, d_x)))
    spectrum = np.geomspace(1.0, 1.0 / cond_x, d_x)
    Sigma_x = (u * spectrum) @ u.T
    Phi_star = _orthonormal_rows(rng.standard_normal((r, d_x)))
    F_star = rng.standard_normal((T + 1, d_y, r)) / np.sqrt(r)
    return LinRepProblem(Phi_star, F_star, (Sigma_x + Sigma_x.T) / 2, sigma)


def sample_tasks(
    problem: LinRepProblem,
    N: int,
    rng: np.random.Generator,
    *,
    F_star: ArrayLike | None = None,
) -> MultitaskData:
    """Draw ``N`` samples of every task of ``problem``.

    Parameters
    ----------
    problem : LinRepProblem
    N : int
        Samples per task, ``N >= 1``.
    rng : numpy.random.Generator
    F_star : array_like, shape (n_tasks, d_y, r), optional
        Heads to sample from instead of ``problem.F_star`` (all ``T + 1`` tasks).

    Returns
    -------
    MultitaskData
        ``X`` of shape ``(n_tasks, N, d_x)`` and ``Y`` of shape
        ``(n_tasks, N, d_y)``.

    Raises
    ------
    TypeError
        If ``problem`` is not a :class:`LinRepProblem` or ``rng`` is not a
        ``numpy.random.Generator``.
    ValueError
        If ``N < 1`` or ``F_star`` has the wrong shape.

    Notes
    -----
    :math:`x = \\Sigma_x^{1/2} g`, :math:`g \\sim \\mathcal N(0, I)`;
    :math:`y = F_\\star^{(t)}\\Phi_\\star x + \\sigma\\xi`, :math:`\\xi \\sim
    \\mathcal N(0, I_{d_y})`.
    """
    _check_problem(problem)
    check_generator(rng, "rng")
    N = check_int(N, "N", minimum=1)
    heads = problem.F_star if F_star is None else as_float_array(F_star, "F_star")
    if heads.ndim != 3 or heads.shape[1:] != problem.F_star.shape[1:]:
        raise ValueError(
            f"F_star must have shape (n_tasks, {problem.d_y}, {problem.r}),"
            f" got {heads.shape}"
        )
    root = np.linalg.cholesky(problem.Sigma_x)
    X = rng.standard_normal((heads.shape[0], N, problem.d_x)) @ root.T
    B = heads @ problem.Phi_star  # (n_tasks, d_y, d_x)
    noise = problem.sigma * rng.standard_normal((heads.shape[0], N, problem.d_y))
    return MultitaskData(X, X @ np.swapaxes(B, 1, 2) + noise)


def _check_problem(problem: object) -> LinRepProblem:
    if not isinstance(problem, LinRepProblem):
        raise TypeError(
            f"problem must be a LinRepProblem, got {type(problem).__name__}"
        )
    return problem


def _check_data(data: object) -> MultitaskData:
    if not isinstance(data, MultitaskData):
        raise TypeError(f"data must be a MultitaskData, got {type(data).__name__}")
    return data


def _check_rep(Phi: ArrayLike, d_x: int | None = None, name: str = "Phi") -> NDArray:
    """``Phi`` as a 2-D ``(r, d_x)`` array; ``d_x = None`` allows any width."""
    Phi = as_float_array(Phi, name)
    if Phi.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (r, d_x) matrix, got shape {Phi.shape}")
    return check_shape(Phi, (None, d_x), name)


def _check_heads_rep(
    F: ArrayLike, Phi: ArrayLike, names: tuple[str, str] = ("F", "Phi")
) -> tuple[NDArray, NDArray]:
    F = as_float_array(F, names[0])
    Phi = _check_rep(Phi, name=names[1])
    if F.ndim < 2 or F.shape[-1] != Phi.shape[0]:
        raise ValueError(
            f"{names[0]} must have shape (..., d_y, {Phi.shape[0]}) to match "
            f"{names[1]}, got {F.shape}"
        )
    return F, Phi


def _check_sigma_x(
    Sigma_x: ArrayLike, Phi: NDArray, Phi_star: NDArray
) -> NDArray[np.float64]:
    """``Sigma_x`` as an SPD matrix whose size ``d_x`` matches both representations."""
    Sigma_x, _ = check_spd(Sigma_x, "Sigma_x")
    if Phi.shape[1] != Sigma_x.shape[0] or Phi_star.shape[1] != Sigma_x.shape[0]:
        raise ValueError("Phi, Phi_star and Sigma_x must share d_x")
    return Sigma_x


def training_loss(F: ArrayLike, Phi: ArrayLike, data: MultitaskData) -> float:
    """Mean squared training error of heads ``F`` on representation ``Phi``.

    Parameters
    ----------
    F : array_like, shape (n_tasks, d_y, r)
    Phi : array_like, shape (r, d_x)
    data : MultitaskData
        With ``n_tasks`` tasks.

    Returns
    -------
    float
        :math:`\\frac{1}{n_{\\rm tasks} N}\\sum_t\\sum_i \\|y_i^{(t)} - F^{(t)}\\Phi
        x_i^{(t)}\\|^2`.

    Raises
    ------
    TypeError
        If ``data`` is not a :class:`MultitaskData`.
    ValueError
        If the shapes do not match.
    """
    F, Phi = _check_heads_rep(F, Phi)
    check_shape(Phi, (None, _check_data(data).X.shape[-1]), "Phi")
    if F.ndim != 3 or F.shape[0] != data.X.shape[0]:
        raise ValueError(f"F must have one head per task of data, got {F.shape}")
    resid = data.Y - data.X @ Phi.T @ np.swapaxes(F, 1, 2)
    return float(np.mean(np.sum(resid**2, axis=-1)))


def apply_gauge(
    F: ArrayLike, Phi: ArrayLike, Q: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Move along the ERM invariance: :math:`(F, \\Phi) \\mapsto (FQ^{-1}, Q\\Phi)`.

    Parameters
    ----------
    F : array_like, shape (..., d_y, r)
    Phi : array_like, shape (r, d_x)
    Q : array_like, shape (r, r)
        Nonsingular matrix.

    Returns
    -------
    (F Q^{-1}, Q Phi) : tuple of ndarray

    Raises
    ------
    ValueError
        If ``Q`` is not square, does not match ``Phi``, or is singular
        (condition number above :math:`1/(r\\varepsilon)`).

    Notes
    -----
    :math:`(FQ^{-1})(Q\\Phi) = F\\Phi`, so every product-dependent quantity
    (training loss, excess risk) is unchanged.
    """
    F, Phi = _check_heads_rep(F, Phi)
    Q = check_square_matrix(Q, "Q")
    if Q.shape[0] != Phi.shape[0]:
        raise ValueError(f"Q must be ({Phi.shape[0]}, {Phi.shape[0]}), got {Q.shape}")
    s = np.linalg.svd(Q, compute_uv=False)
    if s[-1] <= s[0] * Q.shape[0] * np.finfo(float).eps:
        raise ValueError("Q must be nonsingular")
    F_new = np.linalg.solve(Q.T, np.swapaxes(F, -1, -2))  # (Q^{-T} F^T)
    return np.swapaxes(F_new, -1, -2), Q @ Phi


def diagonal_conditioner(kappa: float, r: int) -> NDArray[np.float64]:
    """Diagonal :math:`Q` with :math:`\\|Q\\|_2 = 1` and condition number ``kappa``.

    Parameters
    ----------
    kappa : float
        Condition number, ``>= 1``.
    r : int
        Size, ``r >= 2`` (``r = 1`` only with ``kappa = 1``).

    Returns
    -------
    ndarray, shape (r, r)
        :math:`Q = \\operatorname{diag}(q)`, :math:`q_j = \\kappa^{-(j-1)/(r-1)}`,
        geometric from 1 down to :math:`1/\\kappa`.

    Raises
    ------
    ValueError
        If ``kappa < 1``, ``r < 1``, or ``r = 1`` with ``kappa > 1``.
    """
    kappa = float(as_float_array(kappa, "kappa"))
    r = check_int(r, "r", minimum=1)
    if kappa < 1:
        raise ValueError("kappa must be >= 1")
    if r == 1:
        if kappa > 1:
            raise ValueError("r must be >= 2 for kappa > 1")
        return np.ones((1, 1))
    return np.diag(np.geomspace(1.0, 1.0 / kappa, r))


def excess_risk(
    F: ArrayLike,
    Phi: ArrayLike,
    F_star: ArrayLike,
    Phi_star: ArrayLike,
    Sigma_x: ArrayLike,
) -> NDArray[np.float64]:
    """Population excess risk in closed form, one value per task.

    Parameters
    ----------
    F : array_like, shape (..., d_y, r)
        Heads (a leading task axis is optional and broadcasts with ``F_star``).
    Phi : array_like, shape (r, d_x)
    F_star : array_like, shape (..., d_y, r_star)
    Phi_star : array_like, shape (r_star, d_x)
    Sigma_x : array_like, shape (d_x, d_x)
        Input covariance (symmetric positive definite).

    Returns
    -------
    ndarray, shape (...)
        :math:`\\mathrm{ER} = \\operatorname{Tr}(D\\Sigma_xD^\\top) =
        \\|D\\Sigma_x^{1/2}\\|_F^2` with :math:`D = F\\Phi - F_\\star\\Phi_\\star`;
        equal to :math:`\\mathbb E_x\\|F\\Phi x - F_\\star\\Phi_\\star x\\|^2`.

    Raises
    ------
    ValueError
        If the shapes do not match or ``Sigma_x`` is not positive definite.
    """
    F, Phi = _check_heads_rep(F, Phi)
    F_star, Phi_star = _check_heads_rep(F_star, Phi_star, ("F_star", "Phi_star"))
    Sigma_x = _check_sigma_x(Sigma_x, Phi, Phi_star)
    D = F @ Phi - F_star @ Phi_star
    return np.einsum("...ij,jk,...ik->...", D, Sigma_x, D)


def best_heads(
    Phi: ArrayLike, F_star: ArrayLike, Phi_star: ArrayLike, Sigma_x: ArrayLike
) -> NDArray[np.float64]:
    """Population-optimal heads on a fixed representation.

    Parameters
    ----------
    Phi : array_like, shape (r, d_x)
        Representation of full row rank.
    F_star : array_like, shape (..., d_y, r_star)
    Phi_star : array_like, shape (r_star, d_x)
    Sigma_x : array_like, shape (d_x, d_x)

    Returns
    -------
    ndarray, shape (..., d_y, r)
        :math:`F_b = F_\\star\\Phi_\\star\\Sigma_x\\Phi^\\top(\\Phi\\Sigma_x
        \\Phi^\\top)^{-1}`, the minimiser of :math:`F \\mapsto \\mathrm{ER}(F,\\Phi)`.

    Raises
    ------
    ValueError
        If shapes mismatch, ``Sigma_x`` is not positive definite, or ``Phi``
        is rank deficient.
    """
    Phi = _check_rep(Phi)
    F_star, Phi_star = _check_heads_rep(F_star, Phi_star, ("F_star", "Phi_star"))
    Sigma_x = _check_sigma_x(Sigma_x, Phi, Phi_star)
    S_z = Phi @ Sigma_x @ Phi.T
    if np.linalg.matrix_rank(S_z) < Phi.shape[0]:
        raise ValueError("Phi must have full row rank")
    cross = F_star @ Phi_star @ Sigma_x @ Phi.T  # (..., d_y, r)
    return np.swapaxes(np.linalg.solve(S_z, np.swapaxes(cross, -1, -2)), -1, -2)


def inf_excess_risk(
    Phi: ArrayLike, F_star: ArrayLike, Phi_star: ArrayLike, Sigma_x: ArrayLike
) -> NDArray[np.float64]:
    """:math:`\\inf_F \\mathrm{ER}(F, \\Phi)` per task, in closed form.

    Parameters
    ----------
    Phi, F_star, Phi_star, Sigma_x
        As in :func:`best_heads`.

    Returns
    -------
    ndarray, shape (...)
        :math:`\\operatorname{Tr}(B\\Sigma_xB^\\top) - \\operatorname{Tr}(
        B\\Sigma_x\\Phi^\\top(\\Phi\\Sigma_x\\Phi^\\top)^{-1}\\Phi\\Sigma_xB^\\top)`
        with :math:`B = F_\\star\\Phi_\\star`: the part of :math:`Bx` not linearly
        predictable from :math:`\\Phi x`.

    Raises
    ------
    ValueError
        As :func:`best_heads`.
    """
    F_b = best_heads(Phi, F_star, Phi_star, Sigma_x)
    er = excess_risk(F_b, Phi, F_star, Phi_star, Sigma_x)
    return np.maximum(er, 0.0)


def transfer_coefficient(Phi: ArrayLike, problem: LinRepProblem) -> float:
    """Transfer coefficient :math:`\\nu_\\Phi` of section 2.2 of the note.

    Parameters
    ----------
    Phi : array_like, shape (r, d_x)
    problem : LinRepProblem

    Returns
    -------
    float
        :math:`\\nu_\\Phi = \\frac{\\frac1T\\sum_{t=1}^T\\inf_F\\mathrm{ER}^{(t)}(F,
        \\Phi)}{\\inf_F\\mathrm{ER}^{(0)}(F,\\Phi)}` (training over held-out). Large
        means the held-out task is no harder for ``Phi`` than the training tasks;
        it is not bounded by 1.

    Raises
    ------
    TypeError
        If ``problem`` is not a :class:`LinRepProblem`.
    ValueError
        If the held-out task is represented exactly
        (:math:`\\inf_F\\mathrm{ER}^{(0)} = 0`, ratio undefined), or as
        :func:`best_heads`.
    """
    _check_problem(problem)
    inf_er = inf_excess_risk(Phi, problem.F_star, problem.Phi_star, problem.Sigma_x)
    B0 = problem.F_star[0] @ problem.Phi_star
    scale = np.einsum("ij,jk,ik->", B0, problem.Sigma_x, B0)  # ER of predicting 0
    if inf_er[0] <= 1e-12 * scale:
        raise ValueError(
            "Phi represents the held-out task exactly: the denominator of nu is 0"
        )
    return float(np.mean(inf_er[1:]) / inf_er[0])


def fit_heads(Phi: ArrayLike, data: MultitaskData) -> NDArray[np.float64]:
    """Least-squares heads on a fixed representation, one per task.

    Parameters
    ----------
    Phi : array_like, shape (r, d_x)
    data : MultitaskData
        ``N >= r`` samples per task.

    Returns
    -------
    ndarray, shape (n_tasks, d_y, r)
        :math:`\\hat F^{(t)} = Y_t^\\top Z_t(Z_t^\\top Z_t)^{-1}`,
        :math:`Z_t = X_t\\Phi^\\top`, computed from the QR factorisation of
        :math:`Z_t` (backward stable; round-off grows like :math:`\\kappa(Z_t)`,
        not :math:`\\kappa(Z_t)^2`).

    Raises
    ------
    TypeError
        If ``data`` is not a :class:`MultitaskData`.
    ValueError
        If ``N < r`` or ``Phi`` does not match ``data``.
    """
    Phi = _check_rep(Phi, _check_data(data).X.shape[-1])
    if data.N < Phi.shape[0]:
        raise ValueError(f"N must be >= r = {Phi.shape[0]}, got {data.N}")
    # Householder QR of each Z_t (not the normal equations, which square kappa(Z))
    q, R = np.linalg.qr(data.X @ Phi.T)
    return np.swapaxes(np.linalg.solve(R, np.swapaxes(q, 1, 2) @ data.Y), 1, 2)


def fit_heads_gd(Phi: ArrayLike, data: MultitaskData, n_steps: int) -> NDArray:
    """Heads after ``n_steps`` of gradient descent from zero, one per task, exactly.

    Parameters
    ----------
    Phi : array_like, shape (r, d_x)
    data : MultitaskData
        ``N >= r`` samples per task, with :math:`Z_t = X_t\\Phi^\\top` of full
        column rank.
    n_steps : int
        GD steps, ``>= 0``.

    Returns
    -------
    ndarray, shape (n_tasks, d_y, r)
        The iterate :math:`F_K` of GD on :math:`\\frac{1}{2N}\\|Y_t - Z_tF^\\top\\|_F^2`
        from :math:`F_0 = 0` with each task's optimal step
        :math:`\\eta_t = 2/(\\lambda_{\\max} + \\lambda_{\\min})` of
        :math:`H_t = Z_t^\\top Z_t/N`, in closed form:
        :math:`F_K^\\top = V\\operatorname{diag}\\big((1 - (1 - \\eta_t\\lambda_i)^K)
        /\\lambda_i\\big)V^\\top b_t` with :math:`H_t = V\\operatorname{diag}(\\lambda)
        V^\\top`, :math:`b_t = Z_t^\\top Y_t/N`.  Same iterates as
        :func:`finetune_gd`, vectorised over tasks.

    Raises
    ------
    TypeError
        If ``data`` is not a :class:`MultitaskData`.
    ValueError
        If ``Phi`` does not match ``data``, ``n_steps < 0``, ``N < r`` or some
        :math:`Z_t` is rank deficient.
    """
    Phi = _check_rep(Phi, _check_data(data).X.shape[-1])
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    if data.N < Phi.shape[0]:
        raise ValueError(f"N must be >= r = {Phi.shape[0]}, got {data.N}")
    Z = data.X @ Phi.T
    Zt = np.swapaxes(Z, 1, 2)
    lam, V = np.linalg.eigh(Zt @ Z / data.N)
    if np.any(lam[:, 0] <= Phi.shape[0] * np.finfo(float).eps * lam[:, -1]):
        raise ValueError("X @ Phi.T must have full column rank for every task")
    eta = 2.0 / (lam[:, -1] + lam[:, 0])
    filt = (1.0 - (1.0 - eta[:, None] * lam) ** n_steps) / lam  # 1 - eta*lam in (-1, 1)
    coef = filt[..., None] * (np.swapaxes(V, 1, 2) @ (Zt @ data.Y / data.N))
    return np.swapaxes(V @ coef, 1, 2)


def _loss_grads(F: NDArray, Phi: NDArray, data: MultitaskData):
    """Training loss and its gradients (mean over tasks and samples)."""
    scale = 2.0 / (data.X.shape[0] * data.N)
    Z = data.X @ Phi.T
    resid = Z @ np.swapaxes(F, 1, 2) - data.Y  # (T, N, d_y)
    resid_t = np.swapaxes(resid, 1, 2)
    g_F = scale * resid_t @ Z
    g_Phi = scale * np.sum(np.swapaxes(F, 1, 2) @ resid_t @ data.X, axis=0)
    return float(np.mean(np.sum(resid**2, axis=-1))), g_F, g_Phi


def _certificate(F: NDArray, Phi: NDArray, data: MultitaskData) -> float:
    _, g_F, g_Phi = _loss_grads(F, Phi, data)
    return float(np.sqrt(np.sum(g_F**2) + np.sum(g_Phi**2)))


def pretrain_erm(
    data: MultitaskData, r: int, *, tol: float = 1e-14, max_iter: int = 5000
) -> PretrainResult:
    """Exact ERM pretraining by alternating least squares (ALS) to convergence.

    Parameters
    ----------
    data : MultitaskData
        Training tasks, ``N >= r``.
    r : int
        Representation rank, ``1 <= r <= d_x``.
    tol : float, optional
        Stop when the relative decrease of the loss is below ``tol``.
    max_iter : int, optional
        Maximum number of ALS sweeps.

    Returns
    -------
    PretrainResult
        With ``Phi`` normalised to orthonormal rows (a choice of gauge) and the
        gradient norm as stationarity certificate.

    Raises
    ------
    TypeError
        If ``data`` is not a :class:`MultitaskData`.
    ValueError
        If ``r`` is out of range (``r > d_x`` or ``r > T * d_y``), ``N < r`` or
        ``tol <= 0``.

    Notes
    -----
    Each sweep solves two linear least-squares problems exactly: the heads
    :math:`F^{(t)} = Y_t^\\top Z_t(Z_t^\\top Z_t)^{-1}` given :math:`\\Phi`, then
    :math:`\\Phi` from the normal equations :math:`\\sum_t F^{(t)\\top}F^{(t)}\\Phi
    X_t^\\top X_t = \\sum_t F^{(t)\\top} Y_t^\\top X_t`, a linear system of size
    :math:`r d_x`.  The loss never increases.  Initialisation is spectral: the
    top-:math:`r` left singular vectors of :math:`[X_1^\\top Y_1, \\dots,
    X_T^\\top Y_T]`.
    """
    d_x = _check_data(data).X.shape[-1]
    r = check_int(r, "r", minimum=1)
    if r > d_x:
        raise ValueError(f"r must be <= d_x = {d_x}, got {r}")
    if data.N < r:
        raise ValueError(f"N must be >= r = {r}, got {data.N}")
    tol = float(check_positive(tol, "tol"))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    n_cols = data.X.shape[0] * data.Y.shape[-1]
    if r > n_cols:
        raise ValueError(
            f"r must be <= T * d_y = {n_cols}: with fewer head rows than r the "
            "representation is not identifiable and ALS degenerates"
        )
    moments = np.concatenate(list(np.swapaxes(data.X, 1, 2) @ data.Y), axis=1)
    Phi = np.linalg.svd(moments, full_matrices=False)[0][:, :r].T
    XtX = np.swapaxes(data.X, 1, 2) @ data.X
    history = []
    for it in range(max_iter):  # sequential sweeps
        F = fit_heads(Phi, data)
        history.append(training_loss(F, Phi, data))
        if it > 0 and history[-2] - history[-1] <= tol * history[-2]:
            break
        M = np.einsum("tab,tij->aibj", np.swapaxes(F, 1, 2) @ F, XtX)
        rhs = np.sum(np.swapaxes(F, 1, 2) @ np.swapaxes(data.Y, 1, 2) @ data.X, 0)
        M = M.reshape(r * d_x, r * d_x)
        Phi = np.linalg.lstsq(M, rhs.ravel(), rcond=None)[0].reshape(r, d_x)
    # canonical gauge: Phi^T = U R  ->  Phi' = U^T, F' = F R^T
    U, R = np.linalg.qr(Phi.T)
    F = F @ R.T
    Phi = U.T
    loss = training_loss(F, Phi, data)
    return PretrainResult(
        F, Phi, loss, _certificate(F, Phi, data), it + 1, np.asarray(history)
    )


@guard_overflow("eta", "init_scale")
def pretrain_gd(
    data: MultitaskData,
    r: int,
    rng: np.random.Generator,
    *,
    eta: float,
    n_steps: int,
    init_scale: float = 0.1,
) -> PretrainResult:
    """Joint full-batch gradient descent on heads and representation.

    Parameters
    ----------
    data : MultitaskData
        Training tasks.
    r : int
        Representation rank, ``1 <= r <= d_x``.
    rng : numpy.random.Generator
        For the random initialisation.
    eta : float
        Step size, ``> 0``.
    n_steps : int
        Number of steps, ``>= 0``.
    init_scale : float, optional
        Standard deviation of the i.i.d. Gaussian initial entries.

    Returns
    -------
    PretrainResult
        ``history`` holds the training loss at every step.

    Raises
    ------
    TypeError
        If ``data`` is not a :class:`MultitaskData` or ``rng`` is not a
        ``numpy.random.Generator``.
    ValueError
        If ``r`` is out of range or ``eta``, ``n_steps``, ``init_scale`` are
        invalid.

    Notes
    -----
    Minimises :func:`training_loss` :math:`L(F, \\Phi)` by :math:`F \\leftarrow F -
    \\eta\\nabla_F L`, :math:`\\Phi \\leftarrow \\Phi - \\eta\\nabla_\\Phi L`
    simultaneously.  Unlike ALS it never reaches the minimiser in finitely many
    steps, and its path depends on the gauge of the initialisation.
    """
    d_x = _check_data(data).X.shape[-1]
    check_generator(rng, "rng")
    r = check_int(r, "r", minimum=1)
    if r > d_x:
        raise ValueError(f"r must be <= d_x = {d_x}, got {r}")
    eta = float(check_positive(eta, "eta"))
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    init_scale = float(check_positive(init_scale, "init_scale"))
    F = init_scale * rng.standard_normal((data.X.shape[0], data.Y.shape[-1], r))
    Phi = init_scale * rng.standard_normal((r, d_x))
    history = np.empty(n_steps + 1)
    for k in range(n_steps):  # sequential steps
        history[k], g_F, g_Phi = _loss_grads(F, Phi, data)
        F, Phi = F - eta * g_F, Phi - eta * g_Phi
    history[n_steps] = training_loss(F, Phi, data)
    return PretrainResult(
        F, Phi, float(history[-1]), _certificate(F, Phi, data), n_steps, history
    )


@guard_overflow("sigma")
def head_variance(Phi: ArrayLike, X: ArrayLike, sigma: float, d_y: int) -> float:
    """Exact noise variance of the least-squares head on a fixed design.

    Parameters
    ----------
    Phi : array_like, shape (r, d_x)
        Representation (e.g. :math:`Q\\hat\\Phi`).
    X : array_like, shape (N, d_x)
        Finetuning inputs, held fixed; ``Z = X Phi^T`` of full column rank.
    sigma : float
        Noise standard deviation, ``> 0``.
    d_y : int
        Output dimension.

    Returns
    -------
    float
        :math:`\\mathbb E_w\\|\\hat F - \\mathbb E_w\\hat F\\|_F^2 = \\sigma^2 d_y
        \\operatorname{Tr}((Z^\\top Z)^{-1})`.  For :math:`\\Phi = Q\\hat\\Phi` this is
        :math:`\\sigma^2 d_y\\operatorname{Tr}((\\hat Z^\\top\\hat Z)^{-1}
        (Q^\\top Q)^{-1})`.

    Raises
    ------
    ValueError
        If ``sigma <= 0``, ``d_y < 1`` or ``Z`` is rank deficient.
    """
    Phi = _check_rep(Phi)
    X = as_float_array(X, "X")
    sigma = float(check_positive(sigma, "sigma"))
    d_y = check_int(d_y, "d_y", minimum=1)
    if X.ndim != 2 or X.shape[1] != Phi.shape[1]:
        raise ValueError(f"X must have shape (N, {Phi.shape[1]}), got {X.shape}")
    Z = X @ Phi.T
    s = np.linalg.svd(Z, compute_uv=False)
    if Z.shape[0] < Z.shape[1] or s[-1] <= s[0] * max(Z.shape) * np.finfo(float).eps:
        raise ValueError("X @ Phi.T must have full column rank")
    return float(sigma**2 * d_y * np.sum(1.0 / s**2))


@guard_overflow("inf_er", "sigma")
def expected_ls_excess_risk(
    inf_er: ArrayLike, d_y: int, sigma: float, r: int, N: int
) -> NDArray[np.float64]:
    """Expected excess risk of a least-squares head, Gaussian design.

    Parameters
    ----------
    inf_er : array_like
        :math:`\\inf_F\\mathrm{ER}(F,\\Phi)` of the task(s), ``>= 0``.
    d_y, r : int
        Output dimension and representation rank.
    sigma : float
        Noise standard deviation, ``>= 0``.
    N : int
        Samples, ``N >= r + 2``.

    Returns
    -------
    ndarray
        :math:`\\mathbb E\\,\\mathrm{ER}(\\hat F,\\Phi) = \\inf_F\\mathrm{ER} +
        (d_y\\sigma^2 + \\inf_F\\mathrm{ER})\\,\\frac{r}{N-r-1}`.

    Raises
    ------
    ValueError
        If ``N < r + 2`` or an argument is out of range.

    Notes
    -----
    For Gaussian :math:`x`, the misfit :math:`(B - F_b\\Phi)x` of the best head is
    Gaussian and uncorrelated with, hence independent of, :math:`z = \\Phi x`;
    it acts as extra noise of total variance :math:`\\inf_F\\mathrm{ER}`.  The
    inverse-Wishart mean :math:`\\mathbb E(Z^\\top Z)^{-1} = \\Sigma_z^{-1}/(N-r-1)`
    gives the factor.
    """
    inf_er = as_float_array(inf_er, "inf_er")
    if np.any(inf_er < 0):
        raise ValueError("inf_er must be >= 0")
    d_y = check_int(d_y, "d_y", minimum=1)
    r = check_int(r, "r", minimum=1)
    sigma = float(as_float_array(sigma, "sigma"))
    if sigma < 0:
        raise ValueError("sigma must be >= 0")
    N = check_int(N, "N", minimum=r + 2)
    return inf_er + (d_y * sigma**2 + inf_er) * r / (N - r - 1)


def _check_finetune(
    Phi: ArrayLike, X: ArrayLike, Y: ArrayLike
) -> tuple[NDArray, NDArray, NDArray]:
    """``Phi (r, d_x)``, ``X (N, d_x)`` and ``Y (N, d_y)`` as matching float arrays."""
    Phi = _check_rep(Phi)
    X, Y = as_float_array(X, "X"), as_float_array(Y, "Y")
    if X.ndim != 2 or X.shape[1] != Phi.shape[1]:
        raise ValueError(f"X must have shape (N, {Phi.shape[1]}), got {X.shape}")
    if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
        raise ValueError(f"Y must have shape ({X.shape[0]}, d_y), got {Y.shape}")
    return Phi, X, Y


@guard_overflow("eta")
def finetune_gd(
    Phi: ArrayLike, X: ArrayLike, Y: ArrayLike, n_steps: int, eta: float | None = None
) -> NDArray[np.float64]:
    """Finetune a head by gradient descent from zero on a fixed representation.

    Parameters
    ----------
    Phi : array_like, shape (r, d_x)
    X : array_like, shape (N, d_x)
    Y : array_like, shape (N, d_y)
    n_steps : int
        GD steps, ``>= 0``.
    eta : float, optional
        Step size; default :func:`mtlnotes.optim.optimal_step_size` of
        :math:`H = Z^\\top Z / N`.

    Returns
    -------
    ndarray, shape (n_steps + 1, d_y, r)
        Head iterates :math:`F_0 = 0, F_1, \\dots` of GD on
        :math:`\\frac{1}{2N}\\|Y - ZF^\\top\\|_F^2`, :math:`Z = X\\Phi^\\top`
        (each output row runs :func:`mtlnotes.optim.gd_quadratic`).

    Raises
    ------
    ValueError
        If shapes mismatch or :math:`Z^\\top Z` is singular.
    """
    Phi, X, Y = _check_finetune(Phi, X, Y)
    Z = X @ Phi.T
    H = Z.T @ Z / X.shape[0]
    H = (H + H.T) / 2
    eta = optimal_step_size(H) if eta is None else eta
    b = Z.T @ Y / X.shape[0]
    zero = np.zeros(Phi.shape[0])
    paths = [gd_quadratic(H, col, zero, eta, n_steps) for col in b.T]  # per output
    return np.stack(paths, axis=1)


def effective_task_diversity(
    Phi: ArrayLike,
    problem: LinRepProblem,
    N: int,
    n_runs: int,
    rng: np.random.Generator,
    *,
    fit=fit_heads,
) -> tuple[float, float, NDArray[np.float64], NDArray[np.float64]]:
    """Monte Carlo estimate of the effective task diversity :math:`\\tilde\\nu(\\Phi)`.

    Parameters
    ----------
    Phi : array_like, shape (r, d_x)
    problem : LinRepProblem
    N : int
        Samples per task per run.
    n_runs : int
        Independent runs, ``>= 2``.
    rng : numpy.random.Generator
    fit : callable, optional
        The head-training algorithm :math:`\\mathcal A`: ``fit(Phi, data)`` returns
        one head per task of ``data``, shape ``(n_tasks, d_y, r)`` (default least
        squares, :func:`fit_heads`).  It is called once on the stack of all runs.

    Returns
    -------
    nu_tilde : float
        :math:`\\bar a / \\bar b`, with :math:`a_k = \\frac1T\\sum_{t\\ge1}
        \\mathrm{ER}^{(t)}(\\hat F^{(t)}_k, \\Phi)`, :math:`b_k = \\mathrm{ER}^{(0)}(
        \\hat F^{(0)}_k, \\Phi)` in run :math:`k` (excess risks in closed form).
    se : float
        Delta-method standard error of the ratio,
        :math:`\\frac{1}{\\bar b\\sqrt n}\\operatorname{sd}(a_k - \\tilde\\nu b_k)`.
    a, b : ndarray, shape (n_runs,)
        The per-run numerators and denominators.

    Raises
    ------
    TypeError
        If ``problem`` is not a :class:`LinRepProblem` or ``rng`` is not a
        ``numpy.random.Generator``.
    ValueError
        If ``N`` or ``n_runs`` is out of range.
    """
    _check_problem(problem)
    check_generator(rng, "rng")
    N = check_int(N, "N", minimum=1)
    n_runs = check_int(n_runs, "n_runs", minimum=2)
    # all runs at once: run k holds tasks k*(T+1) .. k*(T+1) + T of one big stack
    heads = np.tile(problem.F_star, (n_runs, 1, 1))
    data = sample_tasks(problem, N, rng, F_star=heads)
    er = excess_risk(
        fit(Phi, data), Phi, heads, problem.Phi_star, problem.Sigma_x
    ).reshape(n_runs, problem.T + 1)
    a, b = er[:, 1:].mean(axis=1), er[:, 0]
    nu, se = ratio_of_means(a, b)
    return nu, se, a, b


def ratio_of_means(a: ArrayLike, b: ArrayLike) -> tuple[float, float]:
    """Ratio of two Monte Carlo means with its delta-method standard error.

    Parameters
    ----------
    a, b : array_like, shape (n,)
        Paired per-run values, ``n >= 2``, with ``mean(b) != 0``.

    Returns
    -------
    ratio, se : float
        :math:`\\hat\\rho = \\bar a/\\bar b` and
        :math:`\\operatorname{sd}(a_k - \\hat\\rho\\, b_k)/(|\\bar b|\\sqrt n)`.

    Raises
    ------
    ValueError
        If the shapes differ, ``n < 2`` or ``mean(b) == 0``.
    """
    a, b = as_float_array(a, "a"), as_float_array(b, "b")
    if a.ndim != 1 or a.shape != b.shape or a.size < 2:
        raise ValueError("a and b must be 1-D of the same length >= 2")
    if b.mean() == 0:
        raise ValueError("b must have a nonzero mean")
    ratio = float(a.mean() / b.mean())
    se = float(np.std(a - ratio * b, ddof=1) / (abs(b.mean()) * np.sqrt(a.size)))
    return ratio, se


@guard_overflow("sigma")
def head_variance_mc(
    Phi: ArrayLike,
    X: ArrayLike,
    mean_Y: ArrayLike,
    sigma: float,
    n_mc: int,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """Monte Carlo estimate of the least-squares head's noise variance.

    Parameters
    ----------
    Phi : array_like, shape (r, d_x)
    X : array_like, shape (N, d_x)
        Fixed finetuning inputs.
    mean_Y : array_like, shape (N, d_y)
        Noiseless outputs :math:`\\mathbb E[Y \\mid X]`.
    sigma : float
        Noise standard deviation, ``> 0``.
    n_mc : int
        Noise draws, ``>= 2``.
    rng : numpy.random.Generator

    Returns
    -------
    mean, se : float
        Average of :math:`\\|\\hat F_k - \\mathbb E_w\\hat F\\|_F^2` over draws
        :math:`Y_k = \\mathbb E[Y\\mid X] + \\sigma\\xi_k` and its standard error;
        :math:`\\mathbb E_w\\hat F` is the head fitted to ``mean_Y`` (exact,
        since the head is linear in :math:`Y`).  Compare with
        :func:`head_variance`.

    Raises
    ------
    TypeError
        If ``rng`` is not a ``numpy.random.Generator``.
    ValueError
        If ``sigma <= 0``, ``n_mc < 2`` or shapes mismatch.
    """
    check_generator(rng, "rng")
    X, mean_Y = as_float_array(X, "X"), as_float_array(mean_Y, "mean_Y")
    sigma = float(check_positive(sigma, "sigma"))
    n_mc = check_int(n_mc, "n_mc", minimum=2)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, d_x), got {X.shape}")
    if mean_Y.ndim != 2 or mean_Y.shape[0] != np.shape(X)[0]:
        raise ValueError(f"mean_Y must have shape ({np.shape(X)[0]}, d_y)")
    center = fit_heads(Phi, MultitaskData(X[None], mean_Y[None]))[0]
    noise = sigma * rng.standard_normal((n_mc, *mean_Y.shape))
    draws = fit_heads(
        Phi, MultitaskData(np.broadcast_to(X, (n_mc, *X.shape)), mean_Y + noise)
    )
    dev = np.sum((draws - center) ** 2, axis=(1, 2))
    return float(dev.mean()), float(dev.std(ddof=1) / np.sqrt(n_mc))


def gd_finetune_iterations(
    Phi: ArrayLike, X: ArrayLike, Y: ArrayLike, tol: float
) -> tuple[int, int]:
    """GD steps (optimal step size, start at 0) until the head is ``tol``-accurate.

    Parameters
    ----------
    Phi : array_like, shape (r, d_x)
    X : array_like, shape (N, d_x)
    Y : array_like, shape (N, d_y)
    tol : float
        Target :math:`\\|F_k - \\hat F\\|_F \\le \\text{tol}\\,\\|F_0 - \\hat F\\|_F`,
        ``0 < tol < 1``.

    Returns
    -------
    measured : int
        First :math:`k` meeting the target, from :func:`finetune_gd`.
    bound : int
        The worst-case count :func:`mtlnotes.optim.iterations_to_tolerance` at
        :math:`\\kappa(Z^\\top Z)`, :math:`Z = X\\Phi^\\top`;
        ``measured <= bound`` always.

    Raises
    ------
    ValueError
        If shapes mismatch, ``tol`` is outside (0, 1) or :math:`Z^\\top Z` is
        singular.
    """
    Phi, X, Y = _check_finetune(Phi, X, Y)
    Z = X @ Phi.T
    bound = int(iterations_to_tolerance(condition_number(Z.T @ Z), tol))
    path = finetune_gd(Phi, X, Y, bound + 1)  # one spare step for round-off
    target = fit_heads(Phi, MultitaskData(X[None], Y[None]))[0]
    err = np.sqrt(np.sum((path - target) ** 2, axis=(1, 2)))
    return int(np.argmax(err <= tol * err[0])), bound
