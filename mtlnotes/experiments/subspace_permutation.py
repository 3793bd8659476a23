"""Ablation of the "pixels" family: full permutation against 10 swaps.

Chapter ``subspace_networks``.

``python -m mtlnotes.experiments subspace_permutation --scale full`` writes
``results/subspace_permutation_mnist1d.json``.  In the MNIST-like setting,
with ``n = 30`` tasks of ``m = 2,000`` examples and ``delta = 0.05``, it
re-trains the best STL and the best MTL configuration of the main experiment
(``results/subspace_mnist1d.json``, smallest fast-rate bound) on two versions
of the "pixels" family built from the same pool, the same training and fresh
examples, and differing only in the task transformations:

* ``n_swaps = 10``: each task's partial shuffle of the 40 positions (the main
  experiment's family, so these rows re-run its best rows);
* ``n_swaps = None``: each task's uniformly random full permutation of the 40
  positions.

Every code pays ``ceil(log2 |grid|)`` bits for the main grid the configuration
was chosen from, exactly as the main rows do, so the bounds stay valid for the
data-dependent choice.  Training, quantisation-aware fine-tuning, coding and
bounds are those of :mod:`mtlnotes.experiments.subspace`.  The best
configurations are read from the main experiment's result in the same
``--out`` directory (the fresh one when ``all`` runs both), else from the
stored results.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from mtlnotes.experiments import subspace as main
from mtlnotes.experiments.config import DELTA
from mtlnotes.experiments.core import Clock, Experiment, Pools, load_stored, run_jobs

__all__ = [
    "EXPERIMENT",
    "SHUFFLES",
    "best_configs",
    "load_results",
    "main_result",
    "plan",
    "rows_for",
    "run",
    "summary_table",
]

EXPERIMENT = Experiment("subspace_permutation", "subspace_permutation_mnist1d.json")
RESULT_FILE = EXPERIMENT.result_file
COMMAND = EXPERIMENT.command()
GRID = "permutation"
#: ``n_swaps`` of the two "pixels" families compared (``None``: full permutation)
SHUFFLES: tuple[int | None, ...] = (10, None)
METHODS = ("STL", "MTL")


def load_results(path: Path | str | None = None) -> dict[str, Any]:
    """Read the stored ablation (``results/subspace_permutation_mnist1d.json``).

    ``path=None`` searches as :func:`mtlnotes.experiments.core.load_stored`.

    Raises
    ------
    FileNotFoundError
        If no stored file is found (run ``python -m mtlnotes.experiments
        subspace_permutation --scale full``).
    """
    return EXPERIMENT.load(path)


def best_configs(stored: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The main experiment's best STL and MTL rows, MNIST-like "pixels" family.

    Parameters
    ----------
    stored : dict
        The main experiment's results (:func:`mtlnotes.experiments.subspace.
        load_results`), with ``stored["best"]["mnist_like"]["pixels"][method]
        ["fast_rate"]`` the index of the row with the smallest fast-rate bound.

    Returns
    -------
    dict
        ``method -> {"index", "k", "l", "K", "grid_size", "n_swaps"}`` for
        ``method`` in ``("STL", "MTL")``; ``l = 1`` for STL.

    Raises
    ------
    ValueError
        If ``stored`` lacks the best rows of the MNIST-like "pixels" family.
    """
    try:
        best = stored["best"]["mnist_like"]["pixels"]
        picked = {m: stored["rows"][best[m]["fast_rate"]] for m in METHODS}
    except (KeyError, IndexError, TypeError) as err:
        raise ValueError(
            "stored must hold the main experiment's best MNIST-like 'pixels' rows "
            f"(stored['best']['mnist_like']['pixels'][STL|MTL]['fast_rate']): {err!r}"
        ) from None
    return {
        m: {
            "index": int(best[m]["fast_rate"]),
            "k": int(row["k"]),
            "l": int(row["l"]) if m == "MTL" else 1,
            "K": int(row["K"]),
            "grid_size": int(row["grid_size"]),
        }
        for m, row in picked.items()
    }


def plan(scale: str, stored: dict[str, Any]) -> list[main.RunConfig]:
    """The runs of one scale: both best configurations x both shuffles.

    The sizes and steps of the preset ``scale`` (``"full"``: ``n = 30``,
    ``m = 2,000``, 10,000 fresh examples per task, 400 + 100 steps; ``"book"``
    and ``"ci"``: the reduced presets of
    :data:`mtlnotes.experiments.config.PRESETS`).

    Raises
    ------
    ValueError
        If ``scale`` is not ``"full"``, ``"book"`` or ``"ci"``.
    """
    if scale not in ("full", "book", "ci"):
        raise ValueError(f"scale must be 'full', 'book' or 'ci', got {scale!r}")
    runs = []
    for method, cfg in best_configs(stored).items():
        base = main.RunConfig.preset(
            scale,
            method=method,
            k=cfg["k"],
            l=cfg["l"],
            levels=(cfg["K"],),
            grid=GRID,
        )
        runs += [replace(base, n_swaps=s) for s in SHUFFLES]
    return runs


def _run_job(job: dict[str, Any], pools: Pools) -> dict[str, Any]:
    return main.run_config(job["cfg"], pools)


def rows_for(
    results: list[dict[str, Any]], grid_sizes: dict[str, int]
) -> list[dict[str, Any]]:
    """Rows of :func:`mtlnotes.experiments.subspace.rows_from_results`, each
    paying for its method's main grid and labelled with its ``n_swaps``."""
    rows = []
    for res in results:
        cfg = res["config"]
        if cfg["method"] not in grid_sizes:
            raise ValueError(f"grid_sizes must give the size for {cfg['method']!r}")
        size = {GRID: grid_sizes[cfg["method"]]}
        for row in main.rows_from_results([res], DELTA, size):
            row["n_swaps"] = cfg["n_swaps"]
            rows.append(row)
    return rows


def summary_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One summary line per row: means over tasks, total bits, the two bounds.

    Parameters
    ----------
    rows : list of dict
        Rows as stored in ``results/subspace_permutation_mnist1d.json``.

    Returns
    -------
    list of dict
        Keys ``method, k, l, K, shuffle, bits, train_err, fresh_err, occam,
        fast_rate``; ``bits`` is the total code length (for STL the sum of
        the per-task codes), errors are means over the tasks.

    Raises
    ------
    ValueError
        If ``rows`` is empty.
    """
    if not rows:
        raise ValueError("rows must be a non-empty list of stored rows")
    return [
        {
            "method": r["method"],
            "k": r["k"],
            "l": r["l"],
            "K": r["K"],
            "shuffle": "full permutation"
            if r["n_swaps"] is None
            else f"{r['n_swaps']} swaps",
            "bits": int(np.sum(r["bits"])),
            "train_err": float(np.mean(r["train_err"])),
            "fresh_err": float(np.mean(r["fresh_err"])),
            "occam": r["occam"],
            "fast_rate": r["fast_rate"],
        }
        for r in rows
    ]


def main_result(out_dir: Path | str, scale: str) -> dict[str, Any]:
    """The main experiment's result this ablation starts from.

    ``out_dir``'s result of the main experiment at ``scale`` if it exists (the
    fresh one, e.g. of ``python -m mtlnotes.experiments all --out DIR``), else
    the stored full-scale results.

    Raises
    ------
    FileNotFoundError
        If neither exists.
    """
    fresh = main.EXPERIMENT.path(out_dir, scale)
    if fresh.is_file():
        return load_stored(fresh.name, main.EXPERIMENT.command(scale), fresh)
    return main.EXPERIMENT.load()


def run(
    scale: str = "full",
    *,
    jobs: int = 2,
    threads: int = 1,
    out_dir: Path = Path("results"),
    stored: dict[str, Any] | None = None,
) -> Path:
    """Run the ablation at ``scale`` and write its JSON; returns the path.

    ``stored`` defaults to :func:`main_result` ``(out_dir, scale)``.  The data
    pool is the main experiment's (same size, same seed), so the
    ``n_swaps = 10`` rows re-run its best rows.

    Raises
    ------
    ValueError
        If ``scale`` is unknown.
    """
    clock = Clock()
    stored = main_result(out_dir, scale) if stored is None else stored
    best = best_configs(stored)
    configs = plan(scale, stored)
    same_pool = [c for c in main.plan(scale) if c.setting == "mnist_like"]
    pools = main.make_pools([c for c in same_pool if c.grid != "ci"] + configs, jobs)
    results = run_jobs(
        _run_job,
        [{"cfg": c, "cost": c.cost} for c in configs],
        jobs,
        shared=pools,
        threads=threads,
        desc=f"subspace_permutation {scale}",
    )
    rows = rows_for(results, {m: b["grid_size"] for m, b in best.items()})
    body: dict[str, Any] = {
        "setting": "mnist_like",
        "family": "pixels",
        "n_tasks": configs[0].n_tasks,
        "m_train": configs[0].m_train,
        "m_fresh": configs[0].m_fresh,
        "delta": DELTA,
        "shuffles": list(SHUFFLES),
        "source": {
            "file": f"results/{main.RESULT_FILE}",
            "best": best,
            "rows": {m: stored["rows"][b["index"]] for m, b in best.items()},
        },
        "rows": rows,
    }
    return EXPERIMENT.write(out_dir, scale, body, clock=clock, runs=results)
