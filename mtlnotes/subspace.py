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

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, vmap

from mtlnotes._validate import check_int, check_positive
from mtlnotes.coding import compress_subspace

__all__ = [
    "SubspaceNet",
    "compress_and_evaluate",
    "error_rates",
    "make_mlp",
    "train_subspace",
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
def error_rates(net: SubspaceNet, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """Per-task 0-1 error of the arg-max prediction, shape ``(n_tasks,)``.

    Parameters
    ----------
    net : SubspaceNet
        The model.
    x : torch.Tensor, shape (n_tasks, m, ...)
        Inputs, one block per task.
    y : torch.Tensor of int64, shape (n_tasks, m)
        Labels.

    Returns
    -------
    numpy.ndarray
        :math:`\\hat R_i = \\frac1m\\sum_j [\\arg\\max f_{\\theta_i}(x_{ij})
        \\ne y_{ij}]`.

    Raises
    ------
    ValueError
        If the shapes do not match the model's tasks.
    TypeError
        If ``net`` is not a :class:`SubspaceNet` or ``x``/``y`` not tensors.
    """
    x, y = _check_task_batch(net, x, y)
    wrong = (net(x).argmax(dim=-1) != y).double().mean(dim=1)
    return wrong.numpy()


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
