"""Unbalanced multitask bounds on a trained shared-subspace network (MNIST-1D).

Chapter ``unbalanced_mtl``, section "Trained networks on tasks of very different
sizes".

``python -m mtlnotes.experiments unbalanced --scale full`` writes
``results/unbalanced_mnist1d.json``:

* 30 MNIST-1D tasks (MNIST-like generator setting, shuffled pixels with 10 swaps),
  sizes log-uniform between 50 and 5,000 (seed fixed), a fresh sample of 10,000
  per task (one block seen by every task through its own permutation);
* one shared-subspace ConvNet trained twice, with the task-weighted objective
  ``(1/n) Σ_i R̂_i`` and with the sample-weighted objective ``Σ_i (m_i/M) R̂_i``,
  each fine-tuned quantisation-aware, quantised and coded as in the subspace
  experiment (learned 16-bit codebook, adaptive arithmetic code), plus one bit
  for the choice between the two objectives;
* for each coded model the five bounds of :func:`mtlnotes.unbalanced.multitask_bounds`
  next to the fresh-sample risks ``R^MT`` and ``R^MT-S``;
* "beyond the slides": ``sup_μ M_μ(λ)`` on a grid of ``λ ∈ (0, m_min]`` at these
  sizes (:func:`mgf_sup`) and the kl bound it would give (:func:`ideal_kl_bound`);
* a small configuration (key ``ci``) that the test suite re-runs end to end.

The top-level keys ``train_err``, ``fresh_err``, ``bits`` and ``bounds`` are those
of the task-weighted model; ``models`` holds both.  ``--scale book`` runs a
reduced configuration of the same pipeline (the chapter's live run).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray
from torch import nn

from mtlnotes import data, subspace
from mtlnotes._validate import check_int, check_nonnegative, check_probability
from mtlnotes.experiments.core import Clock, environment, load_stored, write_json
from mtlnotes.kl import kl_inv_upper
from mtlnotes.mgf import log_kl_mgf_binned, logit_grid
from mtlnotes.unbalanced import check_sizes, multitask_bounds

__all__ = [
    "CI_CONFIG",
    "COMMAND",
    "UnbalancedConfig",
    "config_for",
    "format_tables",
    "ideal_kl_bound",
    "load_results",
    "log_uniform_sizes",
    "make_unbalanced_tasks",
    "mgf_sup",
    "run",
    "run_config",
    "task_errors",
    "train_weighted",
]

DELTA = 0.05
RESULT_FILE = "unbalanced_mnist1d.json"
COMMAND = "python -m mtlnotes.experiments unbalanced --scale full"
WEIGHTINGS = ("task", "sample")
#: the two trained models are one choice among two: one bit in every code
SELECTION_BITS = 1


@dataclass(frozen=True)
class UnbalancedConfig:
    """One run: ``n_tasks`` tasks with log-uniform sizes in ``[m_lo, m_hi]``."""

    n_tasks: int = 30
    m_lo: int = 50
    m_hi: int = 5000
    m_fresh: int = 10000
    size_seed: int = 13
    setting: str = "mnist_like"
    n_swaps: int = 10
    channels: int = 24
    k: int = 8
    l: int = 64  # noqa: E741 (the paper's name)
    steps: int = 400
    batch_size: int = 128
    lr: float = 0.01
    qat_steps: int = 100
    qat_lr: float = 0.002
    n_levels: int = 16
    seed: int = 0
    mgf_lams: tuple[float, ...] = (0.125, 0.25, 0.5, 0.75, 1.0)
    mgf_mus: int = 40
    mgf_cells: int = 1024


#: the configuration the test suite re-runs end to end (stored under ``ci``)
CI_CONFIG = UnbalancedConfig(
    n_tasks=4,
    m_lo=40,
    m_hi=400,
    m_fresh=1000,
    k=8,
    l=32,
    steps=150,
    qat_steps=30,
    n_levels=8,
    mgf_lams=(0.5, 1.0),
    mgf_mus=8,
    mgf_cells=256,
)


def config_for(scale: str) -> UnbalancedConfig:
    """The configuration of a scale: ``"full"`` (stored) or ``"book"`` (live run)."""
    if scale == "full":
        return UnbalancedConfig()
    if scale == "book":
        return UnbalancedConfig(
            n_tasks=8,
            m_lo=50,
            m_hi=500,
            m_fresh=2000,
            steps=100,
            qat_steps=20,
            mgf_lams=(0.5, 1.0),
            mgf_mus=12,
            mgf_cells=256,
        )
    raise ValueError(f"scale must be 'full' or 'book', got {scale!r}")


def log_uniform_sizes(n_tasks: int, m_lo: int, m_hi: int, seed: int) -> NDArray:
    """Task sizes ``round(exp(U))``, ``U`` uniform on ``[ln m_lo, ln m_hi]``.

    Parameters
    ----------
    n_tasks : int
        Number of tasks, ``>= 2``.
    m_lo, m_hi : int
        Smallest and largest size, ``1 <= m_lo < m_hi``; both are attained (the
        first two tasks get them), so the sizes spread over exactly ``m_hi/m_lo``.
    seed : int
        Seed of ``numpy.random.default_rng``, ``>= 0``.

    Returns
    -------
    ndarray of int64, shape (n_tasks,)

    Raises
    ------
    ValueError
        If an argument is out of range.
    """
    n_tasks = check_int(n_tasks, "n_tasks", minimum=2)
    m_lo = check_int(m_lo, "m_lo", minimum=1)
    m_hi = check_int(m_hi, "m_hi", minimum=m_lo + 1)
    seed = check_int(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    sizes = np.round(np.exp(rng.uniform(math.log(m_lo), math.log(m_hi), n_tasks)))
    sizes[:2] = m_lo, m_hi
    return sizes.astype(np.int64)


@dataclass(frozen=True)
class UnbalancedTasks:
    """Tasks of unequal sizes, padded to a common length.

    ``x_train`` (n, L, p) and ``y_train`` (n, L) hold task ``i``'s ``sizes[i]``
    examples first; the rest is padding (zeros, never used).  The fresh sample
    ``x_fresh`` (n, m_fresh, p) has equal size for every task.
    """

    sizes: NDArray[np.int64]
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_fresh: torch.Tensor
    y_fresh: torch.Tensor


def make_unbalanced_tasks(cfg: UnbalancedConfig) -> UnbalancedTasks:
    """Disjoint MNIST-1D tasks of sizes :func:`log_uniform_sizes` ("pixels" family).

    A pool of ``Σ m_i + m_fresh`` examples (rounded up to a multiple of 10) is
    generated with :func:`mtlnotes.data.make_mnist1d`, shuffled once, cut into
    the training sets and one fresh block; task ``i`` sees every example through
    its own partial shuffle of the 40 positions
    (:func:`mtlnotes.data.swap_permutation`).
    """
    sizes = log_uniform_sizes(cfg.n_tasks, cfg.m_lo, cfg.m_hi, cfg.size_seed)
    total = int(sizes.sum())
    pool = -(-(total + cfg.m_fresh) // 10) * 10
    x, y = data.make_mnist1d(pool, cfg.setting, seed=cfg.seed)
    rng = np.random.default_rng(1000 + cfg.seed)
    order = rng.permutation(pool)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    fresh_idx = order[total : total + cfg.m_fresh]
    length, p = int(sizes.max()), x.shape[1]
    x_tr = np.zeros((cfg.n_tasks, length, p), dtype=np.float32)
    y_tr = np.zeros((cfg.n_tasks, length), dtype=np.int64)
    x_fr = np.empty((cfg.n_tasks, cfg.m_fresh, p), dtype=np.float32)
    for i in range(cfg.n_tasks):  # one permutation per task (n small)
        perm = data.swap_permutation(p, cfg.n_swaps, rng)
        idx = order[starts[i] : starts[i + 1]]
        x_tr[i, : sizes[i]] = x[idx][:, perm]
        y_tr[i, : sizes[i]] = y[idx]
        x_fr[i] = x[fresh_idx][:, perm]
    y_fr = np.broadcast_to(y[fresh_idx], (cfg.n_tasks, cfg.m_fresh)).copy()
    return UnbalancedTasks(
        sizes,
        torch.from_numpy(x_tr),
        torch.from_numpy(y_tr),
        torch.from_numpy(x_fr),
        torch.from_numpy(y_fr),
    )


def _task_weights(sizes: NDArray[np.int64], weighting: str) -> torch.Tensor:
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
    w = (
        np.full(sizes.size, 1.0 / sizes.size)
        if weighting == "task"
        else sizes / sizes.sum()
    )
    return torch.as_tensor(w, dtype=torch.float32)


def _flat(net: subspace.SubspaceNet) -> torch.Tensor:
    return torch.cat([net.v.reshape(-1), net.alpha.reshape(-1)])


def train_weighted(
    net: subspace.SubspaceNet,
    tasks: UnbalancedTasks,
    weighting: str,
    *,
    steps: int,
    batch_size: int,
    lr: float,
    seed: int,
    codebook: torch.Tensor | None = None,
) -> list[float]:
    """Minibatch Adam on a weighted multitask objective, tasks of unequal sizes.

    Parameters
    ----------
    net : SubspaceNet
        A multitask model with a learned basis; updated in place.
    tasks : UnbalancedTasks
        The padded training sets.
    weighting : {"task", "sample"}
        ``"task"``: minimise ``(1/n) Σ_i L̂_i``; ``"sample"``: ``Σ_i (m_i/M) L̂_i``,
        with ``L̂_i`` task ``i``'s mean cross-entropy.
    steps, batch_size, lr, seed
        Adam steps (cosine decay of the rate ``lr``), examples per task and step
        (drawn uniformly with replacement from the task's own ``m_i``), seed.
    codebook : torch.Tensor of shape (K,), optional
        If given, quantisation-aware fine-tuning: the forward pass uses the nearest
        codebook value of every scalar of ``(v, alpha)`` (straight-through gradient)
        and the codebook is learned too (summed member gradients), as in
        :func:`mtlnotes.subspace.qat_finetune`.

    Returns
    -------
    list of float
        The weighted minibatch loss at each step.

    Raises
    ------
    ValueError
        If ``weighting`` is unknown or ``steps``/``batch_size`` < 1.
    """
    steps = check_int(steps, "steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    weights = _task_weights(tasks.sizes, weighting)
    gen = torch.Generator().manual_seed(seed)
    sizes = torch.as_tensor(tasks.sizes, dtype=torch.float64)[:, None]
    rows = torch.arange(tasks.sizes.size)[:, None]
    params = [net.alpha, net.v] + ([codebook] if codebook is not None else [])
    opt = torch.optim.Adam(params, lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda t: 0.5 * (1.0 + math.cos(math.pi * t / steps))
    )
    losses = []
    for _ in range(steps):
        u = torch.rand(tasks.sizes.size, batch_size, generator=gen, dtype=torch.float64)
        idx = (u * sizes).long()  # uniform on {0, ..., m_i - 1}
        xb, yb = tasks.x_train[rows, idx], tasks.y_train[rows, idx]
        if codebook is None:
            out = net(xb)
        else:
            flat = _flat(net)
            with torch.no_grad():
                near = (flat[:, None] - codebook[None, :]).abs().argmin(dim=1)
            hard = codebook[near] + flat - flat.detach()
            kl = net.k * net.l
            out = net(
                xb, hard[kl:].reshape(net.alpha.shape), hard[:kl].reshape(net.v.shape)
            )
        ce = nn.functional.cross_entropy(
            out.reshape(-1, out.shape[-1]), yb.reshape(-1), reduction="none"
        )
        loss = ce.reshape(yb.shape).mean(dim=1) @ weights
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    return losses


@torch.no_grad()
def task_errors(
    net: subspace.SubspaceNet,
    x: torch.Tensor,
    y: torch.Tensor,
    sizes: ArrayLike,
    *,
    alpha: torch.Tensor,
    v: torch.Tensor,
    chunk: int = 1000,
) -> NDArray[np.float64]:
    """Per-task 0-1 error on the first ``sizes[i]`` examples of task ``i``.

    Parameters
    ----------
    net : SubspaceNet
        The model (evaluated at the given ``alpha`` and ``v``, e.g. quantised).
    x, y : torch.Tensor
        Padded data, shapes ``(n, L, ...)`` and ``(n, L)``.
    sizes : array_like of int, shape (n,)
        Examples per task, ``1 <= sizes[i] <= L``.
    alpha, v : torch.Tensor
        Coordinates to evaluate.
    chunk : int
        Examples per task and forward pass (bounds the memory).

    Returns
    -------
    ndarray, shape (n,)
        ``R̂_i = (1/m_i) Σ_{j < m_i} [argmax f_i(x_ij) ≠ y_ij]``.

    Raises
    ------
    ValueError
        If ``sizes`` has an entry ``< 1`` or larger than ``L``, or the wrong length.
    """
    size_arr = check_sizes(sizes)
    if size_arr.shape != (x.shape[0],) or size_arr.max() > x.shape[1]:
        raise ValueError(f"sizes must hold n = {x.shape[0]} sizes <= {x.shape[1]}")
    mask = torch.arange(x.shape[1])[None, :] < torch.as_tensor(size_arr)[:, None]
    wrong = torch.zeros(x.shape[0], dtype=torch.float64)
    for start in range(0, int(size_arr.max()), chunk):
        sl = slice(start, start + chunk)
        pred = net(x[:, sl], alpha, v).argmax(dim=-1)
        wrong += ((pred != y[:, sl]) & mask[:, sl]).double().sum(dim=1)
    return (wrong / torch.as_tensor(size_arr, dtype=torch.float64)).numpy()


def mgf_sup(
    sizes: ArrayLike, lam_fractions: ArrayLike, n_mu: int = 40, cells: int = 1024
) -> dict[str, Any]:
    """``max_μ ln M_μ(λ)`` for ``λ = f · m_min`` on a grid, at the given sizes.

    Parameters
    ----------
    sizes : array_like of int
        Task sizes.
    lam_fractions : array_like
        Fractions ``f ∈ (0, 1]`` of ``m_min``.
    n_mu : int
        Points of the μ grid: :func:`mtlnotes.mgf.logit_grid` restricted to
        ``(0, 1/2]`` (``M_μ = M_{1−μ}``), ``>= 2``.
    cells : int
        Grid of :func:`mtlnotes.mgf.log_kl_mgf_binned`, ``>= 16``; every value is
        computed with ``cells`` and with ``2·cells``, and the largest difference
        is stored as the discretisation error.

    Returns
    -------
    dict
        ``lam``, ``lam_fractions``, ``mu_grid``, ``log_mgf`` (ln M at ``2·cells``,
        one row per λ), ``log_sup`` and ``argmax_mu`` (its maximum over the μ grid),
        ``discretisation_error`` (largest ``|coarse − fine|``), ``cells`` and
        ``log_maurer`` = ``ln(2 sqrt(n m_min))``.

    Raises
    ------
    ValueError
        If a fraction lies outside (0, 1], ``n_mu < 2`` or ``cells < 16``.
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


def ideal_kl_bound(
    train_err: ArrayLike,
    bits: float,
    sizes: ArrayLike,
    delta: float,
    lam: ArrayLike,
    log_sup: ArrayLike,
) -> float:
    """The kl bound on ``R^MT`` that ``sup_μ M_μ(λ)`` would give, best ``λ`` of a grid.

    Parameters
    ----------
    train_err : array_like, shape (n,)
        Per-task training errors in [0, 1].
    bits : float
        Code length in bits, ``>= 0``.
    sizes : array_like of int, shape (n,)
        Task sizes ``>= 1``.
    delta : float
        Confidence in (0, 1).
    lam : array_like, shape (L,)
        Grid of exponents ``0 < λ <= m_min``, fixed before seeing the data.
    log_sup : array_like, shape (L,)
        ``ln sup_μ M_μ(λ)`` for each ``λ`` (e.g. from :func:`mgf_sup`).

    Returns
    -------
    float
        ``min_λ kl_inv_upper(R̂^MT, (bits·ln 2 + ln S(λ) + ln(L/δ)) / (nλ))``.

    Raises
    ------
    ValueError
        On bad input, or ``λ`` outside ``(0, m_min]`` (the moment-generating
        function is unbounded above ``m_min``: the blow-up lemma).

    Notes
    -----
    Chapter *Unbalanced multitask learning*, theorem "kl bound from the exact
    moment-generating function": Markov's inequality on ``e^{nλ kl}`` at
    confidence ``δ 2^{-bits}/L``, a union bound over the code and the ``L`` grid
    points.  It is a valid bound when ``S(λ)`` bounds the moment-generating
    function for every risk vector; ``sup_μ M_μ(λ)`` does so for tasks of equal
    risk and is a lower bound on any such ``S(λ)`` otherwise (see the chapter).
    """
    size_arr = check_sizes(sizes)
    err = check_probability(train_err, "train_err")
    if err.shape != size_arr.shape:
        raise ValueError("train_err must have one entry per task")
    b = float(check_nonnegative(bits, "bits"))
    d = float(check_probability(delta, "delta", open_low=True, open_high=True))
    lam_arr = check_nonnegative(lam, "lam").ravel()
    log_s = check_nonnegative(log_sup, "log_sup").ravel()
    if lam_arr.size == 0 or log_s.shape != lam_arr.shape:
        raise ValueError("lam and log_sup must be non-empty and of equal length")
    if np.any(lam_arr <= 0) or np.any(lam_arr > size_arr.min()):
        raise ValueError("lam must lie in (0, m_min]")
    n = size_arr.size
    budget = (b * math.log(2) + log_s + math.log(lam_arr.size / d)) / (n * lam_arr)
    return float(np.min(kl_inv_upper(err.mean(), budget)))


def _model_result(
    cfg: UnbalancedConfig, tasks: UnbalancedTasks, weighting: str
) -> dict[str, Any]:
    """Train, fine-tune quantisation-aware, code and evaluate one weighting."""
    net = subspace.SubspaceNet(
        subspace.make_cnn(cfg.channels, seed=cfg.seed),
        cfg.n_tasks,
        cfg.k,
        cfg.l,
        learn_basis=True,
        seed=cfg.seed,
    )
    losses = train_weighted(
        net,
        tasks,
        weighting,
        steps=cfg.steps,
        batch_size=cfg.batch_size,
        lr=cfg.lr,
        seed=cfg.seed,
    )
    net.balance_()
    start = subspace.quantize_net(net, cfg.n_levels, codebook_precision=32)
    book = nn.Parameter(torch.as_tensor(start.codebooks[0], dtype=torch.float32))
    train_weighted(
        net,
        tasks,
        weighting,
        steps=cfg.qat_steps,
        batch_size=cfg.batch_size,
        lr=cfg.qat_lr,
        seed=cfg.seed + 1,
        codebook=book,
    )
    q = subspace.quantize_net(
        net, cfg.n_levels, codebooks=book.detach().double().numpy()[None]
    )
    kw = {"alpha": q.alpha, "v": q.v}
    train_err = task_errors(net, tasks.x_train, tasks.y_train, tasks.sizes, **kw)
    fresh_err = subspace.error_rates(net, tasks.x_fresh, tasks.y_fresh, **kw)
    bits = int(q.bits) + SELECTION_BITS
    sizes = tasks.sizes
    w_s = sizes / sizes.sum()
    return {
        "weighting": weighting,
        "D": net.dim,
        "final_loss": float(np.mean(losses[-20:])),
        "code_bits": int(q.bits),
        "bits": bits,
        "train_err": train_err,
        "fresh_err": fresh_err,
        "train_mt": float(train_err.mean()),
        "train_mt_s": float(train_err @ w_s),
        "fresh_mt": float(fresh_err.mean()),
        "fresh_mt_s": float(fresh_err @ w_s),
        "bounds": multitask_bounds(train_err, bits, sizes, DELTA),
    }


def run_config(cfg: UnbalancedConfig) -> dict[str, Any]:
    """The whole pipeline for one configuration (both weightings and the MGF)."""
    clock = Clock()
    torch.manual_seed(cfg.seed)
    tasks = make_unbalanced_tasks(cfg)
    models = {w: _model_result(cfg, tasks, w) for w in WEIGHTINGS}
    mgf = mgf_sup(tasks.sizes, cfg.mgf_lams, cfg.mgf_mus, cfg.mgf_cells)
    for res in models.values():
        res["ideal_kl_bound"] = ideal_kl_bound(
            res["train_err"],
            res["bits"],
            tasks.sizes,
            DELTA,
            mgf["lam"],
            mgf["log_sup"],
        )
    main = models["task"]
    return {
        "config": asdict(cfg),
        "sizes": tasks.sizes,
        "delta": DELTA,
        "bits": main["bits"],
        "train_err": main["train_err"],
        "fresh_err": main["fresh_err"],
        "bounds": main["bounds"],
        "models": models,
        "mgf": mgf,
        "time": clock.read(),
    }


def run(
    scale: str = "full",
    *,
    jobs: int = 1,
    device: str = "cpu",
    out_dir: Path = Path("results"),
) -> Path:
    """Run the experiment at ``scale`` and write its JSON; returns the path.

    ``full`` writes ``out_dir/unbalanced_mnist1d.json`` (with the ``book`` and the
    small ``ci`` configurations inside); ``book`` writes
    ``out_dir/unbalanced_mnist1d_book.json``.
    ``jobs`` and ``device`` are accepted for the runner's interface; the run uses
    one process on the CPU (torch with at most 2 threads).
    """
    if device != "cpu":
        raise ValueError("device must be 'cpu' for this experiment")
    cfg = config_for(scale)
    torch.set_num_threads(min(2, max(1, jobs)))
    torch.use_deterministic_algorithms(True)
    clock = Clock()
    out = run_config(cfg)
    if scale == "full":  # the reference rows of the live run and of the tests
        out["book"] = run_config(config_for("book"))
        out["ci"] = run_config(CI_CONFIG)
    out.update(
        command=COMMAND if scale == "full" else COMMAND.replace("full", "book"),
        scale=scale,
        total_time=clock.read(),
        environment=environment(),
        slides_split_cifar10={
            "task_centric": {
                "standard": 0.31,
                "fast_rate_m_min": 0.35,
                "unbalanced": 0.27,
            },
            "sample_centric": {"standard": 0.30, "fast_rate": 0.26},
        },
    )
    name = (
        RESULT_FILE if scale == "full" else RESULT_FILE.replace(".json", "_book.json")
    )
    return write_json(Path(out_dir) / name, out)


#: The slides' split-CIFAR10 numbers (ConvNet, low-rank parametrisation).
SLIDES_CIFAR10 = {
    "harmonic_standard": 0.31,
    "fast_rate_m_min": 0.35,
    "task_centric_fast": 0.27,
    "sample_centric_standard": 0.30,
    "sample_centric_fast": 0.26,
}

_ROWS = {
    "task-centric (bounds on R^MT)": (
        ("Standard rate (harmonic mean)", "harmonic_standard"),
        ("Fast-rate with m_min", "fast_rate_m_min"),
        ("Fast-rate (unbalanced)", "task_centric_fast"),
        ("kl bound from sup_mu M_mu (ideal)", "ideal_kl_bound"),
        ("fresh-sample R^MT", "fresh_mt"),
        ("training R^MT (coded model)", "train_mt"),
    ),
    "sample-centric (bounds on R^MT-S)": (
        ("Standard rate", "sample_centric_standard"),
        ("Fast-rate", "sample_centric_fast"),
        ("fresh-sample R^MT-S", "fresh_mt_s"),
        ("training R^MT-S (coded model)", "train_mt_s"),
    ),
}


def format_tables(result: dict[str, Any], digits: int = 3) -> str:
    """The two tables of the slides, for a stored (or fresh) result.

    Parameters
    ----------
    result : dict
        The output of :func:`run_config` (or the stored JSON): needs ``models``
        with the entries ``"task"`` and ``"sample"``.
    digits : int
        Decimals printed, ``>= 1``.

    Returns
    -------
    str
        Task-centric table (rows: standard rate, fast rate with ``m_min``,
        unbalanced fast rate, the ideal kl bound, fresh and training ``R^MT``) and
        sample-centric table, one column per training objective and one with the
        slides' split-CIFAR10 numbers.

    Raises
    ------
    ValueError
        If ``digits < 1``.
    """
    digits = check_int(digits, "digits", minimum=1)
    models = result["models"]
    lines = []
    for title, rows in _ROWS.items():
        lines.append(
            f"{title:36s}{'task-weighted':>15s}{'sample-weighted':>17s}"
            f"{'slides CIFAR10':>16s}"
        )
        for label, key in rows:
            vals = []
            for w in WEIGHTINGS:
                entry = models[w]
                vals.append(entry["bounds"].get(key, entry.get(key)))
            slides = SLIDES_CIFAR10.get(key)
            lines.append(
                f"  {label:34s}{vals[0]:15.{digits}f}{vals[1]:17.{digits}f}"
                + (f"{slides:16.2f}" if slides is not None else f"{'-':>16s}")
            )
        lines.append("")
    return "\n".join(lines).rstrip()


def load_results(path: Path | str | None = None) -> dict[str, Any]:
    """Read the stored full-scale results (``results/unbalanced_mnist1d.json``).

    Parameters
    ----------
    path : path-like, optional
        The file; by default ``results/`` of the repository holding this package,
        then of the current directory and its parents.

    Returns
    -------
    dict
        The parsed JSON.

    Raises
    ------
    FileNotFoundError
        If no stored file is found (run :data:`COMMAND`).
    """
    return load_stored(RESULT_FILE, COMMAND, path)
