"""scripts/execute_notebooks.py keeps committed outputs that differ only in volatile
content (sanitized text, one-level anti-aliasing noise, ignored cells)."""

from __future__ import annotations

import base64
import importlib.util
import io
from pathlib import Path

import nbformat
import numpy as np
from PIL import Image

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "execute_notebooks.py"
spec = importlib.util.spec_from_file_location("execute_notebooks", SCRIPT)
ex = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ex)


def png(pixels: np.ndarray, level: int = 6) -> str:
    buf = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(
        buf, format="PNG", compress_level=level
    )
    return base64.b64encode(buf.getvalue()).decode()


def test_same_png_tolerates_one_level_only():
    img = np.random.default_rng(0).integers(0, 250, size=(20, 30, 4))
    assert ex.same_png(png(img), png(img, level=1))  # other bytes, same pixels
    one = img.copy()
    one[3, 4, 0] += 1
    assert ex.same_png(png(img), png(one))
    two = img.copy()
    two[3, 4, 0] += 2
    assert not ex.same_png(png(img), png(two))
    assert not ex.same_png(png(img), png(img[:, :29]))


def _nb(outputs_by_cell, widgets=None):
    nb = nbformat.v4.new_notebook()
    for i, (src, outputs) in enumerate(outputs_by_cell):
        cell = nbformat.v4.new_code_cell(src)
        cell.id = f"c{i}"
        cell.outputs = [nbformat.from_dict(o) for o in outputs]
        nb.cells.append(cell)
    if widgets is not None:
        nb.metadata["widgets"] = widgets
    return nb


def stream(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def test_keep_stable_outputs():
    subs = ex.sanitizers()
    img = np.zeros((5, 5, 4))
    old = _nb(
        [
            ("print(1)", [stream("took 1.5 s, x = 0.25\n")]),
            ("print(2)", [stream("x = 0.25\n")]),
            ("# NBVAL_IGNORE_OUTPUT\nw()", [stream("ratio 56x\n")]),
            (
                "plot()",
                [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"image/png": png(img), "text/plain": "<Figure>"},
                    }
                ],
            ),
        ],
        widgets={"state": "old"},
    )
    img2 = img.copy()
    img2[0, 0, 0] = 1
    new = _nb(
        [
            ("print(1)", [stream("took 2.0 s, "), stream("x = 0.25\n")]),
            ("print(2)", [stream("x = 0.26\n")]),
            ("# NBVAL_IGNORE_OUTPUT\nw()", [stream("ratio 99x\n")]),
            (
                "plot()",
                [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"image/png": png(img2), "text/plain": "<Figure>"},
                    }
                ],
            ),
        ],
        widgets={"state": "new"},
    )
    ex.keep_stable_outputs(old, new, subs)
    assert new.cells[0].outputs[0]["text"] == "took 1.5 s, x = 0.25\n"  # timing masked
    assert new.cells[1].outputs[0]["text"] == "x = 0.26\n"  # a real change is written
    assert new.cells[2].outputs[0]["text"] == "ratio 56x\n"  # ignored cell kept
    assert new.cells[3].outputs[0]["data"]["image/png"] == png(img)
    assert new.metadata["widgets"] == {"state": "new"}  # not every output was kept


def test_changed_source_gets_fresh_outputs():
    old = _nb([("print(1)", [stream("1\n")])])
    new = _nb([("print(1 + 0)", [stream("1\n"), stream("2\n")])])
    ex.keep_stable_outputs(old, new, ex.sanitizers())
    assert (
        len(new.cells[0].outputs) == 1 and new.cells[0].outputs[0]["text"] == "1\n2\n"
    )
