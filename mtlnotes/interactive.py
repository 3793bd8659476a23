"""Interactive figures that also work in the static book, with no kernel behind them.

A slider over one parameter is shown in one of two ways:

* **with a reader at a live notebook** (Jupyter, JupyterLab, Colab, VS Code): an
  ``ipywidgets`` slider redraws the figure for the chosen value;
* **when the notebook is executed without a reader** (the book's build, nbval,
  ``nbclient``): the figure is drawn in advance for every value on the grid and
  shown as a plain HTML range input that switches between the stored frames with
  a few lines of inline JavaScript.  No widget state is saved, no external script
  is needed, and without JavaScript all frames are simply shown one below the
  other.

The two cases are told apart by whether the kernel may ask its front end for input
(``allow_stdin``): every interactive front end allows it, while nbclient and nbval
do not.  The committed outputs are therefore always the static ones, which is what
the rendered book needs.

Stability for nbval: the frames are separate ``image/png`` outputs (which nbval does
not compare, as for every other figure) and the text of the controller depends only
on the grid, its labels and the slider's name, so the committed text is identical on
every CPU and every matplotlib version.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
from base64 import b64encode
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mtlnotes._validate import as_float_array, check_int

__all__ = ["front_end_attached", "render_frames", "slider_controller", "slider_figure"]

MAX_FRAMES = 81
Mode = Literal["auto", "widget", "static"]


def front_end_attached() -> bool:
    """Whether a reader's notebook front end is attached to the running kernel.

    Returns
    -------
    bool
        ``True`` inside an IPython kernel whose current request allows input from
        the front end (``allow_stdin``), as Jupyter, JupyterLab, Colab and VS Code
        do; ``False`` outside IPython and under nbclient or nbval, which execute
        notebooks with ``allow_stdin=False``.

    Notes
    -----
    Used by :func:`slider_figure` (``mode="auto"``) to choose between the live
    ``ipywidgets`` slider and the static frames (chapters: gradient descent and
    conditioning, MAP/ridge).
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with every kernel
        return False
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    return bool(getattr(kernel, "_allow_stdin", False))


def _check_grid(values: Sequence[float] | np.ndarray) -> np.ndarray:
    grid = as_float_array(values, "values")
    if grid.ndim != 1 or not 2 <= grid.size <= MAX_FRAMES:
        raise ValueError(
            f"values must be a 1-D grid of 2 to {MAX_FRAMES} numbers, "
            f"got shape {grid.shape}"
        )
    if np.any(np.diff(grid) <= 0):
        raise ValueError("values must be strictly increasing")
    return grid


def _check_draw(draw: object) -> None:
    if not callable(draw):
        raise TypeError(
            f"draw must be a callable draw(ax, value), got {type(draw).__name__}"
        )


def _check_label(label: object) -> str:
    if not isinstance(label, str):
        raise TypeError(f"label must be a str, got {type(label).__name__}")
    if not label:
        raise ValueError("label must be a non-empty string")
    return label


def _check_figure(figsize: object, dpi: object) -> tuple[tuple[float, float], int]:
    """``figsize`` as two floats > 0 and ``dpi`` in [20, 300], frames < 2**16 px."""
    size = as_float_array(figsize, "figsize")
    if size.shape != (2,) or np.any(size <= 0):
        raise ValueError("figsize must be two numbers > 0 (width, height in inches)")
    dots = check_int(dpi, "dpi", minimum=20)
    if dots > 300:
        raise ValueError(f"dpi must be an integer in [20, 300], got {dots}")
    if np.any(size >= 2**16 / dots):  # Agg's limit on an image side (no overflow)
        raise ValueError(
            f"figsize times dpi must stay below 2**16 pixels a side, got "
            f"{size[0]:.3g} x {size[1]:.3g} inches at {dots} dpi"
        )
    width, height = size.tolist()
    return (width, height), dots


def _check_fmt(fmt: object) -> str:
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a str such as '{{:.3g}}', got {fmt!r}")
    try:
        fmt.format(0.5)
    except (ValueError, IndexError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(
            f"fmt must format one number, as fmt.format(value); {fmt!r} fails: {err}"
        ) from None
    return fmt


def _initial_index(grid: np.ndarray, initial: float | None) -> int:
    if initial is None:
        return grid.size // 2
    point = as_float_array(initial, "initial")
    if point.ndim != 0:
        raise ValueError(f"initial must be one number, got shape {point.shape}")
    start = float(point)
    if not grid[0] <= start <= grid[-1]:
        raise ValueError(
            f"initial must lie in [{grid[0]:g}, {grid[-1]:g}] (the grid), got {start:g}"
        )
    return int(np.argmin(np.abs(grid - start)))


def render_frames(
    draw: Callable[[Axes, float], object],
    values: Sequence[float] | np.ndarray,
    *,
    figsize: tuple[float, float] = (6.5, 4.0),
    dpi: int = 80,
) -> list[bytes]:
    """Draw the figure once per grid value and return the PNG images.

    Parameters
    ----------
    draw : callable
        ``draw(ax, value)`` draws the figure for ``value`` on the Matplotlib axes
        ``ax``.
    values : sequence of float
        The slider's grid: 2 to ``MAX_FRAMES`` (81) strictly increasing numbers.
    figsize : (float, float)
        Figure size in inches, both > 0.
    dpi : int
        Resolution, an integer in [20, 300].

    Returns
    -------
    list of bytes
        One PNG per value, all of the same pixel size
        (``figsize[0]·dpi`` by ``figsize[1]·dpi``).

    Raises
    ------
    TypeError
        If ``draw`` is not callable, or ``values``, ``figsize`` or ``dpi`` is not
        numeric (``dpi`` not an integer).
    ValueError
        If ``values``, ``figsize`` or ``dpi`` is out of range, or a frame would be
        :math:`2^{16}` pixels or more a side (``figsize[i]·dpi``).

    Notes
    -----
    Each frame is a fresh :class:`matplotlib.figure.Figure` with the Agg canvas and
    a constrained layout, so nothing is shown by the notebook's inline backend and
    no pyplot state is touched (chapters: gradient descent and conditioning,
    MAP/ridge).
    """
    _check_draw(draw)
    grid = _check_grid(values)
    size, dots = _check_figure(figsize, dpi)
    frames = []
    for value in grid.tolist():
        fig = Figure(figsize=size, dpi=dots, layout="constrained")
        FigureCanvasAgg(fig)
        draw(fig.add_subplot(), value)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dots)
        frames.append(buffer.getvalue())
    return frames


def slider_controller(labels: Sequence[str], *, label: str, initial_index: int) -> str:
    """HTML and inline JavaScript of a range input that switches stored frames.

    Parameters
    ----------
    labels : sequence of str
        The text shown for each grid value (2 to ``MAX_FRAMES`` entries).
    label : str
        The slider's name, e.g. ``"log10 κ"`` (non-empty).
    initial_index : int
        The frame shown first, in ``[0, len(labels) - 1]``.

    Returns
    -------
    str
        A ``<div class="mtl-slider">`` holding a ``<label>``, an
        ``<input type="range">`` and an ``<output>``, followed by a ``<script>``.
        The script finds the ``len(labels)`` images that follow the controller in
        the same cell output and shows only the selected one.  The text depends
        only on the arguments (its element id is a hash of them).

    Raises
    ------
    TypeError
        If ``labels`` is a str or not iterable, ``label`` is not a str, or
        ``initial_index`` is not an integer.
    ValueError
        If ``labels`` has the wrong length, ``label`` is empty or
        ``initial_index`` is out of range.
    """
    message = f"labels must be a sequence of str (a list), got {type(labels).__name__}"
    if isinstance(labels, str | bytes):
        raise TypeError(message)
    try:
        texts = [str(t) for t in labels]
    except TypeError:  # not iterable
        raise TypeError(message) from None
    if not 2 <= len(texts) <= MAX_FRAMES:
        raise ValueError(
            f"labels must hold 2 to {MAX_FRAMES} entries, got {len(texts)}"
        )
    _check_label(label)
    start = check_int(initial_index, "initial_index", minimum=0)
    if start >= len(texts):
        raise ValueError(
            f"initial_index must lie in [0, {len(texts) - 1}], got {initial_index}"
        )
    key = json.dumps([label, texts, start], ensure_ascii=True)
    uid = "mtl-slider-" + hashlib.sha256(key.encode()).hexdigest()[:12]
    name = html.escape(label)
    data = html.escape(json.dumps(texts, ensure_ascii=True))
    first = html.escape(texts[start])
    return f"""<div class="mtl-slider" id="{uid}" data-labels="{data}">
<label for="{uid}-input">{name} = <output for="{uid}-input">{first}</output></label>
<input type="range" id="{uid}-input" min="0" max="{len(texts) - 1}" step="1" \
value="{start}" aria-label="{name}" style="width: 60%; vertical-align: middle">
</div>
<script>
(function () {{
  var box = document.getElementById("{uid}");
  var labels = JSON.parse(box.dataset.labels);
  function setup() {{
    var scope = box.closest(".cell_output") || box.closest(".jp-OutputArea") ||
      box.closest(".output") || document;
    var all = Array.prototype.slice.call(scope.querySelectorAll("img"));
    var frames = all.filter(function (img) {{
      return box.compareDocumentPosition(img) & Node.DOCUMENT_POSITION_FOLLOWING;
    }}).slice(0, labels.length);
    if (frames.length !== labels.length) {{ return; }}
    var input = box.querySelector("input"), shown = box.querySelector("output");
    function show(i) {{
      frames.forEach(function (img, j) {{
        img.style.display = j === i ? "" : "none";
      }});
      shown.textContent = labels[i];
    }}
    input.addEventListener("input", function () {{ show(Number(input.value)); }});
    show(Number(input.value));
  }}
  if (document.readyState === "loading") {{
    document.addEventListener("DOMContentLoaded", setup);
  }} else {{
    setup();
  }}
}})();
</script>
"""


def _display(obj: object, *, raw: bool = False) -> None:
    from IPython.display import display

    display(obj, raw=raw)


def slider_figure(
    draw: Callable[[Axes, float], object],
    values: Sequence[float] | np.ndarray,
    *,
    label: str,
    initial: float | None = None,
    fmt: str = "{:.3g}",
    figsize: tuple[float, float] = (6.5, 4.0),
    dpi: int = 80,
    mode: Mode = "auto",
) -> None:
    """Show a figure with a slider over one parameter, live or precomputed.

    Parameters
    ----------
    draw : callable
        ``draw(ax, value)`` draws the figure for ``value`` on the axes ``ax``.
    values : sequence of float
        The slider's grid: 2 to 81 strictly increasing numbers.
    label : str
        The slider's name shown to the reader, e.g. ``"log10 κ"``.
    initial : float, optional
        The value shown first (the nearest grid point is used); it must lie in
        ``[values[0], values[-1]]``.  Default: the middle of the grid.
    fmt : str
        Format of the displayed value, applied as ``fmt.format(value)``.
    figsize : (float, float)
        Figure size in inches, both > 0.
    dpi : int
        Resolution of the static frames, an integer in [20, 300].
    mode : {"auto", "widget", "static"}
        ``"widget"``: an ``ipywidgets`` selection slider that calls ``draw`` on a
        fresh figure; ``"static"``: a controller (:func:`slider_controller`)
        followed by the frames (:func:`render_frames`), one ``image/png`` output
        each; ``"auto"``: ``"widget"`` if :func:`front_end_attached` and
        ``ipywidgets`` is installed, else ``"static"``.

    Raises
    ------
    TypeError
        If ``draw`` is not callable, ``label`` or ``fmt`` is not a str, or a
        number is not numeric (see :func:`render_frames`).
    ValueError
        If ``mode`` is not one of the three names, ``fmt`` does not format one
        number, or another argument is out of range (see :func:`render_frames`
        and :func:`slider_controller`).  Everything is checked before anything
        is drawn or shown, in either mode.

    Notes
    -----
    The static outputs are, in order: a ``text/html`` controller whose
    ``text/plain`` reads ``Slider <label>: <n> frames, <first> to <last>``, and one
    ``image/png`` per grid value whose ``text/plain`` names its value.  Used by the
    chapters on gradient descent and conditioning (``log10 κ``) and MAP/ridge
    (``log10 λ``).
    """
    if mode not in ("auto", "widget", "static"):
        raise ValueError(f"mode must be 'auto', 'widget' or 'static', got {mode!r}")
    _check_draw(draw)
    grid = _check_grid(values)
    _check_label(label)
    start = _initial_index(grid, initial)
    _check_fmt(fmt)
    _check_figure(figsize, dpi)
    texts = [fmt.format(v) for v in grid.tolist()]
    if mode == "auto":
        try:
            import ipywidgets  # noqa: F401
        except ImportError:  # pragma: no cover - ipywidgets is a dependency
            mode = "static"
        else:
            mode = "widget" if front_end_attached() else "static"
    if mode == "widget":
        _display(_widget(draw, grid, texts, label=label, start=start, figsize=figsize))
        return
    frames = render_frames(draw, grid, figsize=figsize, dpi=dpi)
    controller = slider_controller(texts, label=label, initial_index=start)
    summary = f"Slider {label}: {len(texts)} frames, {texts[0]} to {texts[-1]}"
    _display({"text/html": controller, "text/plain": summary}, raw=True)
    for text, png in zip(texts, frames, strict=True):
        bundle = {
            "image/png": b64encode(png).decode("ascii"),
            "text/plain": f"<frame: {label} = {text}>",
        }
        _display(bundle, raw=True)


def _widget(
    draw: Callable[[Axes, float], object],
    grid: np.ndarray,
    texts: list[str],
    *,
    label: str,
    start: int,
    figsize: tuple[float, float],
) -> object:
    """The live version: ``ipywidgets.interactive`` over a selection slider."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    slider = widgets.SelectionSlider(
        options=list(zip(texts, grid.tolist(), strict=True)),
        value=grid[start].item(),
        description=label,
    )

    def show(value: float) -> None:
        fig = plt.figure(figsize=figsize, layout="constrained")
        draw(fig.add_subplot(), value)
        plt.show()

    return widgets.interactive(show, value=slider)
