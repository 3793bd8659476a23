"""Numbers in prose are glued, not retyped.

Every page of the book (the chapters' markdown cells and figure captions, and the
markdown pages under ``book/``) is scanned for numeric literals outside code, roles
and labels.  A literal is *flagged* when it has a decimal part (``0.443``), an exponent
(``1e-10``) or an integer value of at least 100 (``4126``, ``2,000``): small integers
are structural ("two tasks", "Theorem 1") and are not flagged.  Numbers pasted with
``{glue:text}`` (``mtlnotes.glue.glue`` in the computing cell) are inside a role and
are never flagged.

Every flagged literal of a page must appear in that page's allowlist,
``tests/unglued/<page>.yml``, a mapping ``"literal": "category: reason"`` whose
category says why it is not glued:

* ``parameter``: a value the chapter sets (a sample size, a seed, a grid point);
* ``source``: a value quoted from a source or a reference, cited where it appears;
* ``derived``: a closed form obtained by hand in the text (``103/32 = 3.21875``);
* ``other``: anything else, with the reason spelled out (a year, a version).

An allowlist entry that no longer occurs on its page is stale and fails too.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ALLOW_DIR = ROOT / "tests" / "unglued"
CATEGORIES = ("parameter", "source", "derived", "other")

PAGES = (
    sorted(ROOT.glob("notebooks/*.ipynb"))
    + sorted(ROOT.glob("book/*.ipynb"))
    + [p for p in sorted(ROOT.glob("book/*.md")) if p.name != "references.md"]
)

_FENCED_CODE = re.compile(r"^(`{3,})[^\n]*\n.*?^\1\s*$", re.M | re.S)
_ROLE = re.compile(r"\{[\w:.-]+\}`[^`]*`")
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_LINK_TARGET = re.compile(r"\]\([^)]*\)|<https?://[^>]*>|https?://\S+")
_LABEL_LINE = re.compile(r"^\s*\([\w-]+\)=\s*$", re.M)
_OPTION_LINE = re.compile(r"^\s*:[\w-]+:.*$", re.M)
_DIRECTIVE_ARG = re.compile(r"^\s*:{3,}\{[\w:-]+\}.*$", re.M)
_HTML_TAG = re.compile(r"<[^>\n]+>")
# a number: digits with optional thousands separators, decimals and exponent; not
# glued to a letter, digit or dot on either side (so "ex-2", "v1.2.3" are skipped)
_NUMBER = re.compile(
    r"(?<![\w.\\])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w]|\.\d)"
)
# TeX thin spaces used as thousands separators: 10\,040.9 is one number
_TEX_THOUSANDS = re.compile(r"(?<=\d)\\[,;! ](?=\d{3})")


def prose_of(text: str) -> str:
    """Remove from markdown what is not prose: code, roles, labels, options, links."""
    text = _TEX_THOUSANDS.sub(",", text)
    for pattern in (
        _COMMENT,
        _FENCED_CODE,
        _ROLE,
        _INLINE_CODE,
        _LINK_TARGET,
        _LABEL_LINE,
        _OPTION_LINE,
        _DIRECTIVE_ARG,
        _HTML_TAG,
    ):
        text = pattern.sub(" ", text)
    return text


def flagged(text: str) -> set[str]:
    """The numeric literals of ``text`` that must be glued or allowlisted."""
    found = set()
    for match in _NUMBER.finditer(prose_of(text)):
        literal = match.group(0).rstrip(".")
        plain = literal.replace(",", "")
        has_fraction = "." in plain or "e" in plain.lower()
        if has_fraction or float(plain) >= 100:
            found.add(literal)
    return found


def page_texts(path: Path) -> list[str]:
    """The markdown a reader sees on a page: markdown cells and figure captions."""
    if path.suffix == ".md":
        return [path.read_text(encoding="utf-8")]
    texts = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            texts.append(cell.source)
        figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
        if figure.get("caption"):
            texts.append(figure["caption"])
    return texts


def allowlist(path: Path) -> dict[str, str]:
    """The page's allowlist (empty when the file does not exist)."""
    file = ALLOW_DIR / f"{path.stem}.yml"
    if not file.exists():
        return {}
    data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    assert isinstance(data, dict), f"{file.name} must be a mapping literal -> reason"
    return {str(k): str(v) for k, v in data.items()}


def test_scanner_flags_what_it_should():
    text = (
        "The bound is 0.443 at m = 2,000 and 4126 steps; Theorem 2 holds for 3 tasks.\n"
        "A tolerance of 1e-10, $\\hat R = 0.35$, glued {glue:text}`x:.3f`, "
        "code `0.5`, label (fig-a-1)=\n```python\nx = 0.25\n```\n"
        "see [here](https://a.b/0.77) and ex-compression-2, version 1.2.3."
    )
    assert flagged(text) == {"0.443", "2,000", "4126", "1e-10", "0.35"}


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_every_computed_number_is_glued_or_allowlisted(path):
    allowed = allowlist(path)
    found = set().union(*(flagged(t) for t in page_texts(path)))
    missing = sorted(found - set(allowed))
    assert not missing, (
        f"{path.name}: numeric literals neither glued nor in "
        f"tests/unglued/{path.stem}.yml: {missing}"
    )
    stale = sorted(set(allowed) - found)
    assert not stale, f"tests/unglued/{path.stem}.yml: entries not on the page: {stale}"
    for literal, reason in allowed.items():
        category = reason.split(":", 1)[0].strip()
        assert category in CATEGORIES and ":" in reason and reason.split(":", 1)[1], (
            f"tests/unglued/{path.stem}.yml: {literal!r} needs 'category: reason' "
            f"with a category in {CATEGORIES}"
        )
