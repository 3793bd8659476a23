"""Wall time and peak memory of executing each notebook in a fresh process.

Usage: ``python benchmarks/bench_notebooks.py [--full] [notebooks/<chapter>.ipynb ...]``
(default: every ``notebooks/*.ipynb``).  Writes ``benchmarks/results/notebooks.json``
and ``notebooks.csv``; with ``--full``, ``notebooks_full.json`` and
``notebooks_full.csv`` instead.

``--full`` measures the *full* version of every chapter that has one: a chapter's
switch is the code line ``FULL = False`` (``FULL_SWITCH``); the copy that is run has
it set to ``True``, nothing else changed.  Chapters without a switch are listed
under ``no_switch`` (their book version is their only version).  The cost a
chapter's switch comment states is the ``cpu_s`` of this run: CPU time, because
the machine is shared and wall time is inflated by other work.

Each notebook is copied, with the rest of its directory, to a temporary directory
(next to symbolic links to the rest of the repository, so that relative paths such
as ``../benchmarks`` still resolve) and executed there by
``scripts/execute_notebooks.py`` in a child process, so the committed notebook is
never touched.  For each run we record

* ``wall_s``: wall time of the whole child process (interpreter start-up, kernel
  start-up and execution), the number compared with the 60 s target;
* ``exec_s``: the execution time the child itself reports (kernel already up);
* ``cpu_s``: user + system CPU time of the child and its reaped descendants (the
  kernel), which other load on the machine inflates much less than wall time;
* ``peak_rss_mb``: the largest resident set of any single process of the child's
  tree, from ``wait4``'s ``ru_maxrss`` (Linux folds the peak of every reaped
  descendant, here the Jupyter kernel, into its parent's);
* ``peak_tree_rss_mb``: the largest *sum* of resident sets over the whole tree,
  sampled from ``/proc`` every 100 ms (may miss a spike shorter than that).

A run that fails or is still going after ``KILL_AFTER_S`` is killed and retried
once; ``attempts`` records how many runs a row took, and the failed run's log
tail is kept.  Results are written after every notebook, so an interrupted run
still leaves the rows measured so far.  Rows of notebooks a run does not measure
are kept from the stored file (see ``previous_rows``).

The memory target (1.5 GB) is checked against the larger of the two.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TIME_LIMIT_S = 60.0
MEMORY_LIMIT_MB = 1500.0
KILL_AFTER_S = 300.0  # a notebook still running then is killed and recorded
KILL_AFTER_FULL_S = 3600.0  # the same for the full version of a chapter
FULL_SWITCH = re.compile(r"^FULL = False\b", re.M)
ATTEMPTS = 2  # a failed or killed run is retried once (a kernel can hang under load)
_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20
# ``scripts/execute_notebooks.py`` with the per-cell timeout of a full run: under
# load, one cell of a full chapter can take longer than the book's 300 s
_FULL_RUNNER = f"""
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from execute_notebooks import execute
seconds = execute(Path(sys.argv[2]), timeout={KILL_AFTER_FULL_S:.0f})
print(f"{{sys.argv[2]}}: {{seconds:.1f}} s")
"""


def _children() -> dict[int, list[int]]:
    """Map every pid to its child pids, from ``/proc/<pid>/stat``."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def tree_rss_mb(pid: int) -> float:
    """Current resident set of ``pid`` and all its descendants, in MB."""
    tree, stack, total = _children(), [pid], 0.0
    while stack:
        p = stack.pop()
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * _PAGE_MB
        except (OSError, IndexError, ValueError):
            pass
        stack.extend(tree.get(p, []))
    return total


class _TreeSampler(threading.Thread):
    """Poll the resident set of a process tree and keep the peak."""

    def __init__(self, pid: int, period: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.period, self.peak = pid, period, 0.0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, tree_rss_mb(self.pid))
            self.done.wait(self.period)


def has_full_switch(notebook: Path) -> bool:
    """Whether a code cell of ``notebook`` holds the line ``FULL = False``."""
    cells = json.loads(notebook.read_text())["cells"]
    return any(
        c["cell_type"] == "code" and FULL_SWITCH.search("".join(c["source"]))
        for c in cells
    )


def switch_on(notebook: Path) -> int:
    """Set ``FULL = True`` in the code cells of ``notebook`` (in place); count."""
    nb = json.loads(notebook.read_text())
    count = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        new, k = FULL_SWITCH.subn("FULL = True", source)
        if k:
            cell["source"], count = new, count + k
    notebook.write_text(json.dumps(nb, indent=1) + "\n")
    return count


def run_notebook(notebook: Path, full: bool = False) -> dict:
    """Execute a copy of ``notebook`` in a child process and measure it.

    With ``full``, the copy has its ``FULL = False`` switch set to ``True``.
    """
    with tempfile.TemporaryDirectory(prefix="bench-nb-") as tmp:
        work = Path(tmp) / notebook.parent.name
        shutil.copytree(notebook.parent, work, ignore=shutil.ignore_patterns("_*"))
        if full and switch_on(work / notebook.name) == 0:
            raise ValueError(f"{notebook.name} has no line 'FULL = False'")
        for entry in ROOT.iterdir():  # the rest of the repository, by reference,
            if entry.name != notebook.parent.name:  # so relative paths resolve
                (Path(tmp) / entry.name).symlink_to(entry)
        log = Path(tmp) / "child.log"
        cmd = [
            sys.executable,
            str(ROOT / "scripts" / "execute_notebooks.py"),
            str(work / notebook.name),
        ]
        if full:  # the same executor, with a per-cell timeout for long full runs
            cmd[1:2] = ["-c", _FULL_RUNNER, str(ROOT / "scripts")]
        start = time.perf_counter()
        with log.open("w") as out:
            pid = os.posix_spawn(
                cmd[0],
                cmd,
                dict(os.environ),
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                    (os.POSIX_SPAWN_DUP2, out.fileno(), 2),
                ],
            )
            sampler = _TreeSampler(pid)
            sampler.start()
            status, usage = _wait(
                pid, start, KILL_AFTER_FULL_S if full else KILL_AFTER_S
            )
            sampler.done.set()
            sampler.join()
        wall = time.perf_counter() - start
        text = re.sub(r"\x1b\[[0-9;]*m", "", log.read_text())  # no colour codes
    match = re.search(rf"{re.escape(notebook.name)}: ([0-9.]+) s$", text, re.M)
    peak = usage.ru_maxrss / 1024 if usage else float("nan")
    row = {
        "notebook": str(notebook.relative_to(ROOT)),
        "variant": "full" if full else "book",
        "ok": status == 0,
        "wall_s": round(wall, 2),
        "exec_s": round(float(match.group(1)), 2) if match else None,
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2) if usage else None,
        "peak_rss_mb": round(peak, 1),
        "peak_tree_rss_mb": round(sampler.peak, 1),
    }
    row["within_time"] = row["ok"] and wall <= TIME_LIMIT_S
    row["within_memory"] = max(peak, sampler.peak) <= MEMORY_LIMIT_MB
    if status != 0:
        row["error"] = text[-2000:]
    return row


def _wait(
    pid: int, start: float, kill_after: float = KILL_AFTER_S
) -> tuple[int, os.struct_rusage | None]:
    """Wait for ``pid`` (killing its tree after ``kill_after`` s); exit status."""
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), usage
        if time.perf_counter() - start > kill_after:
            for child in _descendants(pid):
                _kill(child)
            _kill(pid)
            _, status, usage = os.wait4(pid, 0)
            return -9, usage
        time.sleep(0.05)


def _descendants(pid: int) -> list[int]:
    tree, stack, found = _children(), [pid], []
    while stack:
        kids = tree.get(stack.pop(), [])
        found.extend(kids)
        stack.extend(kids)
    return found


def _kill(pid: int) -> None:
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass


def machine() -> dict:
    """What the numbers were measured on, and how busy it was."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_model": model,
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def measure(path: Path, full: bool = False) -> dict:
    """``run_notebook``, retried once after a failure."""
    failures: list[str] = []
    for attempt in range(1, ATTEMPTS + 1):
        row = run_notebook(path, full)
        if row["ok"]:
            break
        print(f"{row['notebook']}: attempt {attempt} failed", flush=True)
        failures.append(row.get("error", "")[-500:])
    row["attempts"] = attempt
    if attempt > 1:
        row["earlier_failure"] = failures[0]
    return row


def main(argv: list[str]) -> int:
    full = "--full" in argv
    paths = [Path(a).resolve() for a in argv if a != "--full"] or sorted(
        (ROOT / "notebooks").glob("*.ipynb")
    )
    no_switch: list[str] = []
    if full:  # every chapter without a switch, whichever chapters are measured
        chapters = sorted((ROOT / "notebooks").glob("*.ipynb"))
        no_switch = [
            str(p.relative_to(ROOT)) for p in chapters if not has_full_switch(p)
        ]
        paths = [p for p in paths if has_full_switch(p)]
    before = machine()
    rows = previous_rows(full, {str(p.relative_to(ROOT)) for p in paths})
    for path in paths:
        row = measure(path, full) | {"utc": machine()["utc"]}
        rows.append(row)
        print(
            f"{row['notebook']}{' (FULL)' if full else ''}: {row['wall_s']:.1f} s wall,"
            f" {row['cpu_s']} s CPU, "
            f"{max(row['peak_rss_mb'], row['peak_tree_rss_mb']):.0f} MB"
            + ("" if row["ok"] else "  FAILED"),
            flush=True,
        )
        write(rows, before, full, no_switch)
    return 0 if all(r["ok"] for r in rows) else 1


def previous_rows(full: bool, measuring: set[str]) -> list[dict]:
    """Rows of the stored result file for notebooks this run does not measure.

    Measuring a few chapters (``bench_notebooks.py [--full] notebooks/x.ipynb``)
    thus updates their rows and keeps the others; each row carries the ``utc``
    time it was measured at (rows from before that field have none).
    """
    path = RESULTS / f"{'notebooks_full' if full else 'notebooks'}.json"
    if not path.exists():
        return []
    rows = json.loads(path.read_text()).get("rows", [])
    return [r for r in rows if r["notebook"] not in measuring]


def write(
    rows: list[dict], before: dict, full: bool = False, no_switch: list[str] = ()
) -> None:
    """Write the rows measured so far to ``notebooks[_full].json`` and ``.csv``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "notebooks_full" if full else "notebooks"
    report = {
        "benchmark": name,
        "targets": {"wall_s": TIME_LIMIT_S, "peak_rss_mb": MEMORY_LIMIT_MB},
        "machine_before": before,
        "machine_after": machine(),
        "rows": rows,
    }
    if full:
        report["no_switch"] = list(no_switch)
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=1) + "\n")
    fields = [k for k in rows[0] if k not in ("error", "earlier_failure")]
    with (RESULTS / f"{name}.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
