"""Tests for mtlnotes.interactive: sliders that work with and without a kernel."""

from __future__ import annotations

import base64
import html
import json
import re
import struct

import numpy as np
import pytest

from mtlnotes import interactive


def draw_line(ax, value: float) -> None:
    """A figure that depends on the value: a line of slope ``value``."""
    x = np.linspace(0.0, 1.0, 5)
    ax.plot(x, value * x)
    ax.set_ylim(-2, 2)


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_render_frames_one_png_per_value_same_size():
    frames = interactive.render_frames(
        draw_line, [-1.0, 0.0, 1.0], figsize=(3, 2), dpi=50
    )
    assert len(frames) == 3
    assert {png_size(f) for f in frames} == {(150, 100)}
    assert len(set(frames)) == 3  # the drawing depends on the value


def test_render_frames_are_reproducible():
    a = interactive.render_frames(draw_line, [0.5, 1.5], figsize=(2, 2), dpi=40)
    b = interactive.render_frames(draw_line, [0.5, 1.5], figsize=(2, 2), dpi=40)
    assert a == b


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"values": [1.0]}, "values"),
        ({"values": [[0.0, 1.0]]}, "values"),
        ({"values": [1.0, 0.0]}, "values"),
        ({"values": [0.0, np.nan]}, "values"),
        ({"values": np.arange(interactive.MAX_FRAMES + 1.0)}, "values"),
        ({"values": [0.0, 1.0], "figsize": (0, 2)}, "figsize"),
        ({"values": [0.0, 1.0], "figsize": (1, 2, 3)}, "figsize"),
        ({"values": [0.0, 1.0], "dpi": 10}, "dpi"),
        ({"values": [0.0, 1.0], "dpi": 301}, "dpi"),
    ],
)
def test_render_frames_rejects_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        interactive.render_frames(draw_line, **kwargs)


def test_controller_is_self_contained_and_deterministic():
    labels = ["0", "0.5", "1"]
    page = interactive.slider_controller(labels, label="log10 κ", initial_index=1)
    assert page == interactive.slider_controller(
        labels, label="log10 κ", initial_index=1
    )
    assert page != interactive.slider_controller(
        labels, label="log10 κ", initial_index=2
    )
    assert "<script>" in page and "src=" not in page and "http" not in page
    assert 'max="2"' in page and 'value="1"' in page
    stored = re.search(r'data-labels="([^"]*)"', page).group(1)
    assert json.loads(html.unescape(stored)) == labels
    assert ">0.5</output>" in page  # the initial label is shown without JavaScript


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"labels": ["a"], "label": "x", "initial_index": 0}, "labels"),
        ({"labels": ["a", "b"], "label": "", "initial_index": 0}, "label"),
        ({"labels": ["a", "b"], "label": "x", "initial_index": 2}, "initial_index"),
        ({"labels": ["a", "b"], "label": "x", "initial_index": -1}, "initial_index"),
    ],
)
def test_controller_rejects_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        interactive.slider_controller(**kwargs)


@pytest.fixture
def shown(monkeypatch):
    """Collect what slider_figure displays instead of sending it to a front end."""
    out: list[object] = []
    monkeypatch.setattr(interactive, "_display", lambda obj, raw=False: out.append(obj))
    return out


def test_static_mode_shows_controller_then_frames(shown):
    interactive.slider_figure(
        draw_line,
        [0.0, 0.5, 1.0],
        label="slope",
        initial=0.6,
        figsize=(2, 2),
        dpi=30,
        mode="static",
    )
    controller, *frames = shown
    assert controller["text/plain"] == "Slider slope: 3 frames, 0 to 1"
    assert 'value="1"' in controller["text/html"]  # 0.6 is nearest to 0.5
    assert [f["text/plain"] for f in frames] == [
        "<frame: slope = 0>",
        "<frame: slope = 0.5>",
        "<frame: slope = 1>",
    ]
    pngs = [base64.b64decode(f["image/png"]) for f in frames]
    assert pngs == interactive.render_frames(
        draw_line, [0.0, 0.5, 1.0], figsize=(2, 2), dpi=30
    )


def test_auto_mode_is_static_without_a_front_end(shown):
    assert not interactive.front_end_attached()
    interactive.slider_figure(draw_line, [0.0, 1.0], label="s", figsize=(1, 1), dpi=20)
    assert len(shown) == 3 and "text/html" in shown[0]


def test_auto_mode_is_a_widget_when_the_front_end_allows_input(shown, monkeypatch):
    monkeypatch.setattr(interactive, "front_end_attached", lambda: True)
    interactive.slider_figure(draw_line, [0.0, 1.0, 2.0], label="s", initial=2.0)
    (widget,) = shown
    slider = widget.children[0]
    assert slider.options == (("0", 0.0), ("1", 1.0), ("2", 2.0))
    assert slider.value == 2.0 and slider.label == "2"
    assert slider.description == "s"


def test_front_end_attached_reads_allow_stdin(monkeypatch):
    import IPython

    class Kernel:
        _allow_stdin = True

    class Shell:
        kernel = Kernel()

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    assert interactive.front_end_attached()
    Kernel._allow_stdin = False
    assert not interactive.front_end_attached()


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"mode": "live"}, "mode"),
        ({"initial": 5.0}, "initial"),
        ({"initial": -0.1}, "initial"),
    ],
)
def test_slider_figure_rejects_bad_input(shown, kwargs, name):
    with pytest.raises(ValueError, match=name):
        interactive.slider_figure(draw_line, [0.0, 1.0], label="s", **kwargs)
    assert shown == []
