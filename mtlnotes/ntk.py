"""Neural tangent kernels of ReLU multilayer perceptrons: empirical and analytic.

The network is a bias-free ReLU MLP in the *NTK parameterisation*
{cite}`jacot2018ntk`: every weight is drawn from ``N(0, 1)`` and the scaling
sits in the forward pass,

    h1 = W1 x / sqrt(d),    h_{l+1} = W_{l+1} sqrt(2 / n_l) relu(h_l),
    f(x) = W_{L+1} sqrt(2 / n_L) relu(h_L),

so that both the prior covariance of ``f`` (the NNGP kernel) and the empirical
NTK ``grad f(x) . grad f(x')`` converge as the width grows.  The analytic
limits follow the arc-cosine recursion {cite}`cho2009kernel,arora2019exact`.
All torch computations are in float64.
"""

from __future__ import annotations

import copy
import itertools
import math

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray
from torch import nn
from torch.func import functional_call, jacrev, vmap

from mtlnotes._validate import as_float_array, check_int, check_nonnegative

__all__ = [
    "NTKMLP",
    "empirical_ntk",
    "make_mlp",
    "mlp_forward",
    "relu_kernels",
    "relu_ntk",
    "relu_output_kurtosis",
    "sample_prior_outputs",
    "train_map",
]


def mlp_forward(weights: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Output of the NTK-parameterised ReLU MLP with the given weights.

    Parameters
    ----------
    weights : list of Tensor
        ``[W1, ..., W_{L+1}]`` with ``W1`` of shape ``(n_1, d)``, hidden
        weights ``(n_{l+1}, n_l)`` and ``W_{L+1}`` of shape ``(1, n_L)``.
    x : Tensor, shape (n, d)
        Inputs.

    Returns
    -------
    Tensor, shape (n,)
        ``f(x)``.

    Raises
    ------
    TypeError
        If ``weights`` is not a non-empty list (or tuple) of tensors or ``x`` is
        not a tensor.

    Notes
    -----
    ``h1 = W1 x / sqrt(d)``, ``h_{l+1} = W_{l+1} sqrt(2 / n_l) relu(h_l)``;
    the output is the last ``h``.  Only the types are checked here; shapes are
    not (the function is called inside ``vmap``); use :func:`make_mlp` for a
    checked model.
    """
    if (
        not isinstance(weights, list | tuple)
        or not weights
        or not all(isinstance(w, torch.Tensor) for w in weights)
    ):
        raise TypeError(
            "weights must be a non-empty list of torch.Tensor, "
            f"got {type(weights).__name__}"
        )
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    h = x @ weights[0].T / math.sqrt(x.shape[-1])
    for w in weights[1:]:
        h = torch.relu(h) @ w.T * math.sqrt(2.0 / h.shape[-1])
    return h[..., 0]


class NTKMLP(nn.Module):
    """Bias-free ReLU MLP in the NTK parameterisation (see :func:`make_mlp`).

    Parameters
    ----------
    d_in : int
        Input dimension, ``>= 1``.
    width : int
        Number of units in each hidden layer, ``>= 1``.
    depth : int
        Number of hidden layers ``L >= 1``.
    generator : torch.Generator
        Generator that draws the ``N(0, 1)`` weights (required: no global state).

    Raises
    ------
    TypeError
        If ``d_in``, ``width`` or ``depth`` is not an integer or ``generator``
        is not a ``torch.Generator``.
    ValueError
        If ``d_in``, ``width`` or ``depth`` is smaller than 1.

    Notes
    -----
    Layer sizes are ``[d_in, width, ..., width, 1]`` with ``depth`` hidden
    layers; the forward pass is :func:`mlp_forward`.
    """

    def __init__(self, d_in: int, width: int, depth: int, generator: torch.Generator):
        super().__init__()
        d_in = check_int(d_in, "d_in", minimum=1)
        width = check_int(width, "width", minimum=1)
        depth = check_int(depth, "depth", minimum=1)
        if not isinstance(generator, torch.Generator):
            raise TypeError(
                "generator must be a torch.Generator (use "
                f"torch.Generator().manual_seed(seed)), got {type(generator).__name__}"
            )
        self.d_in = d_in
        sizes = [d_in] + [width] * depth + [1]
        self.weights = nn.ParameterList(
            nn.Parameter(
                torch.randn(n_out, n_in, generator=generator, dtype=torch.float64)
            )
            for n_in, n_out in itertools.pairwise(sizes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Network output ``f(x)`` of shape ``(n,)``."""
        return mlp_forward(list(self.weights), x)


def make_mlp(d_in: int, width: int, depth: int, *, seed: int) -> NTKMLP:
    """A bias-free ReLU MLP in the NTK parameterisation, weights ``N(0, 1)``.

    Parameters
    ----------
    d_in : int
        Input dimension, ``>= 1``.
    width : int
        Number of units in each hidden layer, ``>= 1``.
    depth : int
        Number of hidden layers ``L >= 1``.
    seed : int
        Seed of the ``torch.Generator`` that draws the weights.

    Returns
    -------
    NTKMLP
        A float64 module mapping ``(n, d_in)`` inputs to ``(n,)`` outputs.

    Raises
    ------
    TypeError
        If ``d_in``, ``width``, ``depth`` or ``seed`` is not an integer.
    ValueError
        If ``d_in``, ``width`` or ``depth`` is smaller than 1 or ``seed < 0``.

    Notes
    -----
    ``f(x) = W_{L+1} sqrt(2/n) relu(... sqrt(2/n) relu(W1 x / sqrt(d)))``;
    the ``sqrt(2)`` makes the diagonal of the NNGP kernel depth-independent
    for ReLU {cite}`arora2019exact`.  The architecture is validated by
    :class:`NTKMLP`.
    """
    gen = torch.Generator().manual_seed(check_int(seed, "seed", minimum=0))
    return NTKMLP(d_in, width, depth, gen)


def _check_model(model: object) -> nn.Module:
    """Return ``model`` after checking it is a ``torch.nn.Module``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return model


def _as_inputs(x: ArrayLike | torch.Tensor, name: str, d: int | None) -> torch.Tensor:
    """Validate a 2-D input batch and return it as a float64 tensor."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    arr = as_float_array(x, name)
    if arr.ndim != 2 or (d is not None and arr.shape[1] != d):
        want = f"(n, {d})" if d is not None else "(n, d)"
        raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    return torch.from_numpy(np.ascontiguousarray(arr))


def empirical_ntk(
    model: nn.Module, x1: ArrayLike, x2: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Empirical neural tangent kernel ``grad f(x1) . grad f(x2)`` of a model.

    Parameters
    ----------
    model : torch.nn.Module
        Scalar-output model mapping ``(n, d)`` to ``(n,)`` (float64).
    x1 : array_like, shape (n1, d)
        First batch of inputs.
    x2 : array_like, shape (n2, d), optional
        Second batch; defaults to ``x1``.

    Returns
    -------
    ndarray, shape (n1, n2)
        ``K[i, j] = sum_p df(x1_i)/dtheta_p * df(x2_j)/dtheta_p``.

    Raises
    ------
    TypeError
        If ``model`` is not a ``torch.nn.Module`` or an input is not numeric.
    ValueError
        If the inputs are not 2-D with a common ``d`` (for an :class:`NTKMLP`,
        its ``d_in``).

    Notes
    -----
    Per-example Jacobians come from ``torch.func.vmap(jacrev(...))`` on a
    ``functional_call``; the kernel is accumulated one parameter tensor at a
    time, ``K = sum_l J_l(x1) J_l(x2)^T``, so memory is bounded by the largest
    layer's Jacobian.  There is no loop over pairs of inputs.
    """
    model = _check_model(model)
    t1 = _as_inputs(x1, "x1", model.d_in if isinstance(model, NTKMLP) else None)
    params = {k: v.detach() for k, v in model.named_parameters()}
    t2 = t1 if x2 is None else _as_inputs(x2, "x2", t1.shape[1])
    K = torch.zeros(t1.shape[0], t2.shape[0], dtype=torch.float64)
    for name, p in params.items():
        others = {k: v for k, v in params.items() if k != name}

        def f_single(w, x, name=name, others=others):
            out = functional_call(model, {**others, name: w}, (x[None],))
            return out[0]

        jac = vmap(jacrev(f_single), in_dims=(None, 0))
        j1 = jac(p, t1).reshape(t1.shape[0], -1)
        j2 = j1 if x2 is None else jac(p, t2).reshape(t2.shape[0], -1)
        K += j1 @ j2.T
    return K.numpy()


def relu_kernels(
    x1: ArrayLike, x2: ArrayLike | None = None, *, depth: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Infinite-width NNGP kernel and NTK of the ReLU MLP of :func:`make_mlp`.

    Parameters
    ----------
    x1 : array_like, shape (n, d)
        First batch of inputs.
    x2 : array_like, shape (m, d), optional
        Second batch; defaults to ``x1``.
    depth : int
        Number of hidden layers ``L >= 1``.

    Returns
    -------
    nngp : ndarray, shape (n, m)
        ``Sigma_L(x1_i, x2_j)``, the limit of ``Cov[f(x), f(x')]`` under the
        initialisation of :func:`make_mlp` {cite}`neal1996bayesian,lee2018deep`.
    ntk : ndarray, shape (n, m)
        ``Theta_L(x1_i, x2_j)``, the limit of the empirical NTK
        {cite}`jacot2018ntk,arora2019exact`.

    Raises
    ------
    ValueError
        If ``depth < 1`` or the inputs are not 2-D with equal ``d``.

    Notes
    -----
    ``Sigma_0 = x.x'/d``; for ``l = 1..L`` with ``cos(phi_l) = Sigma_{l-1}(x,x') /
    sqrt(Sigma_{l-1}(x,x) Sigma_{l-1}(x',x'))``:
    ``Sigma_l = 2 E[relu(u) relu(v)] = sqrt(Sigma_{l-1}(x,x) Sigma_{l-1}(x',x'))
    (sin phi_l + (pi - phi_l) cos phi_l) / pi`` (degree-1 arc-cosine kernel of
    {cite}`cho2009kernel`), ``dSigma_l = 2 E[relu'(u) relu'(v)] = (pi - phi_l) / pi``
    and ``Theta_l = Theta_{l-1} dSigma_l + Sigma_l`` with ``Theta_0 = Sigma_0``.
    With the factor 2, ``Sigma_l(x, x) = |x|^2 / d`` for every ``l``.
    """
    depth = check_int(depth, "depth", minimum=1)
    a = as_float_array(x1, "x1")
    if a.ndim != 2:
        raise ValueError(f"x1 must have shape (n, d), got {a.shape}")
    b = a if x2 is None else as_float_array(x2, "x2")
    if b.ndim != 2 or b.shape[1] != a.shape[1]:
        raise ValueError(f"x2 must have shape (m, {a.shape[1]}), got {b.shape}")
    d = a.shape[1]
    sigma = a @ b.T / d
    norm = np.sqrt(np.outer(np.sum(a**2, 1), np.sum(b**2, 1))) / d
    theta_k = sigma.copy()
    for _ in range(depth):
        safe = np.where(norm > 0, norm, 1.0)
        rho = np.clip(sigma / safe, -1.0, 1.0)
        ang = np.arccos(rho)
        sigma_dot = (np.pi - ang) / np.pi
        sigma = norm * (np.sqrt(1.0 - rho**2) + (np.pi - ang) * rho) / np.pi
        theta_k = theta_k * sigma_dot + sigma
    return sigma, theta_k


def relu_ntk(
    x1: ArrayLike, x2: ArrayLike | None = None, *, depth: int
) -> NDArray[np.float64]:
    """The analytic NTK ``Theta_L``: second output of :func:`relu_kernels`.

    Parameters
    ----------
    x1, x2, depth
        As in :func:`relu_kernels`.

    Returns
    -------
    ndarray, shape (n, m)
        Infinite-width NTK at ``(x1_i, x2_j)``.

    Raises
    ------
    ValueError
        As :func:`relu_kernels`.

    Notes
    -----
    ``Theta_l = Theta_{l-1} dSigma_l + Sigma_l`` as in :func:`relu_kernels`.
    """
    return relu_kernels(x1, x2, depth=depth)[1]


def sample_prior_outputs(
    x: ArrayLike, *, width: int, depth: int, n_samples: int, seed: int
) -> NDArray[np.float64]:
    """Outputs of independently initialised networks at fixed inputs.

    Parameters
    ----------
    x : array_like, shape (n, d)
        Inputs.
    width, depth : int
        Architecture as in :func:`make_mlp` (both ``>= 1``).
    n_samples : int
        Number of independent networks, ``>= 1``.
    seed : int
        Seed of the torch generator.

    Returns
    -------
    ndarray, shape (n_samples, n)
        ``f_s(x_i)`` for networks ``s`` with i.i.d. ``N(0, 1)`` weights.

    Raises
    ------
    ValueError
        If an integer argument is below 1 or ``x`` is malformed.

    Notes
    -----
    The weights of all networks are drawn as stacked tensors and the forward
    pass is ``vmap``-ed over the network index.
    """
    width = check_int(width, "width", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    t = _as_inputs(x, "x", None)
    gen = torch.Generator().manual_seed(check_int(seed, "seed", minimum=0))
    sizes = [t.shape[1]] + [width] * depth + [1]
    weights = [
        torch.randn(n_samples, o, i, generator=gen, dtype=torch.float64)
        for i, o in itertools.pairwise(sizes)
    ]
    return vmap(mlp_forward, in_dims=(0, None))(weights, t).numpy()


def relu_output_kurtosis(width: ArrayLike) -> NDArray[np.float64]:
    """Excess kurtosis of ``f(x)`` for the one-hidden-layer net at init.

    Parameters
    ----------
    width : array_like
        Hidden width ``n >= 1``.

    Returns
    -------
    ndarray
        ``15 / n``.

    Raises
    ------
    ValueError
        If ``width < 1``.

    Notes
    -----
    Given the hidden layer, ``f(x)`` is ``N(0, V)`` with
    ``V = (2/n) sum_j relu(u_j)^2``, ``u_j ~ N(0, s)`` i.i.d.  A Gaussian scale
    mixture has excess kurtosis ``3 Var(V) / E[V]^2``; here ``E V = s`` and
    ``Var V = (4/n) Var(relu(u)^2) = (4/n)(3/2 - 1/4) s^2 = 5 s^2 / n``.
    """
    n = as_float_array(width, "width")
    if np.any(n < 1):
        raise ValueError("width must be >= 1")
    return 15.0 / n


def train_map(
    model: nn.Module,
    x: ArrayLike,
    y: ArrayLike,
    lam: float,
    *,
    steps: int,
    lr: float,
    anchor: str = "init",
    start: nn.Module | None = None,
) -> tuple[nn.Module, float]:
    """Full-batch gradient descent on the centred, L2-penalised squared loss.

    Parameters
    ----------
    model : torch.nn.Module
        Network at its initialisation ``theta_0`` (not modified).
    x : array_like, shape (n, d)
        Training inputs.
    y : array_like, shape (n,)
        Training targets.
    lam : float
        Penalty weight ``lam >= 0``.
    steps : int
        Number of gradient steps, ``>= 0``.
    lr : float
        Step size ``> 0``; ``1 / (lambda_max(K) + lam)`` with ``K`` the
        empirical NTK on ``x`` is a safe choice.
    anchor : {"init", "zero"}
        Centre of the penalty: ``theta_0`` (MAP under ``N(theta_0, tau^2 I)``)
        or the origin (ordinary weight decay).
    start : torch.nn.Module, optional
        Parameters to start gradient descent from (not modified); a network of
        the same architecture as ``model``, e.g. the output of an earlier call,
        to continue training.  Default: ``model`` itself.  The penalty centre
        and the centring offset always come from ``model``.

    Returns
    -------
    trained : torch.nn.Module
        A trained copy of ``model``.
    grad_norm : float
        Euclidean norm of the full gradient at the returned parameters.

    Raises
    ------
    TypeError
        If ``model`` is not a ``torch.nn.Module`` or an argument has the wrong
        type.
    ValueError
        If an argument is out of range or shapes do not match (also when
        ``start`` has other parameter shapes than ``model``).

    Notes
    -----
    Minimises ``0.5 * ||y - (f(X; theta) - f(X; theta_0))||^2 +
    0.5 * lam * ||theta - a||^2`` with ``a = theta_0`` or ``a = 0``.  The
    prediction of the trained model is the *centred* output
    ``f(x; theta) - f(x; theta_0)``.
    """
    model = _check_model(model)
    lam = float(check_nonnegative(lam, "lam"))
    steps = check_int(steps, "steps", minimum=0)
    lr = float(as_float_array(lr, "lr"))
    if lr <= 0:
        raise ValueError("lr must be > 0")
    if anchor not in ("init", "zero"):
        raise ValueError(f"anchor must be 'init' or 'zero', got {anchor!r}")
    t = _as_inputs(x, "x", None)
    target = torch.from_numpy(as_float_array(y, "y"))
    if target.shape != (t.shape[0],):
        raise ValueError(
            f"y must have shape ({t.shape[0]},), got {tuple(target.shape)}"
        )
    if start is None:
        start = model
    elif not isinstance(start, nn.Module):
        raise TypeError(f"start must be a torch.nn.Module, got {type(start).__name__}")
    elif [p.shape for p in start.parameters()] != [p.shape for p in model.parameters()]:
        raise ValueError("start must have the parameter shapes of model")
    trained = copy.deepcopy(start)
    params = list(trained.parameters())
    centre = [p.detach().clone() for p in model.parameters()]
    if anchor == "zero":
        centre = [torch.zeros_like(c) for c in centre]
    with torch.no_grad():
        offset = model(t)

    def grads() -> list[torch.Tensor]:
        resid = target - (trained(t) - offset)
        pen = sum(((p - c) ** 2).sum() for p, c in zip(params, centre, strict=True))
        loss = 0.5 * (resid**2).sum() + 0.5 * lam * pen
        return list(torch.autograd.grad(loss, params))

    for _ in range(steps):
        g = grads()
        with torch.no_grad():
            for p, gp in zip(params, g, strict=True):
                p -= lr * gp
    gnorm = math.sqrt(sum(float((gp**2).sum()) for gp in grads()))
    return trained, gnorm
