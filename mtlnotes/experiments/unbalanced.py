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
  sizes (:func:`mtlnotes.mgf.sup_kl_mgf_binned`) and the kl bound it would give
  (:func:`mtlnotes.unbalanced.ideal_kl_bound`);
* a small configuration (key ``ci``) that the test suite re-runs end to end.

The top-level keys ``train_err``, ``fresh_err``, ``bits`` and ``bounds`` are those
of the task-weighted model; ``models`` holds both.  ``--scale book`` runs a
reduced configuration of the same pipeline, ``--scale ci`` the small one.  The
tasks come from :func:`mtlnotes.data.make_unbalanced_tasks`, the training from
:func:`mtlnotes.subspace.train_minibatch` and :func:`mtlnotes.subspace.qat_finetune`
with task weights (:func:`mtlnotes.subspace.task_weights`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mtlnotes import data, subspace
from mtlnotes._validate import check_int
from mtlnotes.experiments.config import (
    DELTA,
    SLIDES_SPLIT_CIFAR10,
    TrainConfig,
    build_model,
)
from mtlnotes.experiments.core import Clock, Experiment, run_jobs
from mtlnotes.mgf import sup_kl_mgf_binned
from mtlnotes.subspace import WEIGHTINGS
from mtlnotes.unbalanced import ideal_kl_bound, multitask_bounds

__all__ = [
    "CI_CONFIG",
    "COMMAND",
    "EXPERIMENT",
    "WEIGHTINGS",
    "UnbalancedConfig",
    "config_for",
    "format_tables",
    "load_results",
    "make_tasks",
    "run",
    "run_config",
]

EXPERIMENT = Experiment("unbalanced", "unbalanced_mnist1d.json")
RESULT_FILE = EXPERIMENT.result_file
COMMAND = EXPERIMENT.command()
#: the two trained models are one choice among two: one bit in every code
SELECTION_BITS = 1


@dataclass(frozen=True, kw_only=True)
class UnbalancedConfig(TrainConfig):
    """One run: ``n_tasks`` tasks with log-uniform sizes in ``[m_lo, m_hi]``.

    Extends :class:`mtlnotes.experiments.config.TrainConfig` (whose ``m_train``
    is unused: the sizes are :func:`mtlnotes.data.log_uniform_sizes`
    ``(n_tasks, m_lo, m_hi, size_seed)``); ``n_levels`` is the codebook size,
    ``mgf_*`` the grid of :func:`mtlnotes.mgf.sup_kl_mgf_binned`.
    """

    m_lo: int = 50
    m_hi: int = 5000
    size_seed: int = 13
    n_levels: int = 16
    mgf_lams: tuple[float, ...] = (0.125, 0.25, 0.5, 0.75, 1.0)
    mgf_mus: int = 40
    mgf_cells: int = 1024


#: the configuration the test suite re-runs end to end (stored under ``ci``);
#: the ``ci`` preset with more tasks, fresh examples and steps than the subspace
#: experiment's (these are the stored runs' sizes)
CI_CONFIG = UnbalancedConfig.preset(
    "ci",
    n_tasks=4,
    m_fresh=1000,
    steps=150,
    qat_steps=30,
    m_lo=40,
    m_hi=400,
    n_levels=8,
    mgf_lams=(0.5, 1.0),
    mgf_mus=8,
    mgf_cells=256,
)

#: the chapter's live run (stored under ``book``): the ``book`` preset with
#: eight tasks (the sizes must spread), 2,000 fresh examples and fewer steps
BOOK_CONFIG = UnbalancedConfig.preset(
    "book",
    n_tasks=8,
    m_fresh=2000,
    steps=100,
    qat_steps=20,
    m_lo=50,
    m_hi=500,
    mgf_lams=(0.5, 1.0),
    mgf_mus=12,
    mgf_cells=256,
)


def config_for(scale: str) -> UnbalancedConfig:
    """The configuration of a scale: ``"full"`` (stored), ``"book"`` or ``"ci"``."""
    if scale == "full":
        return UnbalancedConfig.preset("full")
    if scale == "book":
        return BOOK_CONFIG
    if scale == "ci":
        return CI_CONFIG
    raise ValueError(f"scale must be 'full', 'book' or 'ci', got {scale!r}")


def make_tasks(cfg: UnbalancedConfig) -> data.UnbalancedTasks:
    """The tasks of ``cfg`` (:func:`mtlnotes.data.make_unbalanced_tasks`)."""
    sizes = data.log_uniform_sizes(cfg.n_tasks, cfg.m_lo, cfg.m_hi, cfg.size_seed)
    return data.make_unbalanced_tasks(
        sizes, cfg.m_fresh, setting=cfg.setting, n_swaps=cfg.n_swaps, seed=cfg.seed
    )


def _model_result(
    cfg: UnbalancedConfig, tasks: data.UnbalancedTasks, weighting: str
) -> dict[str, Any]:
    """Train, fine-tune quantisation-aware, code and evaluate one weighting."""
    x_tr, y_tr = torch.from_numpy(tasks.x_train), torch.from_numpy(tasks.y_train)
    sizes = tasks.sizes
    weights = subspace.task_weights(sizes, weighting).astype(np.float32)
    net = subspace.SubspaceNet(
        build_model(cfg), cfg.n_tasks, cfg.k, cfg.l, learn_basis=True, seed=cfg.seed
    )
    fit = {"sizes": sizes, "weights": weights}
    losses = subspace.train_minibatch(
        net, x_tr, y_tr, **cfg.train_kwargs(), seed=cfg.seed, **fit
    )
    q = subspace.qat_finetune(
        net,
        x_tr,
        y_tr,
        n_levels=cfg.n_levels,
        **cfg.qat_kwargs(),
        seed=cfg.seed + 1,
        **fit,
    )
    kw = {"alpha": q.alpha, "v": q.v}
    train_err = subspace.error_rates(
        net, x_tr, y_tr, **kw, sizes=sizes, batch_size=1000
    )
    fresh_err = subspace.error_rates(
        net, torch.from_numpy(tasks.x_fresh), torch.from_numpy(tasks.y_fresh), **kw
    )
    bits = int(q.bits) + SELECTION_BITS
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
    tasks = make_tasks(cfg)
    models = {w: _model_result(cfg, tasks, w) for w in WEIGHTINGS}
    mgf = sup_kl_mgf_binned(tasks.sizes, cfg.mgf_lams, cfg.mgf_mus, cfg.mgf_cells)
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


def _run_job(job: dict[str, Any]) -> dict[str, Any]:
    torch.use_deterministic_algorithms(True)
    return run_config(job["cfg"])


def run(
    scale: str = "full",
    *,
    jobs: int = 1,
    threads: int = 2,
    out_dir: Path = Path("results"),
) -> Path:
    """Run the experiment at ``scale`` and write its JSON; returns the path.

    ``full`` writes ``out_dir/unbalanced_mnist1d.json`` with the ``book`` and the
    small ``ci`` configurations inside (three jobs: ``jobs`` worker processes
    with ``threads`` torch threads each); other scales write
    ``out_dir/unbalanced_mnist1d_<scale>.json``.
    """
    clock = Clock()
    names = ["main", "book", "ci"] if scale == "full" else ["main"]
    cfgs = [config_for(scale), BOOK_CONFIG, CI_CONFIG][: len(names)]
    results = run_jobs(
        _run_job,
        [{"cfg": c, "cost": c.n_tasks * c.steps * c.m_fresh} for c in cfgs],
        jobs,
        threads=threads,
        desc=f"unbalanced {scale}",
    )
    body = dict(results[0])
    body.pop("time")
    body.update({name: res for name, res in zip(names[1:], results[1:], strict=True)})
    body["slides_split_cifar10"] = SLIDES_SPLIT_CIFAR10
    return EXPERIMENT.write(out_dir, scale, body, clock=clock, runs=results)


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
            slides = SLIDES_SPLIT_CIFAR10.get(key)
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
    return EXPERIMENT.load(path)
