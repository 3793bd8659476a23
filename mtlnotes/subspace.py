"""Train small torch models in a learnable random subspace of parameter space.

A base model with ``D`` parameters is run with generated parameters

.. math::

    \\theta_i = \\theta_0 + Q\\alpha_i, \\qquad
    Q = [P_1 v_1, \\dots, P_k v_k] \\in \\mathbb{R}^{D\\times k},

one coordinate vector :math:`\\alpha_i\\in\\mathbb{R}^k` per task and a shared
basis built from fixed random matrices :math:`P_j\\in\\mathbb{R}^{D\\times l}`
and learnable :math:`v_j\\in\\mathbb{R}^l` (Zakerinia, Ghobadi and Lampert,
2025).  With ``learn_basis=False`` the basis is fixed and each task trains only
its own coordinates: intrinsic-dimension training (Li et al., 2018; Lotfi et
al., 2022).

**The random operator.**  A dense Gaussian :math:`P=[P_1,\\dots,P_k]` has
``D*k*l`` entries, which we never form.  Write
:math:`Q\\alpha_i = P w_i` with :math:`w_i = (\\alpha_{ij} v_{jt})_{j,t}\\in
\\mathbb{R}^{kl}`.  We use a *partial random circulant* matrix

.. math::

    P = \\operatorname{diag}(\\sigma\\odot\\varepsilon)\\, C_g\\, S,

where :math:`g\\sim N(0, I_L)`, :math:`C_g` is the first ``D`` rows of the
:math:`L\\times L` circulant matrix :math:`(C_g)_{ds} = g_{(d-s)\\bmod L}`
(``L >= D`` the smallest ``2^a 3^b 5^c``, a fast FFT length), :math:`S` places
the ``k*l`` entries of ``w`` at distinct random positions
:math:`s_1,\\dots,s_{kl}` of :math:`\\{0,\\dots,L-1\\}`, :math:`\\varepsilon`
are independent random signs and
:math:`\\sigma_d` is the initialisation scale (root mean square of
:math:`\\theta_0`) of the weight tensor that coordinate ``d`` belongs to.  Then
:math:`P w = \\sigma\\odot\\varepsilon\\odot (g \\circledast Sw)_{0:D}` costs
one FFT, ``O(D log D)``, and the entries of ``P`` have the first two moments of a
Gaussian matrix with column scale ``sigma``: mean zero and
:math:`\\mathbb{E}[P_{da}P_{d'b}] = \\sigma_d^2\\,[d=d'][a=b]`, hence
:math:`\\operatorname{Cov}(Pw) = \\|w\\|^2\\operatorname{diag}(\\sigma^2)` exactly
as for i.i.d. :math:`N(0,\\sigma_d^2)` entries.  A unit-norm ``w`` therefore
moves every parameter by about its own initialisation scale.

**Memory.**  Buffers :math:`\\theta_0,\\ \\sigma\\odot\\varepsilon,\\
\\hat g=\\mathrm{rfft}(g)` (``O(D)`` each per basis), the shift positions
(``k*l`` integers) and the parameters ``v`` (``k*l``) and ``alpha`` (``n*k``):
``O(D + k*l + n*k)`` in total; a forward pass creates ``O(n*D)`` temporaries,
the size of the ``n`` generated parameter vectors.  No tensor of size
``D*k*l`` is ever created.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, vmap

from mtlnotes._validate import (
    check_int,
    check_nonnegative,
    check_positive,
    check_sizes,
)
from mtlnotes.coding import (
    SubspaceCode,
    compress_subspace,
    fit_codebook,
    subspace_code_length,
)

#: the two multitask objectives of :func:`task_weights`
WEIGHTINGS = ("task", "sample")

__all__ = [
    "WEIGHTINGS",
    "QuantizedSubspace",
    "SubspaceNet",
    "compress_and_evaluate",
    "error_rates",
    "make_cnn",
    "make_mlp",
    "make_slides_convnet",
    "qat_finetune",
    "quantize_net",
    "task_weights",
    "train_minibatch",
    "train_subspace",
    "transfer_net",
]


def make_mlp(sizes: Sequence[int], seed: int = 0) -> nn.Sequential:
    """A ReLU multilayer perceptron with a seeded PyTorch default initialisation.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``(d_in, h_1, ..., d_out)``, at least two, each ``>= 1``.
    seed : int
        Seed of the initialisation (the global torch RNG is left untouched).

    Returns
    -------
    torch.nn.Sequential
        ``Linear, ReLU, ..., Linear``.

    Raises
    ------
    ValueError
        If ``sizes`` has fewer than two entries or an entry is ``< 1``.
    TypeError
        If an argument has the wrong type (e.g. a string or ``None``).

    Notes
    -----
    The number of parameters is :math:`D=\\sum_t (h_t + 1) h_{t+1}`.
    """
    if not isinstance(sizes, Sequence) or isinstance(sizes, str):
        raise TypeError(f"sizes must be a sequence of ints, got {type(sizes).__name__}")
    if len(sizes) < 2:
        raise ValueError(f"sizes must have at least 2 entries, got {len(sizes)}")
    widths = [check_int(s, "sizes", minimum=1) for s in sizes]
    seed = check_int(seed, "seed", minimum=0)
    layers: list[nn.Module] = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for t in range(len(widths) - 1):
            layers.append(nn.Linear(widths[t], widths[t + 1]))
            if t < len(widths) - 2:
                layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def make_cnn(
    channels: int = 24, length: int = 40, n_classes: int = 10, seed: int = 0
) -> nn.Sequential:
    """A small 1-D ConvNet for MNIST-1D, seeded PyTorch default initialisation.

    Parameters
    ----------
    channels : int
        Channels of each of the three convolutions, ``>= 1``.
    length : int
        Input length, ``>= 8`` (MNIST-1D: 40).
    n_classes : int
        Number of outputs, ``>= 2``.
    seed : int
        Seed of the initialisation (the global torch RNG is left untouched).

    Returns
    -------
    torch.nn.Sequential
        ``(B, length) -> (B, n_classes)``: conv(1, c, 5, stride 2), ReLU,
        conv(c, c, 3, stride 2), ReLU, conv(c, c, 3, stride 2), ReLU, linear.

    Raises
    ------
    ValueError
        If an argument is out of range.

    Notes
    -----
    In the spirit of the MNIST-1D baseline ConvNet.  Each stride-2
    convolution halves the length (``L -> ceil(L/2)``), so with
    :math:`L' = \\lceil\\lceil\\lceil L/2\\rceil/2\\rceil/2\\rceil` the model has
    :math:`D = 6c + 2(3c^2 + c) + (cL' + 1)C` parameters: 4,858 for ``c = 24``
    and 22,074 for ``c = 56`` (the slides' ConvNet has 21,840).
    """
    channels = check_int(channels, "channels", minimum=1)
    length = check_int(length, "length", minimum=8)
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    seed = check_int(seed, "seed", minimum=0)
    out_len = length
    for _ in range(3):
        out_len = (out_len + 1) // 2
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(
            nn.Unflatten(1, (1, length)),
            nn.Conv1d(1, channels, 5, stride=2, padding=2),
            nn.ReLU(),
            nn.Conv1d(channels, channels, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv1d(channels, channels, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(channels * out_len, n_classes),
        )


def make_slides_convnet(seed: int = 0) -> nn.Sequential:
    """The slides' MNIST ConvNet (D = 21,840), seeded PyTorch default initialisation.

    Parameters
    ----------
    seed : int
        Seed of the initialisation, ``>= 0`` (the global torch RNG is left
        untouched).

    Returns
    -------
    torch.nn.Sequential
        ``(B, 784) -> (B, 10)``: the flat image is viewed as ``1 x 28 x 28``, then
        conv(1, 10, 5), max-pool 2, ELU, conv(10, 20, 5), max-pool 2, ELU,
        linear(320, 50), ELU, linear(50, 10).

    Raises
    ------
    ValueError
        If ``seed`` is negative or not an integer.

    Notes
    -----
    Parameters: :math:`(25+1)10 + (250+1)20 + (320+1)50 + (50+1)10 = 260 + 5020
    + 16050 + 510 = 21{,}840`, the slides' :math:`D`.  The spatial sizes are
    :math:`28 \\to 24 \\to 12 \\to 8 \\to 4`, so the flattened features are
    :math:`20 \\cdot 4 \\cdot 4 = 320`.  Inputs are expected in ``[-1, 1]``
    (:func:`mtlnotes.data.load_fashion_mnist`).
    """
    seed = check_int(seed, "seed", minimum=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, 10, 5),
            nn.MaxPool2d(2),
            nn.ELU(),
            nn.Conv2d(10, 20, 5),
            nn.MaxPool2d(2),
            nn.ELU(),
            nn.Flatten(),
            nn.Linear(320, 50),
            nn.ELU(),
            nn.Linear(50, 10),
        )


class SubspaceNet(nn.Module):
    """A base model trained in a (learnable) random subspace, one point per task.

    Parameters
    ----------
    model : torch.nn.Module
        The base model; its current parameters are the offset
        :math:`\\theta_0` (seed its initialisation yourself, e.g. with
        :func:`make_mlp`).  It is not modified.
    n_tasks : int
        Number of tasks ``n >= 1``; one coordinate vector per task.
    k : int
        Subspace dimension ``k >= 1`` (columns of ``Q``).
    l : int
        Dimension ``l >= 1`` of each learnable ``v_j``; ``k * l <= D``.
    learn_basis : bool
        ``True``: ``v`` is learned (multitask learning, ``n*k + k*l``
        parameters).  ``False``: ``v_j = 1/sqrt(l)`` is fixed and only the
        ``n*k`` coordinates are learned (intrinsic-dimension training).
    per_task_basis : bool
        ``True`` draws an independent random operator for every task (single-
        task learning, each task in its own subspace); requires
        ``learn_basis=False``.
    seed : int
        Seed of the random operator(s) and of the initialisation of ``v``.
    projector : {"circulant", "dense"}
        The random operator ``P``: the partial random circulant (default,
        ``O(D)`` memory) or a dense Gaussian ``D x kl`` matrix with the same
        column scales (``O(D k l)`` memory; for comparisons at small ``D``).

    Raises
    ------
    ValueError
        If ``n_tasks``, ``k`` or ``l`` is ``< 1``, ``k * l > D``, the model has
        no parameters, or ``per_task_basis`` is combined with ``learn_basis``.
    TypeError
        If an argument has the wrong type (e.g. a string or ``None``).

    Notes
    -----
    ``alpha`` starts at zero, so every task starts at :math:`\\theta_0`;
    ``v_j`` starts as :math:`N(0, I_l/l)`, so that each column of ``Q`` has
    :math:`\\|v_j\\|\\approx 1` and :math:`\\operatorname{Cov}(Q\\alpha)\\approx
    \\|\\alpha\\|^2\\operatorname{diag}(\\sigma^2)`.  See the module docstring
    for the random operator and its memory ``O(D + k*l + n*k)``.
    """

    def __init__(
        self,
        model: nn.Module,
        n_tasks: int,
        k: int,
        l: int = 1,  # noqa: E741 (the paper's name)
        *,
        learn_basis: bool = True,
        per_task_basis: bool = False,
        seed: int = 0,
        projector: str = "circulant",
    ) -> None:
        super().__init__()
        if not isinstance(model, nn.Module):
            raise TypeError(
                f"model must be a torch.nn.Module, got {type(model).__name__}"
            )
        seed = check_int(seed, "seed", minimum=0)
        n_tasks = check_int(n_tasks, "n_tasks", minimum=1)
        k = check_int(k, "k", minimum=1)
        l = check_int(l, "l", minimum=1)  # noqa: E741
        if per_task_basis and learn_basis:
            raise ValueError("per_task_basis requires learn_basis=False")
        if projector not in ("circulant", "dense"):
            raise ValueError(
                f"projector must be 'circulant' or 'dense', got {projector!r}"
            )
        self.projector = projector
        self.seed = seed
        named = [(name, p.detach()) for name, p in model.named_parameters()]
        if not named:
            raise ValueError("model must have parameters")
        self.model = model
        self.names = [name for name, _ in named]
        self.shapes = [tuple(p.shape) for _, p in named]
        sizes = [p.numel() for _, p in named]
        dim = sum(sizes)
        if k * l > dim:
            raise ValueError(f"k * l must be <= D = {dim}, got {k * l}")
        self.n_tasks, self.k, self.l, self.dim = n_tasks, k, l, dim
        self.sizes = sizes
        self.learn_basis = learn_basis
        self.per_task_basis = per_task_basis
        theta0 = torch.cat([p.reshape(-1).float() for _, p in named])
        sigma = _tensor_scales(named)
        n_bases = n_tasks if per_task_basis else 1
        self.fft_len = _fast_length(dim)
        gen = torch.Generator().manual_seed(seed)
        g = torch.randn(n_bases, self.fft_len, generator=gen)
        signs = torch.randint(0, 2, (n_bases, dim), generator=gen) * 2.0 - 1.0
        shifts = torch.stack(
            [
                torch.randperm(self.fft_len, generator=gen)[: k * l]
                for _ in range(n_bases)
            ]
        )
        self.register_buffer("theta0", theta0)
        self.register_buffer("row_scale", signs * sigma)
        self.register_buffer("g_hat", torch.fft.rfft(g, dim=-1))
        self.register_buffer("shifts", shifts)
        if projector == "dense":
            dense = torch.randn(n_bases, dim, k * l, generator=gen) * sigma[:, None]
            self.register_buffer("dense", dense)
        v0 = torch.randn(k, l, generator=gen) / math.sqrt(l)
        if learn_basis:
            self.v = nn.Parameter(v0)
        else:
            self.register_buffer("v", torch.full((k, l), 1.0 / math.sqrt(l)))
        self.alpha = nn.Parameter(torch.zeros(n_tasks, k))

    @torch.no_grad()
    def balance_(self) -> None:
        """Rescale ``v_j`` and ``alpha[:, j]`` to equal RMS (the model is unchanged).

        Notes
        -----
        :math:`Q\\alpha_i` depends on :math:`\\alpha_{ij}v_j` only, so
        :math:`v_j\\to c_jv_j`, :math:`\\alpha_{\\cdot j}\\to\\alpha_{\\cdot j}/c_j`
        with :math:`c_j=(\\mathrm{rms}(\\alpha_{\\cdot j})/\\mathrm{rms}(v_j))^{1/2}`
        leaves every :math:`\\theta_i` unchanged and puts both on one scale, so
        that a single codebook suits both.  No-op for a fixed basis.
        """
        if not self.learn_basis:
            return
        rms_a = self.alpha.pow(2).mean(dim=0).sqrt()
        rms_v = self.v.pow(2).mean(dim=1).sqrt()
        ok = (rms_a > 0) & (rms_v > 0)
        c = torch.where(ok, (rms_a / rms_v.clamp_min(1e-30)).sqrt(), 1.0)
        self.v.mul_(c[:, None])
        self.alpha.div_(c[None, :])

    @torch.no_grad()
    def set_coordinates(self, alpha: np.ndarray, v: np.ndarray | None = None) -> None:
        """Overwrite ``alpha`` (and ``v``), e.g. with quantised values.

        Raises
        ------
        ValueError
            If a shape differs from ``(n_tasks, k)`` / ``(k, l)``.
        """
        new_alpha = torch.as_tensor(np.asarray(alpha), dtype=self.alpha.dtype)
        if new_alpha.shape != self.alpha.shape:
            raise ValueError(
                f"alpha must have shape {tuple(self.alpha.shape)}, "
                f"got {tuple(new_alpha.shape)}"
            )
        if v is not None:
            new_v = torch.as_tensor(np.asarray(v), dtype=self.v.dtype)
            if new_v.shape != self.v.shape:
                raise ValueError(
                    f"v must have shape {tuple(self.v.shape)}, got {tuple(new_v.shape)}"
                )
            self.v.copy_(new_v)
        self.alpha.copy_(new_alpha)

    @property
    def n_learnable(self) -> int:
        """Number of learned scalars: ``n*k + k*l`` (or ``n*k`` if fixed basis)."""
        return self.n_tasks * self.k + (self.k * self.l if self.learn_basis else 0)

    def thetas(
        self, alpha: torch.Tensor | None = None, v: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The generated parameter vectors, shape ``(n_tasks, D)``.

        ``alpha`` and ``v`` default to the module's own (pass e.g. quantised
        versions to evaluate the model they define).

        Notes
        -----
        :math:`\\theta_i = \\theta_0 + \\sigma\\odot\\varepsilon\\odot
        (g \\circledast S w_i)` with :math:`w_i = (\\alpha_{ij}v_{jt})`,
        computed with a real FFT.
        """
        n, size = self.n_tasks, self.fft_len
        alpha = self.alpha if alpha is None else alpha
        v = self.v if v is None else v
        w = (alpha[:, :, None] * v[None]).reshape(n, -1)
        if self.projector == "dense":
            dense = self.dense.expand(n, -1, -1)
            return self.theta0 + torch.einsum("ndj,nj->nd", dense, w)
        index = self.shifts.expand(n, -1)
        u = torch.zeros(n, size, dtype=w.dtype).scatter(1, index, w)
        conv = torch.fft.irfft(self.g_hat * torch.fft.rfft(u, dim=-1), n=size)
        return self.theta0 + self.row_scale * conv[:, : self.dim]

    def _unflatten(self, theta: torch.Tensor) -> dict[str, torch.Tensor]:
        pieces = torch.split(theta, self.sizes, dim=-1)
        lead = theta.shape[:-1]
        return {
            name: piece.reshape(*lead, *shape)
            for name, piece, shape in zip(self.names, pieces, self.shapes, strict=True)
        }

    def forward(
        self,
        x: torch.Tensor,
        alpha: torch.Tensor | None = None,
        v: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Outputs of all tasks, ``x`` of shape ``(n_tasks, batch, ...)``.

        Runs the base model with :func:`torch.func.functional_call`, vectorised
        over tasks with :func:`torch.func.vmap`; ``alpha``/``v`` as in
        :meth:`thetas`.
        """
        if x.ndim < 2 or x.shape[0] != self.n_tasks:
            raise ValueError(
                f"x must have shape (n_tasks={self.n_tasks}, batch, ...), "
                f"got {tuple(x.shape)}"
            )
        params = self._unflatten(self.thetas(alpha, v))

        def run(p: dict[str, torch.Tensor], xi: torch.Tensor) -> torch.Tensor:
            return functional_call(self.model, p, (xi,))

        return vmap(run)(params, x)

    def predict(self, x: torch.Tensor, task: int) -> torch.Tensor:
        """Outputs of one task's model on a batch ``x`` (any batch size)."""
        task = check_int(task, "task", minimum=0)
        if task >= self.n_tasks:
            raise ValueError(f"task must be < n_tasks = {self.n_tasks}, got {task}")
        params = self._unflatten(self.thetas()[task])
        return functional_call(self.model, params, (x,))


def _fast_length(dim: int) -> int:
    """Smallest ``L >= dim`` of the form ``2^a 3^b 5^c`` (a fast FFT length)."""
    best = 1 << max(dim - 1, 0).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            size = p35
            while size < dim:
                size *= 2
            best = min(best, size)
            p35 *= 3
        p5 *= 5
    return best


def _tensor_scales(named: list[tuple[str, torch.Tensor]]) -> torch.Tensor:
    """Per-coordinate scale: RMS of the initial values of its tensor.

    A tensor initialised to all zeros gets the median scale of the others (or 1).
    """
    rms = [float(p.float().pow(2).mean().sqrt()) for _, p in named]
    positive = [r for r in rms if r > 0]
    fallback = float(np.median(positive)) if positive else 1.0
    return torch.cat(
        [
            torch.full((p.numel(),), r if r > 0 else fallback)
            for (_, p), r in zip(named, rms, strict=True)
        ]
    )


def _check_net(net: object) -> None:
    if not isinstance(net, SubspaceNet):
        raise TypeError(f"net must be a SubspaceNet, got {type(net).__name__}")


def _check_task_batch(
    net: SubspaceNet, x: torch.Tensor, y: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    _check_net(net)
    for value, name in ((x, "x"), (y, "y")):
        if not isinstance(value, torch.Tensor):
            raise TypeError(
                f"{name} must be a torch.Tensor, got {type(value).__name__}"
            )
    if x.ndim < 2 or x.shape[0] == 0:
        raise ValueError(f"x must be a non-empty stack of tasks, got {tuple(x.shape)}")
    if x.shape[0] != net.n_tasks:
        raise ValueError(f"x must hold n_tasks = {net.n_tasks} tasks, got {x.shape[0]}")
    if y.shape != x.shape[:2]:
        raise ValueError(
            f"y must have shape {tuple(x.shape[:2])}, got {tuple(y.shape)}"
        )
    return x, y


def train_subspace(
    net: SubspaceNet,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    steps: int = 300,
    lr: float = 0.05,
    progress: Callable[[range], range] | None = None,
) -> list[float]:
    """Full-batch Adam on the mean cross-entropy over tasks.

    Parameters
    ----------
    net : SubspaceNet
        The model; its ``alpha`` (and ``v`` if learned) are updated in place.
    x : torch.Tensor, shape (n_tasks, m, ...)
        Training inputs, one block of ``m`` per task (balanced tasks).
    y : torch.Tensor of int64, shape (n_tasks, m)
        Training labels.
    steps : int
        Number of Adam steps, ``>= 1``.
    lr : float
        Adam learning rate, ``> 0``.
    progress : callable or None
        Wraps the step range, e.g. ``tqdm.auto.tqdm``.

    Returns
    -------
    list of float
        The training loss before each step.

    Raises
    ------
    ValueError
        If the shapes of ``x`` and ``y`` do not match the model's tasks, or
        ``steps``/``lr`` are out of range.
    TypeError
        If an argument has the wrong type (e.g. a string or ``None``).

    Notes
    -----
    Minimises :math:`\\frac1n\\sum_i \\frac1m\\sum_j
    \\mathrm{CE}(f_{\\theta_i}(x_{ij}), y_{ij})`.  With a fixed basis the
    objective is a sum of terms each depending on one :math:`\\alpha_i`, and
    Adam acts coordinatewise, so the tasks are trained independently.
    """
    x, y = _check_task_batch(net, x, y)
    steps = check_int(steps, "steps", minimum=1)
    check_positive(lr, "lr")
    learned = [net.alpha, net.v] if net.learn_basis else [net.alpha]
    opt = torch.optim.Adam(learned, lr=lr)
    losses = []
    loop = range(steps) if progress is None else progress(range(steps))
    for _ in loop:
        opt.zero_grad()
        out = net(x)
        loss = nn.functional.cross_entropy(
            out.reshape(-1, out.shape[-1]), y.reshape(-1)
        )
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    return losses


@torch.no_grad()
def error_rates(
    net: SubspaceNet,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    alpha: torch.Tensor | None = None,
    v: torch.Tensor | None = None,
    batch_size: int = 2000,
    sizes: np.ndarray | None = None,
) -> np.ndarray:
    """Per-task 0-1 error of the arg-max prediction, shape ``(n_tasks,)``.

    Parameters
    ----------
    net : SubspaceNet
        The model.
    x : torch.Tensor, shape (n_tasks, m, ...)
        Inputs, one block per task.
    y : torch.Tensor of int64, shape (n_tasks, m)
        Labels.

    alpha, v : torch.Tensor or None
        Coordinates to evaluate instead of the module's (e.g. quantised ones).
    batch_size : int
        Examples per task evaluated at once (memory ``O(n * batch_size)``).
    sizes : array_like of int, shape (n_tasks,), optional
        Tasks of unequal sizes: only the first ``sizes[i]`` examples of task
        ``i`` count (the rest is padding); ``1 <= sizes[i] <= m``.

    Returns
    -------
    numpy.ndarray
        :math:`\\hat R_i = \\frac1{m_i}\\sum_{j<m_i} [\\arg\\max
        f_{\\theta_i}(x_{ij}) \\ne y_{ij}]` (``m_i = m`` without ``sizes``).

    Raises
    ------
    ValueError
        If the shapes do not match the model's tasks, or ``sizes`` is out of range.
    TypeError
        If ``net`` is not a :class:`SubspaceNet` or ``x``/``y`` not tensors.
    """
    x, y = _check_task_batch(net, x, y)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if sizes is None:
        wrong = torch.zeros(net.n_tasks, dtype=torch.float64)
        for start in range(0, x.shape[1], batch_size):  # chunks bound the memory
            xb = x[:, start : start + batch_size]
            yb = y[:, start : start + batch_size]
            wrong += (net(xb, alpha, v).argmax(dim=-1) != yb).double().sum(dim=1)
        return (wrong / x.shape[1]).numpy()
    size_arr = _check_sizes_of(x, sizes)
    mask = torch.arange(x.shape[1])[None, :] < torch.as_tensor(size_arr)[:, None]
    wrong = torch.zeros(x.shape[0], dtype=torch.float64)
    for start in range(0, int(size_arr.max()), batch_size):
        sl = slice(start, start + batch_size)
        pred = net(x[:, sl], alpha, v).argmax(dim=-1)
        wrong += ((pred != y[:, sl]) & mask[:, sl]).double().sum(dim=1)
    return (wrong / torch.as_tensor(size_arr, dtype=torch.float64)).numpy()


def compress_and_evaluate(
    net: SubspaceNet,
    data: Sequence[torch.Tensor],
    n_levels: int,
) -> dict[str, np.ndarray | int]:
    """Quantise a trained model, measure its code and the errors of the quantised model.

    Parameters
    ----------
    net : SubspaceNet
        A trained model (left unchanged; a copy is quantised).
    data : sequence of torch.Tensor
        ``(x_train, y_train, x_test, y_test)``, each with a leading task axis.
    n_levels : int
        Codebook size ``K``.

    Returns
    -------
    dict
        ``bits``: per-task code lengths (fixed basis: each task coded alone
        with :func:`mtlnotes.coding.compress_subspace`) or the single multitask
        length :math:`|E(G)| + |E_G(f_1..f_n)|` (learned basis);
        ``shared_bits``, ``task_bits`` (learned basis only, else 0);
        ``train_err``, ``test_err``: per-task 0-1 errors of the quantised model.

    Raises
    ------
    ValueError
        If ``data`` does not hold four tensors or their shapes do not match.
    """
    _check_net(net)
    if not isinstance(data, Sequence) or isinstance(data, str):
        raise TypeError("data must be a sequence (x_train, y_train, x_test, y_test)")
    if len(data) != 4:
        raise ValueError("data must be (x_train, y_train, x_test, y_test)")
    x_tr, y_tr, x_te, y_te = data
    _check_task_batch(net, x_te, y_te)
    alpha = net.alpha.detach().double().numpy()
    quant = copy.deepcopy(net)
    if net.learn_basis:
        code = compress_subspace(
            alpha, net.v.detach().double().numpy(), n_levels=n_levels
        )
        quant.set_coordinates(code.task, code.shared)
        bits, shared, task = code.total_bits, code.shared_bits, code.task_bits
    else:
        codes = [compress_subspace(a[None], None, n_levels=n_levels) for a in alpha]
        quant.set_coordinates(np.concatenate([c.task for c in codes]))
        bits, shared, task = np.array([c.total_bits for c in codes]), 0, 0
    return {
        "bits": bits,
        "shared_bits": shared,
        "task_bits": task,
        "train_err": error_rates(quant, x_tr, y_tr),
        "test_err": error_rates(quant, x_te, y_te),
    }


def _learned(net: SubspaceNet) -> list[nn.Parameter]:
    return [
        p for p in (net.alpha, net.v) if isinstance(p, nn.Parameter) and p.requires_grad
    ]


def _minibatches(
    x: torch.Tensor, y: torch.Tensor, steps: int, batch_size: int, seed: int
) -> Callable[[], tuple[torch.Tensor, torch.Tensor]]:
    gen = torch.Generator().manual_seed(seed)
    rows = torch.arange(x.shape[0])[:, None]

    def draw() -> tuple[torch.Tensor, torch.Tensor]:
        idx = torch.randint(0, x.shape[1], (x.shape[0], batch_size), generator=gen)
        return x[rows, idx], y[rows, idx]

    return draw


def _check_sizes_of(x: torch.Tensor, sizes: object) -> np.ndarray:
    """Task sizes for the padded stack ``x``: ``n`` integers in ``[1, m]``."""
    size_arr = check_sizes(np.asarray(sizes))
    if size_arr.shape != (x.shape[0],) or size_arr.max() > x.shape[1]:
        raise ValueError(f"sizes must hold n = {x.shape[0]} sizes <= {x.shape[1]}")
    return size_arr


def _check_weights(weights: object, n_tasks: int) -> torch.Tensor:
    w = check_nonnegative(np.asarray(weights, dtype=np.float64), "weights")
    if w.shape != (n_tasks,) or not w.sum() > 0:
        raise ValueError(f"weights must be {n_tasks} values >= 0, not all zero")
    return torch.as_tensor(w, dtype=torch.float32)


def task_weights(sizes: object, weighting: str) -> np.ndarray:
    """Weights of the tasks' mean losses in a multitask objective.

    Parameters
    ----------
    sizes : array_like of int, shape (n,)
        Task sizes ``m_i >= 1``.
    weighting : {"task", "sample"}
        ``"task"``: ``1/n`` each, the objective ``(1/n) Σ_i L̂_i`` (task-centric);
        ``"sample"``: ``m_i / M``, the objective ``Σ_i (m_i/M) L̂_i``, i.e. the
        mean over all ``M = Σ m_i`` examples (sample-centric).

    Returns
    -------
    ndarray of float64, shape (n,)
        Non-negative weights summing to one.

    Raises
    ------
    ValueError
        If ``weighting`` is unknown or ``sizes`` is invalid.
    """
    size_arr = check_sizes(np.asarray(sizes))
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
    if weighting == "task":
        return np.full(size_arr.size, 1.0 / size_arr.size)
    return size_arr / size_arr.sum()


def _draws(
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    seed: int,
    sizes: np.ndarray | None,
) -> Callable[[], tuple[torch.Tensor, torch.Tensor]]:
    """Minibatches: ``batch_size`` examples per task, uniform with replacement
    among the task's ``m`` (or ``sizes[i]``) examples."""
    if sizes is None:
        return _minibatches(x, y, 0, batch_size, seed)
    gen = torch.Generator().manual_seed(seed)
    size_t = torch.as_tensor(sizes, dtype=torch.float64)[:, None]
    rows = torch.arange(x.shape[0])[:, None]

    def draw() -> tuple[torch.Tensor, torch.Tensor]:
        u = torch.rand(x.shape[0], batch_size, generator=gen, dtype=torch.float64)
        idx = (u * size_t).long()  # uniform on {0, ..., m_i - 1}
        return x[rows, idx], y[rows, idx]

    return draw


def _adam_loop(
    net: SubspaceNet,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    steps: int,
    batch_size: int,
    lr: float,
    seed: int,
    sizes: object,
    weights: object,
    codebooks: nn.Parameter | None,
    progress: Callable[[range], range] | None,
) -> list[float]:
    """The one minibatch training loop (plain or quantisation-aware).

    Validates its arguments; Adam with a cosine decay on the learned coordinates
    (and the codebooks, if given: straight-through quantised forward pass).
    """
    x, y = _check_task_batch(net, x, y)
    steps = check_int(steps, "steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    check_positive(lr, "lr")
    size_arr = None if sizes is None else _check_sizes_of(x, sizes)
    w = None if weights is None else _check_weights(weights, x.shape[0])
    if w is None and size_arr is not None:
        w = torch.full((x.shape[0],), 1.0 / x.shape[0])
    params = [*_learned(net)] + ([] if codebooks is None else [codebooks])
    opt = torch.optim.Adam(params, lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: _cosine(t, steps))
    draw = _draws(x, y, batch_size, seed, size_arr)
    losses = []
    loop = range(steps) if progress is None else progress(range(steps))
    for _ in loop:
        xb, yb = draw()
        if codebooks is None:
            out = net(xb)
        else:
            flat = _ste_quantize(_flat_groups(net, net.alpha, net.v), codebooks)
            out = net(xb, *_unflat_groups(net, flat, net.v))
        if w is None:  # equal sizes, equal weights: the mean over all examples
            loss = nn.functional.cross_entropy(
                out.reshape(-1, out.shape[-1]), yb.reshape(-1)
            )
        else:
            ce = nn.functional.cross_entropy(
                out.reshape(-1, out.shape[-1]), yb.reshape(-1), reduction="none"
            )
            loss = ce.reshape(yb.shape).mean(dim=1) @ w
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    return losses


def _cosine(step: int, steps: int) -> float:
    return 0.5 * (1.0 + math.cos(math.pi * step / steps))


def train_minibatch(
    net: SubspaceNet,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    steps: int = 1000,
    batch_size: int = 128,
    lr: float = 0.01,
    seed: int = 0,
    sizes: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    progress: Callable[[range], range] | None = None,
) -> list[float]:
    """Minibatch Adam with a cosine learning-rate decay on the mean cross-entropy.

    Parameters
    ----------
    net : SubspaceNet
        The model; its learned coordinates (``alpha``, and ``v`` if it is a
        parameter that requires gradients) are updated in place.
    x : torch.Tensor, shape (n_tasks, m, ...)
        Training inputs, one block of ``m`` per task.
    y : torch.Tensor of int64, shape (n_tasks, m)
        Training labels.
    steps : int
        Number of Adam steps, ``>= 1``.
    batch_size : int
        Examples per task and step, ``>= 1``, drawn uniformly with replacement
        (independently per task).
    lr : float
        Peak learning rate, ``> 0``; step ``t`` uses
        :math:`\\eta_t = \\eta\\,(1 + \\cos(\\pi t/T))/2`.
    seed : int
        Seed of the minibatch draws.
    sizes : array_like of int, shape (n_tasks,), optional
        Tasks of unequal sizes: ``x`` and ``y`` are padded and task ``i`` draws
        from its first ``sizes[i]`` examples only (``1 <= sizes[i] <= m``).
    weights : array_like, shape (n_tasks,), optional
        Weights ``w_i >= 0`` of the tasks' minibatch losses (e.g.
        :func:`task_weights`); default ``1/n`` each.
    progress : callable or None
        Wraps the step range, e.g. ``tqdm.auto.tqdm``.

    Returns
    -------
    list of float
        The minibatch loss at each step.

    Raises
    ------
    ValueError
        If shapes do not match the model or an argument is out of range.
    TypeError
        If an argument has the wrong type.

    Notes
    -----
    Each step minimises :math:`\\sum_i w_i\\frac1B\\sum_{j\\in B_i}
    \\mathrm{CE}(f_{\\theta_i}(x_{ij}), y_{ij})`, an unbiased estimate of the
    objective :math:`\\sum_i w_i \\hat L_i` (with ``w_i = 1/n`` that of
    :func:`train_subspace`).  The same loop runs quantisation-aware in
    :func:`qat_finetune`.
    """
    return _adam_loop(
        net,
        x,
        y,
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        sizes=sizes,
        weights=weights,
        codebooks=None,
        progress=progress,
    )


def transfer_net(net: SubspaceNet, n_tasks: int = 1) -> SubspaceNet:
    """A model for new tasks in a learned subspace: ``Q`` fixed, ``alpha`` learned.

    Parameters
    ----------
    net : SubspaceNet
        A trained multitask model (``learn_basis=True``).
    n_tasks : int
        Number of new tasks, ``>= 1``.

    Returns
    -------
    SubspaceNet
        Same base model, operator and seed; ``v`` copied from ``net`` and frozen;
        ``alpha`` zero.

    Raises
    ------
    ValueError
        If ``net`` has no learned basis.
    """
    _check_net(net)
    n_tasks = check_int(n_tasks, "n_tasks", minimum=1)
    if not net.learn_basis:
        raise ValueError("net must have a learned basis (learn_basis=True)")
    new = SubspaceNet(
        copy.deepcopy(net.model),
        n_tasks,
        net.k,
        net.l,
        learn_basis=True,
        seed=net.seed,
        projector=net.projector,
    )
    with torch.no_grad():
        new.theta0.copy_(net.theta0)
        new.v.copy_(net.v)
    new.v.requires_grad_(False)
    return new


@dataclass(frozen=True)
class QuantizedSubspace:
    """A quantised subspace model and the length of its prefix-free code.

    Attributes
    ----------
    codebooks : ndarray of float64, shape (groups, K)
        Stored codebook values (already rounded to ``codebook_precision``).
        One group for a learned basis (``v`` and all ``alpha``), else one per task.
    alpha_index, v_index : ndarray of int64
        Codebook indices of ``alpha`` (n, k) and ``v`` (k, l; empty if none).
    alpha, v : torch.Tensor
        Dequantised values, to pass to :func:`error_rates`.
    codes : list of SubspaceCode
        One code per group (multitask: one; per-task: ``n``).
    """

    codebooks: np.ndarray
    alpha_index: np.ndarray
    v_index: np.ndarray
    alpha: torch.Tensor
    v: torch.Tensor
    codes: list[SubspaceCode]

    @property
    def bits(self) -> int | np.ndarray:
        """Multitask: the total length; per-task coding: the array of lengths."""
        totals = np.array([c.total_bits for c in self.codes], dtype=np.int64)
        return int(totals[0]) if len(self.codes) == 1 else totals


def _round_codebook(values: torch.Tensor, precision: int) -> torch.Tensor:
    dtype = torch.float16 if precision == 16 else torch.float32
    return values.detach().to(dtype).double()


def _groups(net: SubspaceNet) -> int:
    return 1 if net.learn_basis else net.n_tasks


def _nearest(values: torch.Tensor, books: torch.Tensor) -> torch.Tensor:
    """values (G, N), books (G, K) -> indices (G, N)."""
    return (values[..., None] - books[:, None, :]).abs().argmin(dim=-1)


def _flat_groups(
    net: SubspaceNet, alpha: torch.Tensor, v: torch.Tensor
) -> torch.Tensor:
    if net.learn_basis:
        return torch.cat([v.reshape(-1), alpha.reshape(-1)])[None]
    return alpha


def _unflat_groups(
    net: SubspaceNet, flat: torch.Tensor, v: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    if net.learn_basis:
        kl = net.k * net.l
        return flat[0, kl:].reshape(net.n_tasks, net.k), flat[0, :kl].reshape(v.shape)
    return flat, v


def _ste_quantize(flat: torch.Tensor, books: torch.Tensor) -> torch.Tensor:
    """Nearest centroid forward; straight-through to ``flat``, summed to ``books``."""
    with torch.no_grad():
        idx = _nearest(flat, books)
    return torch.gather(books, 1, idx) + flat - flat.detach()


def quantize_net(
    net: SubspaceNet,
    n_levels: int,
    *,
    codebooks: np.ndarray | torch.Tensor | None = None,
    codebook_precision: int = 16,
    grid_size: int = 1,
) -> QuantizedSubspace:
    """Quantise a model's learned coordinates and measure their code.

    Parameters
    ----------
    net : SubspaceNet
        The model (unchanged).  With a learned basis, call
        :meth:`SubspaceNet.balance_` first so that one codebook suits ``v`` and
        ``alpha``.
    n_levels : int
        Codebook size ``K >= 1``.
    codebooks : array_like of shape (groups, K), or None
        Codebook values to use (e.g. learned by :func:`qat_finetune`); ``None``
        fits them by 1-D k-means (:func:`mtlnotes.coding.fit_codebook`).
    codebook_precision : {16, 32}
        Bits per stored codebook value; the values are rounded to it.
    grid_size : int
        Size of the hyperparameter grid paid for in each code's header.

    Returns
    -------
    QuantizedSubspace

    Raises
    ------
    ValueError
        If ``n_levels`` exceeds the number of scalars of a group, the codebook
        shape is wrong, or ``codebook_precision`` is not 16 or 32.

    Notes
    -----
    Groups: a learned basis is one group (``v`` and every ``alpha_i``, one
    codebook, code length :math:`|E(G)|+|E_G(f_{1:n})|`); otherwise each task
    is its own group and is coded alone (single-task learning).  Each value is
    replaced by its nearest codebook entry.  Code lengths by
    :func:`mtlnotes.coding.subspace_code_length`.
    """
    _check_net(net)
    n_levels = check_int(n_levels, "n_levels", minimum=1)
    if codebook_precision not in (16, 32):
        raise ValueError(
            f"codebook_precision must be 16 or 32, got {codebook_precision}"
        )
    alpha, v = net.alpha.detach().double(), net.v.detach().double()
    flat = _flat_groups(net, alpha, v)
    if n_levels > flat.shape[1]:
        raise ValueError(f"n_levels must be <= {flat.shape[1]} (scalars per group)")
    if codebooks is None:
        books = torch.from_numpy(
            np.stack([fit_codebook(row.numpy(), n_levels) for row in flat]).astype(
                np.float64
            )
        )
    else:
        books = torch.as_tensor(np.asarray(codebooks), dtype=torch.float64)
        if books.shape != (flat.shape[0], n_levels):
            raise ValueError(
                f"codebooks must have shape {(flat.shape[0], n_levels)}, "
                f"got {tuple(books.shape)}"
            )
    books = _round_codebook(books, codebook_precision)
    idx = _nearest(flat, books)
    deq = torch.gather(books, 1, idx)
    q_alpha, q_v = _unflat_groups(net, deq, v)
    a_idx, v_idx = _unflat_groups(net, idx, v.long())
    if net.learn_basis:
        codes = [
            subspace_code_length(
                a_idx.numpy(),
                v_idx.numpy(),
                n_levels,
                codebook_precision=codebook_precision,
                grid_size=grid_size,
            )
        ]
    else:
        codes = [
            subspace_code_length(
                row.numpy(),
                None,
                n_levels,
                codebook_precision=codebook_precision,
                grid_size=grid_size,
            )
            for row in a_idx
        ]
    return QuantizedSubspace(
        codebooks=books.numpy(),
        alpha_index=a_idx.numpy(),
        v_index=v_idx.numpy() if net.learn_basis else np.zeros((0,), np.int64),
        alpha=q_alpha.float(),
        v=q_v.float(),
        codes=codes,
    )


def qat_finetune(
    net: SubspaceNet,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    n_levels: int,
    steps: int = 200,
    batch_size: int = 128,
    lr: float = 0.002,
    seed: int = 0,
    sizes: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    codebook_precision: int = 16,
    grid_size: int = 1,
    progress: Callable[[range], range] | None = None,
) -> QuantizedSubspace:
    """Quantisation-aware fine-tuning with a learned codebook, then quantise.

    Parameters
    ----------
    net : SubspaceNet
        A trained model; its coordinates are fine-tuned in place (a learned
        basis is balanced first with :meth:`SubspaceNet.balance_`).
    x, y : torch.Tensor
        Training data, shapes ``(n_tasks, m, ...)`` and ``(n_tasks, m)``.
    n_levels : int
        Codebook size ``K >= 1``.
    steps, batch_size, lr, seed, sizes, weights
        As in :func:`train_minibatch` (``steps >= 1``).
    codebook_precision, grid_size
        As in :func:`quantize_net`.
    progress : callable or None
        Wraps the step range.

    Returns
    -------
    QuantizedSubspace
        The model quantised with the learned codebook(s), and its code length.

    Raises
    ------
    ValueError
        As :func:`train_minibatch` and :func:`quantize_net`.

    Notes
    -----
    After Lotfi et al. (2022): the codebook :math:`c` starts from 1-D k-means.
    Each step maps every scalar :math:`w` to its nearest centroid
    :math:`c_{a(w)}` in the forward pass and back-propagates with

    .. math::

        \\frac{\\partial L}{\\partial w} = \\frac{\\partial L}{\\partial \\hat w},
        \\qquad
        \\frac{\\partial L}{\\partial c_j} = \\sum_{w:\\,a(w)=j}
        \\frac{\\partial L}{\\partial \\hat w},

    straight-through for the parameters and summed member gradients for the
    centroids, implemented as :math:`\\hat w = c_{a(w)} + w - \\mathrm{sg}(w)`.
    """
    _check_task_batch(net, x, y)
    n_levels = check_int(n_levels, "n_levels", minimum=1)
    net.balance_()
    start = quantize_net(
        net, n_levels, codebook_precision=32, grid_size=grid_size
    ).codebooks
    books = nn.Parameter(torch.as_tensor(start, dtype=torch.float32))
    _adam_loop(
        net,
        x,
        y,
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        sizes=sizes,
        weights=weights,
        codebooks=books,
        progress=progress,
    )
    return quantize_net(
        net,
        n_levels,
        codebooks=books.detach().double().numpy(),
        codebook_precision=codebook_precision,
        grid_size=grid_size,
    )
