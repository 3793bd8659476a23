"""Benchmark: time and peak memory of one training step of a subspace network.

Compares, for base MLPs with D ~ 1e4 and ~ 1e5 parameters,

* ``circulant`` -- :class:`mtlnotes.subspace.SubspaceNet` (partial random circulant
  operator, memory O(D + k*l + n*k));
* ``dense``     -- the same model with a materialised Gaussian P of shape (D, k*l);
* ``full``      -- plain full-parameter training of the n task networks.

Each (method, D) pair runs in a fresh subprocess so that its peak resident set size
(``ru_maxrss``) is its own; the script reports the increase over the subprocess's RSS
after imports and data creation.  Usage::

    python benchmarks/bench_subspace.py   # writes benchmarks/results/subspace.json
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

N_TASKS, K, ELL, BATCH, STEPS, WARMUP = 10, 16, 64, 128, 20, 3
SIZES = {"1e4": [64, 128, 10], "1e5": [784, 128, 10]}
METHODS = ("circulant", "dense", "full")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_one(method: str, size: str) -> dict:
    """Time STEPS Adam steps of one method in this process; return the measurements."""
    import torch

    from mtlnotes.subspace import SubspaceNet, make_mlp

    torch.set_num_threads(1)
    widths = SIZES[size]
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(N_TASKS, BATCH, widths[0], generator=gen)
    y = torch.randint(0, widths[-1], (N_TASKS, BATCH), generator=gen)
    base_rss = _rss_mb()
    net = SubspaceNet(make_mlp(widths), N_TASKS, K, ELL, seed=0)
    if method == "dense":
        dense = torch.randn(net.dim, K * ELL, generator=gen) * net.row_scale[0, :, None]

        def thetas() -> torch.Tensor:
            w = (net.alpha[:, :, None] * net.v[None]).reshape(N_TASKS, -1)
            return net.theta0 + w @ dense.T

        params = [net.alpha, net.v]
    elif method == "full":
        full = torch.nn.Parameter(net.theta0.repeat(N_TASKS, 1))

        def thetas() -> torch.Tensor:
            return full

        params = [full]
    else:
        thetas = net.thetas
        params = [net.alpha, net.v]
    with torch.no_grad():
        net.alpha.normal_(generator=gen)
    opt = torch.optim.Adam(params, lr=1e-3)

    def step() -> None:
        opt.zero_grad()
        theta = thetas()
        out = torch.func.vmap(
            lambda p, xi: torch.func.functional_call(net.model, p, (xi,))
        )(net._unflatten(theta), x)
        torch.nn.functional.cross_entropy(
            out.reshape(-1, out.shape[-1]), y.reshape(-1)
        ).backward()
        opt.step()

    for _ in range(WARMUP):
        step()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(STEPS):
        step()
    wall = (time.perf_counter() - start) / STEPS
    cpu = (time.process_time() - cpu) / STEPS
    stored = sum(t.numel() for t in [*net.buffers(), *params])
    if method == "dense":
        stored += dense.numel()
    return {
        "method": method,
        "size": size,
        "D": net.dim,
        "n": N_TASKS,
        "k": K,
        "l": ELL,
        "learned": sum(p.numel() for p in params),
        "stored_numbers": stored,
        "step_wall_ms": 1e3 * wall,
        "step_cpu_ms": 1e3 * cpu,
        "peak_rss_increase_mb": _rss_mb() - base_rss,
    }


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(run_one(sys.argv[2], sys.argv[3])))
        return 0
    results = []
    for size in SIZES:
        for method in METHODS:
            out = subprocess.run(
                [sys.executable, __file__, "--one", method, size],
                check=True,
                capture_output=True,
                text=True,
            )
            res = json.loads(out.stdout.strip().splitlines()[-1])
            results.append(res)
            print(
                f"D={res['D']:6d} {method:9s} step {res['step_wall_ms']:8.1f} ms wall "
                f"({res['step_cpu_ms']:7.1f} ms CPU), "
                f"stored {res['stored_numbers']:10d} numbers, "
                f"peak RSS +{res['peak_rss_increase_mb']:7.1f} MB"
            )
    path = Path(__file__).parent / "results" / "subspace.json"
    path.parent.mkdir(exist_ok=True)
    meta = {"load_average": os.getloadavg(), "torch_threads": 1}
    path.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
