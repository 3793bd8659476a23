"""Run the benchmark suite and refresh the appendix page that reports it.

Usage: ``python benchmarks/run_all.py [name ...] [--no-page]`` (``make bench``).

Each benchmark is a script ``benchmarks/bench_<name>.py`` run in its own process;
it writes ``benchmarks/results/<name>.json`` (and usually a CSV).  A benchmark
whose script or required module is missing is skipped, and the skip is recorded.
``benchmarks/results/suite.json`` records, for every benchmark, its status
(``ok`` / ``skipped`` / ``failed``), the reason, its duration, and the machine;
``total_s`` is the wall time of the timed benchmarks, held to the 5-minute budget.
The reliability summary (``bench_reliability.py``, not a timing) and the full
version of every chapter that has a ``FULL`` switch (``bench_notebooks.py --full``,
minutes of CPU time) run after them, outside the budget.
Finally ``book/performance.ipynb``, which only *reads* the stored results, is
re-executed so that its committed outputs match them (nbval checks them).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_notebooks import RESULTS, ROOT, machine

# name, script (and its arguments), modules it needs, result file
BENCHMARKS = [
    ("kl_inversion", "bench_kl.py", ["mtlnotes.kl"], "kl_inversion.json"),
    ("mgf", "bench_mgf.py", ["mtlnotes.mgf"], "mgf.json"),
    ("subspace", "bench_subspace.py", ["torch", "mtlnotes.subspace"], "subspace.json"),
    ("notebooks", "bench_notebooks.py", ["nbclient"], "notebooks.json"),
]
# summaries that are not timings: run after the timed suite, outside its budget
REPORTS = [
    ("reliability", "bench_reliability.py", ["pytest"], "reliability.json"),
    (
        "notebooks_full",
        "bench_notebooks.py --full",
        ["nbclient"],
        "notebooks_full.json",
    ),
]
SUITE_BUDGET_S = 300.0
TIMEOUT_S = 3600.0  # per benchmark script
PAGE = ROOT / "book" / "performance.ipynb"


def missing_requirement(script: Path, modules: list[str]) -> str | None:
    """Why a benchmark cannot run here, or ``None`` if it can."""
    if not script.exists():
        return f"script {script.name} not found"
    for module in modules:
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            return f"module {module} not found"
    return None


def run_one(name: str, script: str, modules: list[str], result: str) -> dict:
    """Run one benchmark script; return its suite record."""
    script, *args = script.split()
    path = ROOT / "benchmarks" / script
    record = {"name": name, "script": f"benchmarks/{script}", "result": result}
    if args:
        record["args"] = args
    reason = missing_requirement(path, modules)
    if reason:
        print(f"[{name}] skipped: {reason}")
        return record | {"status": "skipped", "reason": reason, "duration_s": 0.0}
    print(f"[{name}] running {record['script']}", flush=True)
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(path), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return record | {
            "status": "failed",
            "reason": f"timed out after {TIMEOUT_S:.0f} s",
            "duration_s": round(time.perf_counter() - start, 1),
        }
    duration = round(time.perf_counter() - start, 1)
    print(proc.stdout, end="")
    if proc.returncode == 0:
        return record | {"status": "ok", "reason": "", "duration_s": duration}
    tail = proc.stderr.strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
    status = "skipped" if "ModuleNotFoundError" in tail[0] else "failed"
    print(f"[{name}] {status}: {tail[0]}")
    return record | {"status": status, "reason": tail[0], "duration_s": duration}


def refresh_page() -> dict:
    """Re-execute the appendix notebook on the stored results."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "execute_notebooks.py"), str(PAGE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    ok = proc.returncode == 0
    print(f"[page] {PAGE.relative_to(ROOT)}: {'refreshed' if ok else 'FAILED'}")
    return {
        "status": "ok" if ok else "failed",
        "reason": "" if ok else proc.stderr.strip()[-500:],
        "duration_s": round(time.perf_counter() - start, 1),
    }


def main(argv: list[str]) -> int:
    names = [a for a in argv if not a.startswith("--")]
    everything = BENCHMARKS + REPORTS
    unknown = set(names) - {b[0] for b in everything}
    if unknown:
        print(f"unknown benchmark(s): {sorted(unknown)}", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    suite_file = RESULTS / "suite.json"
    previous = json.loads(suite_file.read_text()) if suite_file.exists() else {}
    records = {r["name"]: r for r in previous.get("benchmarks", [])}
    before = machine()
    start = time.perf_counter()
    for bench in BENCHMARKS:
        if not names or bench[0] in names:
            records[bench[0]] = run_one(*bench)
    total = time.perf_counter() - start
    after = machine()
    for report in REPORTS:
        if not names or report[0] in names:
            records[report[0]] = run_one(*report) | {"in_budget": False}
    suite = {
        "benchmark": "suite",
        "budget_s": SUITE_BUDGET_S,
        "total_s": round(total, 1),
        "within_budget": total <= SUITE_BUDGET_S,
        "complete_run": not names,
        "machine_before": before,
        "machine_after": after,
        "benchmarks": [records[b[0]] for b in everything if b[0] in records],
    }
    suite_file.write_text(json.dumps(suite, indent=1) + "\n")
    print(f"suite: {total:.0f} s (budget {SUITE_BUDGET_S:.0f} s)")
    page_ok = True
    if "--no-page" not in argv and PAGE.exists():
        page_ok = refresh_page()["status"] == "ok"
    failed = [r["name"] for r in suite["benchmarks"] if r["status"] == "failed"]
    return 1 if failed or not page_ok else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
