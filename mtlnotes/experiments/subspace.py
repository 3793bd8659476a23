"""Learnable random subspaces on MNIST-1D at the slides' scale.

Chapter ``subspace_networks``.

``python -m mtlnotes.experiments subspace --scale full`` writes
``results/subspace_mnist1d.json``:

* the calibration of the MNIST-like generator setting (logistic regression on
  2,000 samples), done before any bound;
* for both generator settings and both task families, single-task (STL) and
  multitask (MTL) subspace ConvNets on a grid of dimensions, each trained with
  minibatch Adam, fine-tuned quantisation-aware for every codebook size ``K``
  of the grid, coded, and evaluated on the training sets and on fresh samples;
* the necessary dimension for a target accuracy fixed in advance
  (:data:`TARGET_ACCURACY`);
* the bound against the number of tasks, transfer to a new task with ``Q``
  fixed, and ablations (quantisation-aware fine-tuning off, ``K``, 16- vs
  32-bit codebook, circulant vs dense projector, other models);
* a small configuration (key ``ci``) that the test suite re-runs end to end.

Every bound is :func:`mtlnotes.bounds.balanced_multitask_bounds` of its
stored inputs.  ``--scale book`` runs a reduced grid of the same pipeline (the
chapter's live run), ``--scale ci`` the small configuration alone.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mtlnotes import bounds, data, subspace
from mtlnotes.coding import index_code_bits
from mtlnotes.experiments.config import (
    DELTA,
    SLIDES_MNIST,
    TrainConfig,
    build_model,
    make_pool,
)
from mtlnotes.experiments.core import Clock, Experiment, Pools, load_stored, run_jobs

__all__ = [
    "CI_CONFIG",
    "EXPERIMENT",
    "TARGET_ACCURACY",
    "RunConfig",
    "calibrate",
    "load_results",
    "make_pools",
    "necessary_dim",
    "plan",
    "rows_from_results",
    "run",
    "run_config",
    "select_rows",
]

#: Target fresh accuracy of the (unquantised) models for the necessary
#: dimension, MNIST-like setting.  Fixed before any model was trained.
TARGET_ACCURACY = 0.80
EXPERIMENT = Experiment("subspace", "subspace_mnist1d.json")
RESULT_FILE = EXPERIMENT.result_file
COMMAND = EXPERIMENT.command()


@dataclass(frozen=True, kw_only=True)
class RunConfig(TrainConfig):
    """One training run: a model family trained on ``n_tasks`` tasks.

    Extends :class:`mtlnotes.experiments.config.TrainConfig` by what this
    experiment varies.  ``method`` is ``"STL"`` (every task its own random
    subspace of dimension ``k``, coded alone; ``l`` is unused) or ``"MTL"`` (a
    learned shared basis ``Q`` with ``k`` columns, each ``v_j`` of dimension
    ``l``).  ``levels``: the codebook sizes ``K`` fine-tuned for; ``posthoc``:
    also the post-hoc quantised model (no fine-tuning); ``precisions``: bits
    per codebook value tried at the largest ``K``; ``transfer``: also train a
    new task in the learned subspace; ``grid``: the search the configuration
    belongs to (``"main"`` pays for its grid in every code).
    """

    family: str = "pixels"
    method: str = "MTL"
    levels: tuple[int, ...] = (8, 16)
    posthoc: bool = False
    precisions: tuple[int, ...] = (16,)
    projector: str = "circulant"
    transfer: bool = False
    grid: str = "main"

    @property
    def dim_per_task(self) -> float:
        """Learned scalars per task: ``k`` (STL) or ``k + k l / n`` (MTL)."""
        if self.method == "STL":
            return float(self.k)
        return self.k + self.k * self.l / self.n_tasks

    @property
    def cost(self) -> float:
        """Relative running time (to start the longest jobs first)."""
        width = self.channels / 24 if self.model == "cnn" else 1.0
        evals = len(self.levels) + self.posthoc + len(self.precisions)
        steps = self.steps + self.qat_steps * len(self.levels) + 60 * evals
        return self.n_tasks * width * steps

    @property
    def pool_key(self) -> str:
        """Its data pool; the CI configuration has its own small pool, so that a
        test can rebuild it alone."""
        key = f"{self.dataset}:{self.setting}"
        return f"{key}:ci" if self.grid == "ci" else key

    @property
    def pool_size(self) -> int:
        """Examples its tasks need (rounded up to a multiple of 10)."""
        size = (self.n_tasks + self.transfer) * self.m_train + self.m_fresh
        return -(-size // 10) * 10


def load_results(
    path: Path | str | None = None, *, name: str = RESULT_FILE
) -> dict[str, Any]:
    """Read the stored full-scale results (``results/subspace_mnist1d.json``).

    ``path=None`` searches as :func:`mtlnotes.experiments.core.load_stored`
    (``name``: another experiment's file).

    Raises
    ------
    FileNotFoundError
        If no stored file is found.
    """
    hint = COMMAND if name == RESULT_FILE else "its experiment"
    return load_stored(name, hint, path)


def calibrate(
    translations: tuple[int, ...] = (3, 4, 5, 6),
    m_train: int = 2000,
    m_test: int = 4000,
    seeds: tuple[int, ...] = (0, 1),
) -> dict[str, Any]:
    """Logistic-regression accuracy of MNIST-1D against ``max_translation``.

    Returns the accuracies (mean over ``seeds``) of scikit-learn's
    ``LogisticRegression(max_iter=2000)`` trained on ``m_train`` and tested on
    ``m_test`` samples of the MNIST-like setting with each translation, and of
    the default setting.  The chapter's MNIST-like setting uses the translation
    whose accuracy is closest to 0.90 (the linear baseline of MNIST).
    """
    from sklearn.linear_model import LogisticRegression

    if len(translations) == 0 or len(seeds) == 0:
        raise ValueError("translations and seeds must be non-empty")

    def accuracy(setting: str, **over: float) -> float:
        accs = []
        for seed in seeds:
            x, y = data.make_mnist1d(m_train + m_test, setting, seed=100 + seed, **over)
            clf = LogisticRegression(max_iter=2000).fit(x[:m_train], y[:m_train])
            accs.append(clf.score(x[m_train:], y[m_train:]))
        return float(np.mean(accs))

    table = {str(t): accuracy("mnist_like", max_translation=t) for t in translations}
    chosen = min(table, key=lambda t: abs(table[t] - 0.90))
    return {
        "target": 0.90,
        "tolerance": 0.03,
        "m_train": m_train,
        "m_test": m_test,
        "seeds": list(seeds),
        "fixed": {k: v for k, v in data.MNIST1D_SETTINGS["mnist_like"].items()},
        "accuracy_by_max_translation": table,
        "chosen_max_translation": int(chosen),
        "mnist_like_accuracy": table[chosen],
        "default_accuracy": accuracy("default"),
    }


def _pool_maker(key: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    dataset, setting = key.split(":")[:2]
    return make_pool(dataset, setting, size, seed=0)


def make_pools(
    configs: list[RunConfig], jobs: int = 1, *, progress: bool = True
) -> Pools:
    """One pool per data set and setting, large enough for every configuration.

    ``progress=False`` hides the progress bar (e.g. in a notebook whose outputs
    are compared).
    """
    pools = Pools(_pool_maker)
    need: dict[str, int] = {}
    for cfg in configs:
        need[cfg.pool_key] = max(need.get(cfg.pool_key, 0), cfg.pool_size)
    pools.ensure(need, jobs, progress=progress)
    return pools


def _tasks(cfg: RunConfig, pools: Pools, extra: int = 0) -> data.MultitaskData:
    x, y = pools[cfg.pool_key]
    return data.make_tasks(
        x,
        y,
        cfg.n_tasks + extra,
        cfg.family,
        m_train=cfg.m_train,
        m_fresh=cfg.m_fresh,
        n_swaps=cfg.n_swaps,
        shared_fresh=True,
        rng=np.random.default_rng(1000 * cfg.seed + (cfg.family == "labels")),
    )


def _evaluate(
    net: subspace.SubspaceNet,
    split: list[torch.Tensor],
    q: subspace.QuantizedSubspace | None,
) -> dict[str, Any]:
    x_tr, y_tr, x_fr, y_fr = split
    kw = {} if q is None else {"alpha": q.alpha, "v": q.v}
    return {
        "train_err": subspace.error_rates(net, x_tr, y_tr, **kw),
        "fresh_err": subspace.error_rates(net, x_fr, y_fr, **kw),
    }


def _code_fields(q: subspace.QuantizedSubspace) -> dict[str, Any]:
    bits = q.bits
    return {
        "bits": bits,
        "code": [asdict(c) for c in q.codes] if len(q.codes) == 1 else None,
    }


def run_config(cfg: RunConfig, pools: Pools) -> dict[str, Any]:
    """Train, quantise (for every ``K``) and evaluate one configuration.

    Returns a dict with the configuration, the unquantised errors, one entry
    per quantised variant (``K``, precision, QAT on/off) and, for
    ``cfg.transfer``, the transfer experiment.  Data come from ``pools``
    (:func:`make_pools`).
    """
    clock = Clock()
    split_data = _tasks(cfg, pools, extra=1 if cfg.transfer else 0)
    arrays = [
        torch.from_numpy(a)
        for a in (
            split_data.x_train,
            split_data.y_train,
            split_data.x_fresh,
            split_data.y_fresh,
        )
    ]
    n = cfg.n_tasks
    split = [a[:n] for a in arrays]
    mtl = cfg.method == "MTL"
    net = subspace.SubspaceNet(
        build_model(cfg),
        n,
        cfg.k,
        cfg.l if mtl else 1,
        learn_basis=mtl,
        per_task_basis=not mtl,
        seed=cfg.seed,
        projector=cfg.projector,
    )
    losses = subspace.train_minibatch(
        net, split[0], split[1], **cfg.train_kwargs(), seed=cfg.seed
    )
    out: dict[str, Any] = {
        "config": asdict(cfg),
        "D": net.dim,
        "dim_per_task": cfg.dim_per_task,
        "final_loss": float(np.mean(losses[-20:])),
        # unquantised errors (for the necessary dimension): first 2,000 fresh
        "unquantized": _evaluate(
            net, [*split[:2], split[2][:, :2000], split[3][:, :2000]], None
        ),
        "variants": [],
    }
    last = cfg.levels[-1]
    if cfg.posthoc:  # ablation: post-hoc k-means quantisation, no fine-tuning
        tmp = copy.deepcopy(net)
        tmp.balance_()
        q = subspace.quantize_net(tmp, last)
        out["variants"].append(
            {
                "K": last,
                "qat": False,
                "precision": 16,
                **_code_fields(q),
                **_evaluate(tmp, split, q),
            }
        )
    trained = copy.deepcopy(net)
    for K in cfg.levels:
        tuned = copy.deepcopy(trained)
        q = subspace.qat_finetune(
            tuned, split[0], split[1], n_levels=K, **cfg.qat_kwargs(), seed=cfg.seed + 1
        )
        for prec in cfg.precisions if K == last else (16,):
            qp = q
            if prec != 16:  # ablation: the same codebook stored at 32 bits
                qp = subspace.quantize_net(
                    tuned, K, codebooks=q.codebooks, codebook_precision=prec
                )
            out["variants"].append(
                {
                    "K": K,
                    "qat": True,
                    "precision": prec,
                    **_code_fields(qp),
                    **_evaluate(tuned, split, qp),
                }
            )
        if cfg.transfer and K == cfg.levels[-1]:
            out["transfer"] = _transfer(cfg, tuned, q, [a[n:] for a in arrays])
    out["time"] = clock.read()
    return out


def _transfer(
    cfg: RunConfig,
    tuned: subspace.SubspaceNet,
    q: subspace.QuantizedSubspace,
    split: list[torch.Tensor],
) -> dict[str, Any]:
    """A new task in the learned subspace: only its ``alpha`` is learned and coded."""
    new = subspace.transfer_net(tuned, 1)
    with torch.no_grad():
        new.v.copy_(q.v)  # the stored (quantised) basis
    subspace.train_minibatch(new, split[0], split[1], **cfg.train_kwargs(), seed=7)
    book = torch.as_tensor(q.codebooks[0])
    idx = (new.alpha.detach().double()[..., None] - book).abs().argmin(dim=-1)
    q_alpha = book[idx].float()
    err = {
        "train_err": subspace.error_rates(new, split[0], split[1], alpha=q_alpha),
        "fresh_err": subspace.error_rates(new, split[2], split[3], alpha=q_alpha),
    }
    bits = index_code_bits(idx.numpy(), book.numel())
    out = {"k": cfg.k, "l": cfg.l, "K": int(book.numel()), "bits": bits}
    out.update(m_train=cfg.m_train, family=cfg.family, setting=cfg.setting, **err)
    args = (float(err["train_err"][0]), bits, cfg.m_train, DELTA)
    out.update(
        occam=float(bounds.occam_bound(*args)),
        fast_rate=float(bounds.fast_rate_bound(*args)),
    )
    return out


# --- The grids ---------------------------------------------------------------

STL_DIMS = {"mnist_like": (32, 64, 128, 256, 512), "default": (128, 512)}
MTL_DIMS = {
    "mnist_like": ((4, 64), (8, 64), (16, 64), (16, 128), (32, 128)),
    "default": ((8, 64), (32, 128)),
}
N_SWEEP = (1, 3, 10)
CI_CONFIG = RunConfig.preset("ci", k=8, levels=(8,), grid="ci")


def plan(scale: str) -> list[RunConfig]:
    """The runs of one scale (``"full"``, ``"book"`` or ``"ci"``)."""
    if scale not in ("full", "book", "ci"):
        raise ValueError(f"scale must be 'full', 'book' or 'ci', got {scale!r}")
    if scale == "ci":
        return [CI_CONFIG]
    if scale == "book":
        small = RunConfig.preset("book", levels=(8,))
        return [
            replace(small, method="STL", k=64, l=1),
            replace(small, method="MTL", k=8, l=64),
            CI_CONFIG,
        ]
    runs: list[RunConfig] = []
    for setting in ("mnist_like", "default"):
        main = setting == "mnist_like"
        for family in ("pixels", "labels"):
            base = RunConfig(setting=setting, family=family, posthoc=main)
            for d in STL_DIMS[setting]:
                runs.append(replace(base, method="STL", k=d, l=1))
            for k, l in MTL_DIMS[setting]:  # noqa: E741
                runs.append(
                    replace(
                        base,
                        k=k,
                        l=l,
                        precisions=(16, 32) if main else (16,),
                        transfer=main,
                    )
                )
    best = RunConfig(k=8, l=64, levels=(16,))
    runs += [replace(best, n_tasks=n, grid="n_sweep") for n in N_SWEEP]
    runs += [replace(best, levels=(4, 32), grid="levels")]
    runs += [
        replace(best, model="mlp", grid="models"),
        replace(best, channels=56, grid="models"),
    ]
    small = replace(best, channels=8)
    runs += [
        replace(small, projector=p, grid="projector") for p in ("circulant", "dense")
    ]
    runs.append(CI_CONFIG)
    return runs


def _run_job(job: dict[str, Any], pools: Pools) -> dict[str, Any]:
    return run_config(job["cfg"], pools)


def rows_from_results(
    results: list[dict[str, Any]],
    delta: float = DELTA,
    grid_sizes: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    """One row per quantised variant; ``grid_size`` counts the configurations
    (dimensions x codebook sizes) searched for the same setting, family and
    method, paid for with ``ceil(log2 grid_size)`` bits in every code.

    ``grid_sizes`` maps the name of another grid (``config["grid"]``) to the
    size of the search its configuration was chosen from (e.g. an ablation of
    the main grid's best configuration pays for the main grid); rows of grids
    not named there and not ``"main"`` pay nothing.

    Raises
    ------
    ValueError
        If a size in ``grid_sizes`` is not a positive integer.
    """
    grid_sizes = dict(grid_sizes or {})
    for name, size in grid_sizes.items():
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
            raise ValueError(
                f"grid_sizes[{name!r}] must be a positive integer, got {size!r}"
            )
    rows = []
    for res in results:
        cfg = res["config"]
        grid = int(grid_sizes.get(cfg["grid"], 1))
        if cfg["grid"] == "main":
            same = (cfg["setting"], cfg["family"], cfg["method"])
            grid = len(cfg["levels"]) * sum(
                (r["config"]["setting"], r["config"]["family"], r["config"]["method"])
                == same
                and r["config"]["grid"] == "main"
                for r in results
            )
        header = math.ceil(math.log2(grid) - 1e-12)
        for var in res["variants"]:
            bits = np.asarray(var["bits"]) + header
            row = {
                "setting": cfg["setting"],
                "family": cfg["family"],
                "method": cfg["method"],
                "grid": cfg["grid"],
                "model": cfg["model"]
                if cfg["model"] == "mlp"
                else f"cnn{cfg['channels']}",
                "projector": cfg["projector"],
                "n_tasks": cfg["n_tasks"],
                "m_train": cfg["m_train"],
                "m_fresh": cfg["m_fresh"],
                "k": cfg["k"],
                "l": cfg["l"] if cfg["method"] == "MTL" else 0,
                "D": res["D"],
                "dim_per_task": res["dim_per_task"],
                "K": var["K"],
                "qat": var["qat"],
                "codebook_bits": var["precision"],
                "grid_size": grid,
                "header_bits": header,
                "bits": bits.tolist(),
                "code": var["code"],
                "train_err": var["train_err"],
                "fresh_err": var["fresh_err"],
                "unquantized_train_err": res["unquantized"]["train_err"],
                "unquantized_fresh_err": res["unquantized"]["fresh_err"],
            }
            # MTL: one code (scalar bits); STL: one code per task (a list)
            row.update(
                bounds.balanced_multitask_bounds(
                    row["train_err"], row["bits"], row["m_train"], delta
                )
            )
            rows.append(row)
    return rows


def necessary_dim(
    results: list[dict[str, Any]], setting: str, family: str, method: str
) -> float | None:
    """Smallest per-task dimension on the grid whose unquantised model reaches
    :data:`TARGET_ACCURACY` on the fresh samples (mean over tasks); ``None`` if
    no grid point does.

    Raises
    ------
    ValueError
        If ``method`` is not ``"STL"`` or ``"MTL"``.
    """
    if method not in ("STL", "MTL"):
        raise ValueError(f"method must be 'STL' or 'MTL', got {method!r}")
    ok = [
        r["dim_per_task"]
        for r in results
        if r["config"]["grid"] == "main"
        and r["config"]["setting"] == setting
        and r["config"]["family"] == family
        and r["config"]["method"] == method
        and 1 - np.mean(r["unquantized"]["fresh_err"]) >= TARGET_ACCURACY
    ]
    return min(ok) if ok else None


def _best(rows: list[dict[str, Any]]) -> dict[str, Any]:
    best: dict[str, Any] = {}
    for setting in ("mnist_like", "default"):
        for family in ("pixels", "labels"):
            for method in ("STL", "MTL"):
                cand = [
                    i
                    for i, r in enumerate(rows)
                    if r["grid"] == "main"
                    and r["qat"]
                    and r["codebook_bits"] == 16
                    and (r["setting"], r["family"], r["method"])
                    == (setting, family, method)
                ]
                if not cand:
                    continue
                best.setdefault(setting, {}).setdefault(family, {})[method] = {
                    key: min(cand, key=lambda i, key=key: rows[i][key])
                    for key in ("occam", "fast_rate")
                }
    return best


def select_rows(rows: list[dict[str, Any]], **want: Any) -> list[dict[str, Any]]:
    """The rows whose fields equal every ``want`` (in their stored order).

    E.g. ``select_rows(rows, grid="main", method="MTL", K=16)``.

    Raises
    ------
    ValueError
        If ``want`` names a field the rows do not have.
    """
    unknown = sorted({k for k in want for r in rows if k not in r})
    if unknown:
        raise ValueError(f"want names fields the rows do not have: {unknown}")
    return [r for r in rows if all(r[k] == v for k, v in want.items())]


def run(
    scale: str = "full",
    *,
    jobs: int = 2,
    threads: int = 1,
    out_dir: Path = Path("results"),
) -> Path:
    """Run the experiment at ``scale`` and write its JSON; returns the path.

    ``jobs`` worker processes with ``threads`` torch threads each; the file is
    :meth:`EXPERIMENT.path <mtlnotes.experiments.core.Experiment.path>`
    ``(out_dir, scale)``, so a reduced run never overwrites the stored one.
    """
    clock = Clock()
    configs = plan(scale)
    for cfg in configs:  # fail fast: every configuration must fit its model
        mtl = cfg.method == "MTL"
        subspace.SubspaceNet(
            build_model(cfg), 1, cfg.k, cfg.l if mtl else 1, learn_basis=mtl
        )
    calibration = calibrate() if scale == "full" else None
    pools = make_pools(configs, jobs)
    results = run_jobs(
        _run_job,
        [{"cfg": c, "cost": c.cost} for c in configs],
        jobs,
        shared=pools,
        threads=threads,
        desc=f"subspace {scale}",
    )
    rows = rows_from_results(results, DELTA)
    main = [r for r in results if r["config"]["grid"] == "main"]
    body: dict[str, Any] = {
        "n_tasks": main[0]["config"]["n_tasks"] if main else configs[0].n_tasks,
        "m_train": main[0]["config"]["m_train"] if main else configs[0].m_train,
        "delta": DELTA,
        "target_accuracy": TARGET_ACCURACY,
        "necessary_dim": {
            family: {
                method: necessary_dim(results, "mnist_like", family, method)
                for method in ("STL", "MTL")
            }
            for family in ("pixels", "labels")
        },
        "calibration": calibration,
        "settings": {s: data.mnist1d_args(s) for s in data.MNIST1D_SETTINGS},
        "slides": SLIDES_MNIST,
        "rows": rows,
        "best": _best(rows),
        "transfer": [r["transfer"] for r in results if "transfer" in r],
        "ci": next(r for r in rows if r["grid"] == "ci"),
    }
    return EXPERIMENT.write(out_dir, scale, body, clock=clock, runs=results)
