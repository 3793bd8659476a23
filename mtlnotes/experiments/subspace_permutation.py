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
bounds are those of :mod:`mtlnotes.experiments.subspace`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from mtlnotes.experiments import subspace as main
from mtlnotes.experiments.core import Clock, environment, run_jobs, write_json

__all__ = [
    "SHUFFLES",
    "best_configs",
    "load_results",
    "plan",
    "rows_for",
    "run",
    "summary_table",
]

RESULT_FILE = "subspace_permutation_mnist1d.json"
COMMAND = "python -m mtlnotes.experiments subspace_permutation --scale full"
GRID = "permutation"
#: ``n_swaps`` of the two "pixels" families compared (``None``: full permutation)
SHUFFLES: tuple[int | None, ...] = (10, None)
METHODS = ("STL", "MTL")


def load_results(path: Path | str | None = None) -> dict[str, Any]:
    """Read the stored ablation (``results/subspace_permutation_mnist1d.json``).

    ``path=None`` searches as :func:`mtlnotes.experiments.subspace.load_results`.

    Raises
    ------
    FileNotFoundError
        If no stored file is found (run ``python -m mtlnotes.experiments
        subspace_permutation --scale full``).
    """
    return main.load_results(path, name=RESULT_FILE)


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

    ``"full"``: the main experiment's sizes (``n = 30``, ``m = 2,000``, 10,000
    fresh examples per task, 400 + 100 steps).  ``"book"``: the reduced sizes
    of the main experiment's ``--scale book`` run (``n = 4``, ``m = 400``).

    Raises
    ------
    ValueError
        If ``scale`` is not ``"full"`` or ``"book"``.
    """
    if scale not in ("full", "book"):
        raise ValueError(f"scale must be 'full' or 'book', got {scale!r}")
    runs = []
    for method, cfg in best_configs(stored).items():
        base = main.RunConfig(
            "mnist_like",
            "pixels",
            method,
            cfg["k"],
            cfg["l"],
            levels=(cfg["K"],),
            grid=GRID,
        )
        if scale == "book":
            base = replace(base, n_tasks=4, m_train=400, m_fresh=1000, steps=150)
            base = replace(base, qat_steps=40)
        runs += [replace(base, n_swaps=s) for s in SHUFFLES]
    return runs


def _run_job(job: dict[str, Any]) -> dict[str, Any]:
    return main.run_config(job["cfg"])


def rows_for(
    results: list[dict[str, Any]], grid_sizes: dict[str, int]
) -> list[dict[str, Any]]:
    """Rows of :func:`mtlnotes.experiments.subspace.rows_from_results`, each
    paying for its method's main grid and labelled with its ``n_swaps``."""
    rows = []
    for res in results:
        cfg = res["config"]
        size = {GRID: grid_sizes[cfg["method"]]}
        for row in main.rows_from_results([res], main.DELTA, size):
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


def run(
    scale: str = "full",
    *,
    jobs: int = 2,
    device: str = "cpu",
    out_dir: Path = Path("results"),
    stored: dict[str, Any] | None = None,
) -> Path:
    """Run the ablation at ``scale`` and write its JSON; returns the path.

    ``stored`` defaults to the main experiment's stored full-scale results.
    The MNIST-1D pool is the main experiment's (same size, same seed), so the
    ``n_swaps = 10`` rows re-run its best rows.  ``--scale book`` writes
    ``subspace_permutation_mnist1d_book.json``.

    Raises
    ------
    ValueError
        If ``device`` is not ``"cpu"`` or ``scale`` is unknown.
    """
    if device != "cpu":
        raise ValueError("device must be 'cpu' (the stored results are CPU runs)")
    clock = Clock()
    stored = main.load_results() if stored is None else stored
    best = best_configs(stored)
    configs = plan(scale, stored)
    same_pool = [c for c in main.plan(scale) if c.setting == "mnist_like"]
    main.prepare_pools([c for c in same_pool if c.grid != "ci"] + configs, jobs)
    results = run_jobs(
        _run_job,
        [{"cfg": c, "cost": main._cost(c)} for c in configs],
        jobs,
        desc=f"subspace_permutation {scale}",
    )
    rows = rows_for(results, {m: b["grid_size"] for m, b in best.items()})
    payload: dict[str, Any] = {
        "command": COMMAND if scale == "full" else COMMAND.replace("full", "book"),
        "scale": scale,
        "setting": "mnist_like",
        "family": "pixels",
        "n_tasks": configs[0].n_tasks,
        "m_train": configs[0].m_train,
        "m_fresh": configs[0].m_fresh,
        "delta": main.DELTA,
        "shuffles": list(SHUFFLES),
        "source": {
            "file": f"results/{main.RESULT_FILE}",
            "best": best,
            "rows": {m: stored["rows"][b["index"]] for m, b in best.items()},
        },
        "rows": rows,
        "runs": [
            {
                "config": r["config"],
                "D": r["D"],
                "time": r["time"],
                "final_loss": r["final_loss"],
            }
            for r in results
        ],
        "environment": environment(),
    }
    payload["time"] = clock.read()
    name = (
        RESULT_FILE if scale == "full" else RESULT_FILE.replace(".json", "_book.json")
    )
    return write_json(Path(out_dir) / name, payload)
