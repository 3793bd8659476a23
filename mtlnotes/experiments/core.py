"""What every experiment shares: parallel jobs with progress, timing, JSON output."""

from __future__ import annotations

import json
import multiprocessing
import platform
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

__all__ = [
    "Clock",
    "environment",
    "load_stored",
    "run_jobs",
    "to_jsonable",
    "write_json",
]


def _init_worker(threads: int) -> None:  # pragma: no cover (runs in a child)
    torch.set_num_threads(threads)


def run_jobs(
    func: Callable[[dict[str, Any]], dict[str, Any]],
    jobs: Sequence[dict[str, Any]],
    n_jobs: int = 1,
    *,
    desc: str = "jobs",
    threads: int = 1,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Run ``func`` on every job, ``n_jobs`` at a time, with a tqdm bar.

    Parameters
    ----------
    func : callable
        A module-level function (picklable) taking one job dict.
    jobs : sequence of dict
        The jobs; each should carry a ``cost`` estimate (larger first).
    n_jobs : int
        Worker processes, ``>= 1``; ``1`` runs in this process.
    desc : str
        Label of the progress bar.
    threads : int
        Torch threads per worker.
    progress : bool
        Show the tqdm bar.

    Returns
    -------
    list of dict
        ``func(job)`` for every job, in the order of ``jobs``.

    Raises
    ------
    ValueError
        If ``n_jobs < 1``.

    Notes
    -----
    Workers are forked, so module-level data prepared before the call (e.g.
    generated data pools) are shared without copying or pickling.  Jobs are
    started most expensive first to balance the workers.
    """
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be >= 1, got {n_jobs}")
    order = sorted(range(len(jobs)), key=lambda i: -float(jobs[i].get("cost", 1.0)))
    results: list[dict[str, Any] | None] = [None] * len(jobs)
    bar = tqdm(total=len(jobs), desc=desc, mininterval=5.0, disable=not progress)
    if n_jobs == 1:
        torch.set_num_threads(threads)
        for i in order:
            results[i] = func(jobs[i])
            bar.update()
    else:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(n_jobs, initializer=_init_worker, initargs=(threads,)) as pool:
            pending = {i: pool.apply_async(func, (jobs[i],)) for i in order}
            while pending:
                done = [i for i, r in pending.items() if r.ready()]
                for i in done:
                    results[i] = pending.pop(i).get()
                    bar.update()
                if pending and not done:
                    time.sleep(0.5)
    bar.close()
    return [r for r in results if r is not None]


class Clock:
    """Wall time and CPU time (this process and its finished children)."""

    def __init__(self) -> None:
        self.wall0 = time.perf_counter()
        self.cpu0 = self._cpu()

    @staticmethod
    def _cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    def read(self) -> dict[str, float]:
        """``{"wall_s": ..., "cpu_s": ...}`` since creation."""
        return {
            "wall_s": time.perf_counter() - self.wall0,
            "cpu_s": self._cpu() - self.cpu0,
        }


def environment() -> dict[str, str]:
    """Versions and machine, recorded beside the results."""
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "machine": platform.machine(),
        "processor": platform.processor() or "unknown",
    }


def to_jsonable(obj: object) -> object:
    """Convert NumPy/torch scalars and arrays (recursively) to JSON types."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, torch.Tensor):
        obj = obj.detach().cpu().numpy()
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    return obj


def write_json(path: Path, payload: dict[str, Any]) -> Path:
    """Write ``payload`` as indented JSON (parents created); returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_jsonable(payload), indent=1) + "\n")
    return path


def load_stored(name: str, command: str, path: Path | str | None = None) -> Any:
    """Read a stored result file ``results/<name>`` (JSON).

    Parameters
    ----------
    name : str
        The file name under ``results/``, e.g. ``"subspace_mnist1d.json"``.
    command : str
        The command that writes it, named in the error when it is missing.
    path : path-like, optional
        Read this file instead of searching.

    Returns
    -------
    object
        The parsed JSON.

    Raises
    ------
    FileNotFoundError
        If no stored file is found.

    Notes
    -----
    ``path=None`` searches, in order: ``results/`` of the repository that holds
    this package (a checkout or an editable install), ``share/mtlnotes/results``
    of the Python prefix (where ``pip install`` of the repository puts the
    committed results, e.g. on Colab), then ``results/`` of the current
    directory and of its parents.
    """
    if path is None:
        places = [
            Path(__file__).resolve().parents[2] / "results",
            Path(sys.prefix) / "share" / "mtlnotes" / "results",
            *(p / "results" for p in (Path.cwd(), *Path.cwd().parents)),
        ]
        found = [p / name for p in places if (p / name).is_file()]
        if not found:
            raise FileNotFoundError(f"results/{name} not found; run {command}")
        path = found[0]
    return json.loads(Path(path).read_text())
