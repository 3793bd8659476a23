"""Summarise the bad-input and extremes tests of ``tests/test_reliability.py``.

Usage: ``python benchmarks/bench_reliability.py``.  Runs the test module once
(JUnit XML report) and writes ``benchmarks/results/reliability.json``: per
``mtlnotes`` module, how many public functions and bad-input cases the table
holds, how many cases pass, and how many are *reported* failures (strict expected
failures, listed in the test module with what happens); how many arguments the
whole-API fuzz probes and how many of them fail; plus the outcome of each extremes
test.  Not a timing: the appendix page shows it next to the timings.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_notebooks import RESULTS, ROOT, machine

TESTS = ROOT / "tests" / "test_reliability.py"


def outcome(case: ET.Element) -> str:
    """``passed``, ``reported`` (xfail), ``skipped`` or ``failed``."""
    for child in case:
        if child.tag == "skipped":
            return "reported" if child.get("type") == "pytest.xfail" else "skipped"
        if child.tag in ("failure", "error"):
            return "failed"
    return "passed"


def main() -> int:
    before = machine()
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "report.xml"
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                str(TESTS),
                "-q",
                "-p",
                "no:cacheprovider",
                f"--junitxml={xml}",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        cases = list(ET.parse(xml).getroot().iter("testcase"))
    by_module: dict[str, dict] = defaultdict(
        lambda: {
            "functions": set(),
            "cases": 0,
            "passed": 0,
            "reported": 0,
            "failed": 0,
            "skipped": 0,
            "fuzz_arguments": 0,
            "fuzz_failed": 0,
        }
    )
    extremes, totals = [], defaultdict(int)
    for case in cases:
        name, result = case.get("name", ""), outcome(case)
        totals[result] += 1
        match = re.match(r"test_bad_input_\w+\[(\w+)\.(\w+)", name)
        if match:
            row = by_module[match.group(1)]
            row["functions"].add(match.group(2))
            row["cases"] += 1
            row[result] += 1
        elif match := re.match(
            r"test_(fuzz_every_argument|overflowing_scale_is_rejected)\[(\w+)\.", name
        ):
            # fuzz: one case per argument, nine values each (NaN, +-inf, 0, -1,
            # 1e308, a string, None, []); overflow: 1e308 for a scale argument
            row = by_module[match.group(2)]
            row["fuzz_arguments"] += 1
            row["fuzz_failed"] += result == "failed"
        elif name.startswith("test_extremes_"):
            extremes.append({"test": name, "outcome": result})
    modules = [
        {"module": f"mtlnotes.{m}", **r, "functions": len(r["functions"])}
        for m, r in sorted(by_module.items())
    ]
    report = {
        "benchmark": "reliability",
        "test_module": "tests/test_reliability.py",
        "tests": len(cases),
        "outcomes": dict(sorted(totals.items())),
        "wall_s": round(seconds, 1),
        "modules": modules,
        "extremes": extremes,
        "machine_before": before,
        "machine_after": machine(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reliability.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"{len(cases)} tests: {dict(totals)} in {seconds:.0f} s")
    return 0 if totals["failed"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
