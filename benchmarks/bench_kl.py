"""Vectorised kl inversion versus a scalar ``scipy.optimize.brentq`` loop.

Usage: ``python benchmarks/bench_kl.py [n_scalar]``.  Writes
``benchmarks/results/kl_inversion.json`` and prints the speed ratio.

Workload: ``10^6`` pairs ``(q, c)`` with ``q ~ U(0, 1)`` and ``c ~ Exp(0.05)``
(budgets of the size met in generalisation bounds), fixed seed.

* vectorised: one call ``kl_inv_upper(q, c)`` on all ``10^6`` pairs;
* scalar: ``brentq`` on ``p ↦ kl(q‖p) - c`` over ``[q, 1 - 1e-15]``, with ``kl``
  written in plain Python on ``math.log`` (the fastest scalar ``kl`` there is; a
  NumPy scalar ``kl`` would be several times slower), for the first ``n_scalar``
  pairs (default 5000); its time is extrapolated linearly to ``10^6``.

The baseline and the workload live in :mod:`mtlnotes.baselines`, shared with the
chapter on Occam and fast-rate kl bounds.

Times are the best of several runs (the ``timeit`` convention: the minimum is the
least disturbed by other load); both wall-clock and CPU (``process_time``) times
are recorded, since on a loaded machine the CPU time is the steadier of the two.
The two answers are compared on the scalar subset (largest absolute difference).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_notebooks import RESULTS, machine

from mtlnotes.baselines import kl_inv_upper_brentq
from mtlnotes.baselines import kl_inversion_workload as workload
from mtlnotes.kl import kl_inv_upper

N_VECTOR = 1_000_000


def best_of(func, repeats: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (process) times of ``repeats`` calls of ``func()``."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def main(argv: list[str]) -> int:
    n_scalar = int(argv[1]) if len(argv) > 1 else 5000
    before = machine()
    q, c = workload(N_VECTOR)
    vec_wall, vec_cpu = best_of(lambda: kl_inv_upper(q, c), repeats=5)
    qs, cs = q[:n_scalar].tolist(), c[:n_scalar].tolist()
    sca_wall, sca_cpu = best_of(
        lambda: [kl_inv_upper_brentq(a, b) for a, b in zip(qs, cs, strict=True)],
        repeats=3,
    )
    ref = np.array([kl_inv_upper_brentq(a, b) for a, b in zip(qs, cs, strict=True)])
    max_diff = float(np.max(np.abs(kl_inv_upper(q[:n_scalar], c[:n_scalar]) - ref)))
    scale = N_VECTOR / n_scalar
    result = {
        "n_vectorised": N_VECTOR,
        "n_scalar_subset": n_scalar,
        "vectorised_wall_best_s": min(vec_wall),
        "vectorised_wall_median_s": statistics.median(vec_wall),
        "vectorised_cpu_best_s": min(vec_cpu),
        "scalar_per_call_wall_best_us": min(sca_wall) / n_scalar * 1e6,
        "scalar_per_call_cpu_best_us": min(sca_cpu) / n_scalar * 1e6,
        "scalar_extrapolated_wall_s": min(sca_wall) * scale,
        "scalar_extrapolated_cpu_s": min(sca_cpu) * scale,
        "speed_ratio_wall": min(sca_wall) * scale / min(vec_wall),
        "speed_ratio_cpu": min(sca_cpu) * scale / min(vec_cpu),
        "max_abs_difference_on_subset": max_diff,
        "machine_before": before,
        "machine_after": machine(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "kl_inversion.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"vectorised: {result['vectorised_wall_best_s']:.3f} s wall "
        f"({result['vectorised_cpu_best_s']:.3f} s CPU) for {N_VECTOR} inversions; "
        f"brentq: {result['scalar_per_call_wall_best_us']:.1f} us/call wall "
        f"({result['scalar_per_call_cpu_best_us']:.1f} us CPU); speed ratio "
        f"{result['speed_ratio_wall']:.0f}x wall, {result['speed_ratio_cpu']:.0f}x "
        f"CPU; max |diff| {max_diff:.1e}; load {before['loadavg_1_5_15'][0]}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
