"""The experiment contract: what every experiment shares.

An experiment (a module of :mod:`mtlnotes.experiments`) only plans, runs, stores
and summarises; the numerics are in the library.  This module gives it:

* :class:`Experiment` -- its name, command, output path for a scale and
  ``out_dir`` (``--out``), the common payload fields (command, scale,
  environment, timing, the per-run summaries) and the reader of stored results;
* :class:`Pools` -- data pools generated once per run, handed to the jobs
  explicitly (an object, not module state) and shared with forked workers;
* :func:`run_jobs` -- parallel jobs (``--jobs`` worker processes, ``threads``
  torch threads each) with progress, most expensive first; ``on_result``
  receives each finished job at once, so a run can keep finished
  configurations (the hook a resumable run builds on);
* :class:`Clock`, :func:`environment`, :func:`write_json`, :func:`load_stored`.
"""

from __future__ import annotations

import json
import multiprocessing
import platform
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

__all__ = [
    "SCALES",
    "Clock",
    "Experiment",
    "Pools",
    "environment",
    "load_stored",
    "run_jobs",
    "to_jsonable",
    "write_json",
]

#: ``full``: the stored results; ``book``: a reduced run of the same pipeline
#: (a chapter's live run); ``ci``: the small configuration the tests re-run.
SCALES = ("full", "book", "ci")

# The object shared with the forked workers of the current run_jobs call: set
# just before the fork, so the children inherit it without pickling.
_SHARED: list[Any] = [None]


def _init_worker(threads: int) -> None:  # pragma: no cover (runs in a child)
    torch.set_num_threads(threads)


def _call(func: Callable[..., dict[str, Any]], job: dict[str, Any]) -> dict[str, Any]:
    shared = _SHARED[0]
    return func(job) if shared is None else func(job, shared)


def run_jobs(
    func: Callable[..., dict[str, Any]],
    jobs: Sequence[dict[str, Any]],
    n_jobs: int = 1,
    *,
    shared: Any = None,
    desc: str = "jobs",
    threads: int = 1,
    progress: bool = True,
    on_result: Callable[[int, dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run ``func`` on every job, ``n_jobs`` at a time, with a tqdm bar.

    Parameters
    ----------
    func : callable
        A module-level function (picklable): ``func(job)``, or
        ``func(job, shared)`` when ``shared`` is given.
    jobs : sequence of dict
        The jobs; each should carry a ``cost`` estimate (larger first).
    n_jobs : int
        Worker processes, ``>= 1``; ``1`` runs in this process.
    shared : object, optional
        Passed to every call (e.g. :class:`Pools`); workers inherit it by
        fork, without copying or pickling.
    desc : str
        Label of the progress bar.
    threads : int
        Torch threads per worker.
    progress : bool
        Show the tqdm bar.
    on_result : callable, optional
        Called as ``on_result(i, result)`` in this process as soon as job ``i``
        finished (e.g. to store it, so that an interrupted run keeps it).

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
    Workers are forked, so ``shared`` (e.g. generated data pools) reaches them
    without copying or pickling.  Jobs are started most expensive first to
    balance the workers.
    """
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be >= 1, got {n_jobs}")
    order = sorted(range(len(jobs)), key=lambda i: -float(jobs[i].get("cost", 1.0)))
    results: list[dict[str, Any] | None] = [None] * len(jobs)
    bar = tqdm(total=len(jobs), desc=desc, mininterval=5.0, disable=not progress)

    def finish(i: int, result: dict[str, Any]) -> None:
        results[i] = result
        if on_result is not None:
            on_result(i, result)
        bar.update()

    _SHARED[0] = shared
    try:
        if n_jobs == 1:
            torch.set_num_threads(threads)
            for i in order:
                finish(i, _call(func, jobs[i]))
        else:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(
                n_jobs, initializer=_init_worker, initargs=(threads,)
            ) as pool:
                pending = {i: pool.apply_async(_call, (func, jobs[i])) for i in order}
                while pending:
                    done = [i for i, r in pending.items() if r.ready()]
                    for i in done:
                        finish(i, pending.pop(i).get())
                    if pending and not done:
                        time.sleep(0.5)
    finally:
        _SHARED[0] = None
        bar.close()
    return [r for r in results if r is not None]


class Pools:
    """Data pools of one run, generated once and shared by its jobs.

    A pool is a pair ``(x, y)`` under a key (e.g. ``"mnist1d:mnist_like"``);
    :meth:`ensure` generates the missing or too small ones (in parallel) with
    ``make(key, size)``, a module-level function.  An experiment creates one
    ``Pools``, passes it to :func:`run_jobs` as ``shared`` and to the function
    that builds a job's tasks: no module-level state.
    """

    def __init__(
        self, make: Callable[[str, int], tuple[np.ndarray, np.ndarray]]
    ) -> None:
        if not callable(make):
            raise TypeError(f"make must be a function, got {type(make).__name__}")
        self.make = make
        self._pools: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._pools

    def __getitem__(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """The pool ``(x, y)`` under ``key``; ``KeyError`` if not generated."""
        if key not in self._pools:
            raise KeyError(f"pools has no pool {key!r}: call ensure() first")
        return self._pools[key]

    def ensure(
        self, sizes: dict[str, int], jobs: int = 1, *, progress: bool = True
    ) -> None:
        """Generate every pool of ``sizes`` (key -> examples) not yet large enough."""
        todo = [
            key
            for key, size in sizes.items()
            if key not in self._pools or self._pools[key][0].shape[0] < size
        ]
        made = run_jobs(
            _make_pool,
            [{"key": k, "size": sizes[k], "cost": sizes[k]} for k in todo],
            min(jobs, max(len(todo), 1)),
            shared=self.make,
            desc="data pools",
            progress=progress,
        )
        for key, pool in zip(todo, made, strict=True):
            self._pools[key] = (pool["x"], pool["y"])


def _make_pool(job: dict[str, Any], make: Callable) -> dict[str, Any]:
    x, y = make(job["key"], job["size"])
    return {"x": x, "y": y}


@dataclass(frozen=True)
class Experiment:
    """Name, result file, command and payload of one experiment.

    ``python -m mtlnotes.experiments NAME --scale S --out DIR`` writes
    :meth:`path` ``(DIR, S)``: ``DIR/<result_file>`` at ``full``, and
    ``DIR/<stem>_<scale>.json`` otherwise (a reduced run never overwrites the
    stored file).
    """

    name: str
    result_file: str

    def command(self, scale: str = "full") -> str:
        """The command that writes the result of ``scale``."""
        return f"python -m mtlnotes.experiments {self.name} --scale {scale}"

    def path(self, out_dir: Path | str, scale: str = "full") -> Path:
        """Where the result of ``scale`` goes under ``out_dir``."""
        _check_scale(scale)
        name = self.result_file
        if scale != "full":
            name = name.replace(".json", f"_{scale}.json")
        return Path(out_dir) / name

    def load(self, path: Path | str | None = None) -> Any:
        """The stored full-scale result (:func:`load_stored`)."""
        return load_stored(self.result_file, self.command(), path)

    def write(
        self,
        out_dir: Path | str,
        scale: str,
        body: dict[str, Any],
        *,
        clock: Clock,
        runs: list[dict[str, Any]] | None = None,
    ) -> Path:
        """Write ``body`` with the common fields; returns the path.

        The payload is ``command``, ``scale``, then ``body``, then ``runs`` (for
        each run its ``config``, ``D``, ``time`` and ``final_loss``, where
        present), ``environment`` and ``time`` (``clock`` read now).
        """
        payload: dict[str, Any] = {"command": self.command(scale), "scale": scale}
        payload.update(body)
        if runs is not None:
            keep = ("config", "D", "time", "final_loss")
            payload["runs"] = [{k: r[k] for k in keep if k in r} for r in runs]
        payload["environment"] = environment()
        payload["time"] = clock.read()
        return write_json(self.path(out_dir, scale), payload)


def _check_scale(scale: str) -> str:
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    return scale


@dataclass
class Clock:
    """Wall time and CPU time (this process and its finished children) since
    creation (``wall0`` and ``cpu0`` are the start readings)."""

    wall0: float = field(default_factory=time.perf_counter)
    cpu0: float = field(default_factory=lambda: Clock._cpu())

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


def environment() -> dict:
    """Versions and machine, recorded beside the results."""
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "machine": platform.machine(),
        "processor": platform.processor() or "unknown",
    }


def to_jsonable(obj: object) -> object:
    """Convert NumPy/torch scalars and arrays (recursively) to JSON types.

    Raises
    ------
    TypeError
        If ``obj`` holds anything else than dicts, lists, tuples, arrays,
        tensors, numbers, strings, booleans and ``None``.
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, torch.Tensor):
        obj = obj.detach().cpu().numpy()
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    raise TypeError(f"obj must hold only JSON types, got {type(obj).__name__}")


def write_json(path: Path, payload: dict[str, Any]) -> Path:
    """Write ``payload`` as indented JSON (parents created); returns ``path``.

    Raises
    ------
    TypeError
        If ``payload`` is not a dict or holds a non-JSON type.
    """
    if not isinstance(payload, dict):
        raise TypeError(f"payload must be a dict, got {type(payload).__name__}")
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
