"""Execute notebooks in place, refreshing their committed outputs.

Usage: ``python scripts/execute_notebooks.py notebooks/*.ipynb``.  Each
notebook runs in its own directory with a per-cell timeout, exactly as nbval
runs it, so that the stored outputs are the ones ``make test`` compares.

Re-execution must not change a notebook whose results did not change (CONTRIBUTING.md,
"What is compared exactly").  After executing, each output of a cell whose source is
unchanged is compared with the committed one and the committed bytes are kept when
the two agree up to what is volatile by definition:

* text (streams, ``text/plain``, ``text/html``, ...): equal after the substitutions of
  ``notebooks/nbval_sanitize.cfg`` (addresses, timings), i.e. equal for nbval;
* ``image/png``: same size and every pixel channel within one 8-bit level.  PNG bytes
  are not a stable quantity: anti-aliasing rounds sub-pixel coverage to 8 bits, so data
  that differ in the 15th digit (another BLAS kernel) can move an edge pixel by one
  level, and a different zlib or matplotlib build recompresses identical pixels
  differently.  A real change of a figure (a moved curve, another tick label) changes
  some pixel by more than one level, and is written;
* a cell marked ``# NBVAL_IGNORE_OUTPUT`` (outputs volatile by design: timings, widget
  ids) keeps its committed outputs when they have the same types and MIME keys, and
  the notebook's widget-state metadata is then kept too.

Consecutive stream outputs of a cell are merged first (as nbval does before comparing),
so that the way a kernel happened to flush ``print`` calls does not change the file.
"""

from __future__ import annotations

import base64
import configparser
import io
import re
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
from nbclient import NotebookClient

SANITIZE = Path(__file__).resolve().parent.parent / "notebooks" / "nbval_sanitize.cfg"
IGNORE_MARK = "# NBVAL_IGNORE_OUTPUT"


def sanitizers(path: Path = SANITIZE) -> list[tuple[re.Pattern, str]]:
    """The (regex, replacement) pairs of the nbval sanitize file."""
    parser = configparser.ConfigParser()
    parser.read(path, encoding="utf-8")
    return [
        (re.compile(parser[s]["regex"]), parser[s]["replace"])
        for s in parser.sections()
    ]


def sanitize(text: str, subs: list[tuple[re.Pattern, str]]) -> str:
    for pattern, replacement in subs:
        text = pattern.sub(replacement, text)
    return text


def coalesce_streams(outputs: list) -> list:
    """Merge consecutive stream outputs of the same name (stdout/stderr)."""
    merged: list = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (
            out.get("output_type") == "stream"
            and prev is not None
            and prev.get("output_type") == "stream"
            and prev.get("name") == out.get("name")
        ):
            prev["text"] = prev["text"] + out["text"]
        else:
            merged.append(out)
    return merged


def _pixels(b64: str) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(base64.b64decode(b64))) as img:
        return np.asarray(img.convert("RGBA"), dtype=np.int16)


def same_png(old: str, new: str) -> bool:
    """Same size and every channel of every pixel within one 8-bit level."""
    if old == new:
        return True
    a, b = _pixels(old), _pixels(new)
    return a.shape == b.shape and int(np.max(np.abs(a - b))) <= 1


def _text(value: object) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def same_output(old: dict, new: dict, subs) -> bool:
    """Whether ``new`` differs from the committed ``old`` only in volatile content."""
    if old.get("output_type") != new.get("output_type"):
        return False
    if new.get("output_type") == "stream":
        return old.get("name") == new.get("name") and sanitize(
            _text(old["text"]), subs
        ) == sanitize(_text(new["text"]), subs)
    if new.get("output_type") == "error":
        return False
    old_data, new_data = old.get("data", {}), new.get("data", {})
    if set(old_data) != set(new_data):
        return False
    for mime, value in new_data.items():
        if mime == "image/png":
            if not same_png(_text(old_data[mime]), _text(value)):
                return False
        elif isinstance(value, str | list):
            if sanitize(_text(old_data[mime]), subs) != sanitize(_text(value), subs):
                return False
        elif old_data[mime] != value:
            return False
    return True


def _same_shape(old: list, new: list) -> bool:
    return len(old) == len(new) and all(
        o.get("output_type") == n.get("output_type")
        and set(o.get("data", {})) == set(n.get("data", {}))
        for o, n in zip(old, new, strict=True)
    )


def keep_stable_outputs(committed, executed, subs) -> int:
    """Restore committed outputs that agree with the fresh ones; return how many."""
    before = {c.get("id"): c for c in committed.cells if c.cell_type == "code"}
    kept, all_kept = 0, True
    for cell in executed.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = coalesce_streams(cell.outputs)
        old = before.get(cell.get("id"))
        if old is None or old.source != cell.source:
            all_kept = False
            continue
        old_outputs = coalesce_streams(old.outputs)
        if IGNORE_MARK in cell.source and _same_shape(old_outputs, cell.outputs):
            cell.outputs, kept = old_outputs, kept + len(old_outputs)
            continue
        if len(old_outputs) != len(cell.outputs):
            all_kept = False
            continue
        for i, (o, n) in enumerate(zip(old_outputs, cell.outputs, strict=True)):
            if same_output(o, n, subs):
                cell.outputs[i], kept = o, kept + 1
            else:
                all_kept = False
    if all_kept and "widgets" in committed.metadata:
        executed.metadata["widgets"] = committed.metadata["widgets"]
    return kept


def execute(path: Path, timeout: int = 300) -> float:
    """Execute the notebook at ``path`` in place; return the wall time in seconds."""
    committed = nbformat.read(path, as_version=4)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    keep_stable_outputs(committed, nb, sanitizers())
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    for name in argv:
        seconds = execute(Path(name))
        print(f"{name}: {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
