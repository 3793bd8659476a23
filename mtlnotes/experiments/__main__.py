"""Command line: ``python -m mtlnotes.experiments NAME --scale full|book|ci``."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from mtlnotes.experiments import REGISTRY, SCALES


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the named experiment(s); returns the exit code
    (2, with a message on stderr, for bad arguments)."""
    parser = argparse.ArgumentParser(
        prog="python -m mtlnotes.experiments",
        description="Run an experiment and write its JSON under --out (results/).",
    )
    parser.add_argument("name", choices=[*REGISTRY, "all"], help="experiment")
    parser.add_argument("--scale", choices=SCALES, default="full")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (>= 1)")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads per worker (>= 1)"
    )
    parser.add_argument("--out", type=Path, default=Path("results"), help="directory")
    try:  # argparse exits on bad arguments: return its status instead
        args = parser.parse_args(argv)
        if args.jobs < 1:
            parser.error("--jobs must be >= 1")
        if args.threads < 1:
            parser.error("--threads must be >= 1")
    except SystemExit as stop:
        return int(stop.code or 0)
    names = list(REGISTRY) if args.name == "all" else [args.name]
    for name in names:
        module = importlib.import_module(REGISTRY[name])
        path = module.run(
            args.scale, jobs=args.jobs, threads=args.threads, out_dir=args.out
        )
        print(f"{name}: wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
