"""The one training configuration of the experiments, and their shared constants.

:class:`TrainConfig` holds what every experiment trains with: the data set and
its tasks, the model, the optimiser and the quantisation-aware fine-tuning.
Each experiment's configuration extends it with what only that experiment
varies (:class:`mtlnotes.experiments.subspace.RunConfig`,
:class:`mtlnotes.experiments.unbalanced.UnbalancedConfig`), so each default
below is written once.  Three presets (:data:`PRESETS`): ``full`` (the stored
results), ``book`` (a chapter's live run, under a minute) and ``ci`` (the small
configuration the test suite re-runs end to end).

The data set and the model are parameters: :data:`DATASETS` maps
``TrainConfig.dataset`` to a generator of a pool ``(x, y)`` and :data:`MODELS`
maps ``TrainConfig.model`` to a builder of the base network, so another data
set or architecture is one entry in each table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Self

import numpy as np
from torch import nn

from mtlnotes import data, subspace

__all__ = [
    "DATASETS",
    "DELTA",
    "MODELS",
    "PRESETS",
    "SLIDES_MNIST",
    "SLIDES_SPLIT_CIFAR10",
    "TrainConfig",
    "build_model",
    "make_pool",
]

#: Confidence of every stored bound.
DELTA = 0.05

#: The slides' MNIST results (subspace networks, ``n = 30`` tasks): the best
#: Occam bounds of single-task and multitask learning, the multitask fast-rate
#: bound, and the per-task dimensions ``[STL, MTL]`` needed for the target
#: accuracy.
SLIDES_MNIST: dict[str, dict[str, Any]] = {
    "pixels": {"STL": 0.61, "MTL": 0.23, "MTL_fast": 0.20, "dim": [400, 31.6]},
    "labels": {"STL": 0.58, "MTL": 0.40, "MTL_fast": 0.35, "dim": [300, 166.6]},
}

#: The slides' split-CIFAR10 bounds (ConvNet, low-rank parametrisation), keyed
#: like :func:`mtlnotes.unbalanced.multitask_bounds`.
SLIDES_SPLIT_CIFAR10: dict[str, float] = {
    "harmonic_standard": 0.31,
    "fast_rate_m_min": 0.35,
    "task_centric_fast": 0.27,
    "sample_centric_standard": 0.30,
    "sample_centric_fast": 0.26,
}


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """Data, model and optimisation of one training run (defaults: ``full``).

    Attributes
    ----------
    dataset, setting : str
        The data set (a key of :data:`DATASETS`) and its generator setting.
    n_tasks, m_train, m_fresh : int
        Tasks, training examples per task, fresh examples per task (the
        estimate of each task's true risk).
    n_swaps : int or None
        Transpositions of each task's pixel permutation (``None``: a full
        permutation).
    model : str
        The base network (a key of :data:`MODELS`); ``channels`` its width.
    k, l : int
        Subspace dimension per task and, for a learned basis, its width.
    steps, batch_size, lr : int, int, float
        Minibatch Adam (:func:`mtlnotes.subspace.train_minibatch`).
    qat_steps, qat_lr : int, float
        Quantisation-aware fine-tuning (:func:`mtlnotes.subspace.qat_finetune`).
    seed : int
        Seed of the model, the minibatches and the task split.
    """

    dataset: str = "mnist1d"
    setting: str = "mnist_like"
    n_tasks: int = 30
    m_train: int = 2000
    m_fresh: int = 10000
    n_swaps: int | None = 10
    model: str = "cnn"
    channels: int = 24
    k: int = 8
    l: int = 64  # noqa: E741 (the paper's name)
    steps: int = 400
    batch_size: int = 128
    lr: float = 0.01
    qat_steps: int = 100
    qat_lr: float = 0.002
    seed: int = 0

    @classmethod
    def preset(cls, scale: str, **overrides: Any) -> Self:
        """The preset ``scale`` (a key of :data:`PRESETS`), then ``overrides``.

        Raises
        ------
        ValueError
            If ``scale`` is not a preset.
        """
        if scale not in PRESETS:
            raise ValueError(f"scale must be one of {tuple(PRESETS)}, got {scale!r}")
        return cls(**{**asdict(PRESETS[scale]), **overrides})

    def train_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`mtlnotes.subspace.train_minibatch`."""
        return {"steps": self.steps, "batch_size": self.batch_size, "lr": self.lr}

    def qat_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`mtlnotes.subspace.qat_finetune`."""
        return {
            "steps": self.qat_steps,
            "batch_size": self.batch_size,
            "lr": self.qat_lr,
        }


#: ``full``: the stored results; ``book``: a chapter's live run; ``ci``: the
#: configuration the tests re-run.  Only the sizes and step counts differ.
PRESETS: dict[str, TrainConfig] = {
    "full": TrainConfig(),
    "book": TrainConfig(n_tasks=4, m_train=400, m_fresh=1000, steps=150, qat_steps=40),
    "ci": TrainConfig(
        n_tasks=3, m_train=300, m_fresh=500, l=32, steps=100, qat_steps=20
    ),
}


def _mnist1d(setting: str, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    return data.make_mnist1d(size, setting, seed=seed)


#: data set -> ``(setting, size, seed) -> (x, y)``, a pool of ``size`` examples
DATASETS: dict[str, Callable[[str, int, int], tuple[np.ndarray, np.ndarray]]] = {
    "mnist1d": _mnist1d,
}

#: model -> builder of the base network from a configuration
MODELS: dict[str, Callable[[TrainConfig], nn.Module]] = {
    "cnn": lambda cfg: subspace.make_cnn(cfg.channels, seed=cfg.seed),
    "mlp": lambda cfg: subspace.make_mlp([40, 100, 100, 10], seed=cfg.seed),
}


def build_model(cfg: TrainConfig) -> nn.Module:
    """The base network of ``cfg`` (:data:`MODELS`).

    Raises
    ------
    ValueError
        If ``cfg.model`` is unknown.
    """
    if cfg.model not in MODELS:
        raise ValueError(f"model must be one of {tuple(MODELS)}, got {cfg.model!r}")
    return MODELS[cfg.model](cfg)


def make_pool(
    dataset: str, setting: str, size: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A pool of ``size`` examples of ``dataset`` (:data:`DATASETS`).

    Raises
    ------
    ValueError
        If ``dataset`` is unknown.
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {tuple(DATASETS)}, got {dataset!r}")
    return DATASETS[dataset](setting, size, seed)
