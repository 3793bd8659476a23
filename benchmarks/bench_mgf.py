"""Time of the exact MGF ``mtlnotes.mgf.kl_mgf`` as the total sample size grows.

Usage: ``python benchmarks/bench_mgf.py``.  Writes ``benchmarks/results/mgf.json``
and ``mgf.csv``.

Cases, each at total size ``mn`` from 10^2 to 10^6:

* ``balanced``: ``n = 10`` tasks of ``m = mn / 10`` samples, ``μ = 0.3``,
  ``λ = m`` (the quantity in Maurer's lemma): the sum has ``mn + 1`` terms;
* ``balanced-grid``: the same on 101 values of ``μ`` at once (vectorised);
* ``two-sizes``: ``n = 10`` tasks, half of size ``m`` and half of size ``2m``
  (exact convolution on a common grid), up to ``mn = 10^3``: at ``10^4`` the
  exact law has more atoms than ``kl_mgf`` enumerates (it raises ValueError).

Each time is the best of several runs (the usual ``timeit`` convention: the
minimum is the least disturbed by other load), with the median also recorded, and
the best CPU time (``time.process_time``, all threads), which load inflates less.
"""

from __future__ import annotations

import csv
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_notebooks import RESULTS, machine

from mtlnotes.mgf import kl_mgf

TOTALS = [100, 1_000, 10_000, 100_000, 1_000_000]
N_TASKS = 10


def cases() -> list[tuple[str, list[int], np.ndarray, np.ndarray]]:
    """``(case, sizes, mu, lam)`` for every benchmarked configuration."""
    out = []
    grid = np.linspace(0.01, 0.99, 101)
    for total in TOTALS:
        m = total // N_TASKS
        out.append(("balanced", [m] * N_TASKS, np.array(0.3), np.array(float(m))))
        if total <= 100_000:
            out.append(("balanced-grid", [m] * N_TASKS, grid, np.array(float(m))))
        if total <= 1_000:  # beyond, the exact law has > 2e7 atoms
            m2 = total // (3 * N_TASKS // 2)  # 5 tasks of m2, 5 of 2*m2
            sizes = [m2] * (N_TASKS // 2) + [2 * m2] * (N_TASKS // 2)
            out.append(("two-sizes", sizes, np.array(0.3), np.array(float(m2))))
    return out


def time_call(
    sizes: list[int], mu: np.ndarray, lam: np.ndarray
) -> tuple[list[float], list[float]]:
    """Run times of ``kl_mgf``: repeat until 1 s is spent (3 to 20 runs; fewer
    only when the first runs already took 3 s).  Returns wall and CPU times."""
    times: list[float] = []
    cpu: list[float] = []
    while not times or (
        len(times) < 20 and (sum(times) < 1.0 or (len(times) < 3 and sum(times) < 3.0))
    ):
        start, start_cpu = time.perf_counter(), time.process_time()
        value = kl_mgf(sizes, mu, lam)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        if not np.all(np.isfinite(value)):
            raise RuntimeError(f"kl_mgf not finite for sizes {sizes[:3]}...")
    return times, cpu


def main() -> int:
    before = machine()
    rows = []
    for case, sizes, mu, lam in cases():
        times, cpu = time_call(sizes, mu, lam)
        row = {
            "case": case,
            "n_tasks": len(sizes),
            "total_mn": int(sum(sizes)),
            "n_mu": int(mu.size),
            "best_s": min(times),
            "median_s": statistics.median(times),
            "cpu_best_s": min(cpu),
            "repeats": len(times),
        }
        rows.append(row)
        print(f"{case:>14} mn={row['total_mn']:>8}: {row['best_s'] * 1e3:9.2f} ms")
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {
        "benchmark": "mgf",
        "function": "mtlnotes.mgf.kl_mgf",
        "machine_before": before,
        "machine_after": machine(),
        "rows": rows,
    }
    (RESULTS / "mgf.json").write_text(json.dumps(report, indent=1) + "\n")
    with (RESULTS / "mgf.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
