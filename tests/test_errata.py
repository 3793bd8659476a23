"""Structure of the errata page (book/errata.md) and its links to the chapters.

Every entry must carry a category, the source's words (**Says:**), the correction
(**Correct:**) and its evidence (**Evidence:**), a label ``(erratum-note-…)=`` or
``(erratum-slides-…)=`` on the line before its heading, and must link to at least one
executable check: an ``(evidence-…)=`` target in a chapter's markdown cell whose first
following code cell contains an ``assert``. CONTRIBUTING.md ("Errata") states the rule.

The links also run the other way. Every ``{ref}`` to an ``erratum-…`` label in a chapter
must resolve to an entry, and every place where a chapter corrects a source must link
an entry, so that a reader who meets a correction finds the page's list. "A place where
a chapter corrects a source" is defined operationally (``correcting_cells``): a markdown
cell that

* names a source: a ``{cite}`` role with the key ``shah2025note`` or
  ``lampert2025slides``, or the words "the note" / "the slides" (with possessives), and
* uses correction language: one of the words or phrases of ``_CORRECTION`` ("wrong",
  "false", "missing", "not needed", "corrects", "errata", ...), or a claim verb right
  after the source ("the note writes", "the slides state", "the note's … claims");

or any markdown cell that carries the explicit admonition class ``erratum``
(``:class: erratum``), which a chapter may use to mark a correction; or any markdown
cell holding an ``(evidence-…)=`` target that an entry of the page cites as its
evidence (the page itself says that the cell shows a correction). Such a cell passes
when it contains a ``{ref}`` to an ``erratum-…`` label. Cells that match the rule but do
not correct anything go in ``ALLOWLIST`` with the reason; an allowlist entry that no
longer matches a cell is stale and fails.
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
ERRATA = ROOT / "book" / "errata.md"
CATEGORIES = ("error", "imprecision", "clarification")

# Entries whose evidence is the source's own text: nothing can be computed. Each must be
# a clarification and say "textual" in its evidence.
TEXTUAL = {"Appendix headings cite the wrong sections (note, §8)"}

# Cells that match the correcting-cell rule but correct nothing: (chapter, cell id) ->
# why. Keep the reason specific; a stale entry (no longer flagged) fails.
ALLOWLIST: dict[tuple[str, str], str] = {}

_REF = re.compile(r"\{ref\}`(?:[^`<]*<)?([\w-]+)>?`")
_TARGET = re.compile(r"^\(([\w-]+)\)=\s*$", re.M)
_ASSERT = re.compile(r"^\s*(assert\b|np\.testing\.assert_)", re.M)
_SOURCE = re.compile(
    r"\{cite(?::\w+)?\}`[^`]*\b(?:shah2025note|lampert2025slides)\b[^`]*`"
    r"|\bthe (?:note|slides)\b",
    re.I,
)
_CORRECTION = re.compile(
    r"\b(?:wrong|incorrect(?:ly)?|false|mistak\w*|typos?|should read|must read|missing"
    r"|lacks?|never defined?s?|not needed|misquot\w*|reversed|off[- ]by[- ]one"
    r"|correct(?:s|ed|ions?)|errat(?:um|a)|slips?|overclaim\w*|artefact|artifact"
    r"|does not (?:hold|follow)|cannot be reproduced|not reproduced|contradict\w*"
    r"|not confined|not a bound|refuted)\b",
    re.I,
)
_CLAIM = re.compile(
    r"(?:\bthe (?:note|slides)(?:'s?)?"
    r"|\{cite(?::\w+)?\}`[^`]*\b(?:shah2025note|lampert2025slides)\b[^`]*`)"
    r"\s+(?:[\w-]+\s+){0,3}?"
    r"(?:claims?|claiming|argues?|writes?|says?|states?|calls?|attach(?:es)?|quotes?"
    r"|asserts?)\b",
    re.I,
)
_ERRATUM_CLASS = re.compile(r"^\s*:class:.*\berratum\b", re.M)
_ERRATUM_REF = re.compile(r"\{ref\}`(?:[^`<]*<)?erratum-[\w-]+>?`")


def entries(text: str) -> dict[str, str]:
    """Map each `### ` heading of the errata page to the text of its entry."""
    parts = re.split(r"(?m)^### ", text)[1:]
    return {p.split("\n", 1)[0].strip(): p.split("\n", 1)[1] for p in parts}


def entry_labels(text: str) -> dict[str, str]:
    """Map each `### ` heading to the `(label)=` on the line before it ('' if none)."""
    found = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("### "):
            prev = _TARGET.match(lines[i - 1]) if i else None
            found[line[4:].strip()] = prev.group(1) if prev else ""
    return found


def chapter_paths(root: Path) -> list[Path]:
    return sorted(root.glob("notebooks/*.ipynb")) + sorted(root.glob("book/*.ipynb"))


def notebook_targets(root: Path) -> dict[str, bool]:
    """Map each chapter `(label)=` target to: does the next code cell assert?"""
    found: dict[str, bool] = {}
    for path in chapter_paths(root):
        cells = nbformat.read(path, as_version=4).cells
        for i, cell in enumerate(cells):
            if cell.cell_type != "markdown":
                continue
            nxt = next((c for c in cells[i + 1 :] if c.cell_type == "code"), None)
            asserting = nxt is not None and bool(_ASSERT.search(nxt.source))
            for label in _TARGET.findall(cell.source):
                found[label] = asserting
    return found


def corrects_a_source(source: str) -> bool:
    """Does this markdown text correct a source (the rule of the module docstring)?"""
    text = " ".join(source.split())
    if _ERRATUM_CLASS.search(source):
        return True
    return bool(_SOURCE.search(text)) and bool(
        _CORRECTION.search(text) or _CLAIM.search(text)
    )


def correcting_cells(path: Path, cited: set[str]) -> list[tuple[str, bool]]:
    """(cell id, links an erratum entry?) for every correcting markdown cell of a page.

    ``cited`` holds the evidence labels that the errata page cites; a cell carrying one
    of them is a correcting cell whatever its wording.
    """
    cells = nbformat.read(path, as_version=4).cells
    return [
        (cell.get("id", str(i)), bool(_ERRATUM_REF.search(cell.source)))
        for i, cell in enumerate(cells)
        if cell.cell_type == "markdown"
        and (
            corrects_a_source(cell.source) or set(_TARGET.findall(cell.source)) & cited
        )
    ]


ERRATA_TEXT = ERRATA.read_text(encoding="utf-8")
ENTRIES = entries(ERRATA_TEXT)
LABELS = entry_labels(ERRATA_TEXT)
TARGETS = notebook_targets(ROOT)
CHAPTERS = chapter_paths(ROOT)
CITED = {
    x
    for body in ENTRIES.values()
    for x in _REF.findall(body)
    if x.startswith("evidence-")
}


def test_page_has_entries_for_both_sources():
    assert "(errata-note)=" in ERRATA_TEXT and "(errata-slides)=" in ERRATA_TEXT
    assert sum("(note," in t for t in ENTRIES) >= 20
    assert sum("(slides," in t for t in ENTRIES) >= 5


def test_headings_are_unique():
    headings = re.findall(r"(?m)^### (.*)$", ERRATA_TEXT)
    assert len(headings) == len(set(h.strip() for h in headings))


@pytest.mark.parametrize("title", sorted(ENTRIES), ids=lambda t: LABELS[t] or t)
def test_entry_structure(title):
    body = ENTRIES[title]
    cats = re.findall(r"^\*\*Category:\*\* (\w+)\.$", body, re.M)
    assert len(cats) == 1 and cats[0] in CATEGORIES, f"{title}: category {cats}"
    for field in ("**Says:**", "**Correct", "**Evidence:**"):
        assert body.count(field) == 1, f"{title}: needs exactly one {field}"
    says, correct = body.index("**Says:**"), body.index("**Correct")
    assert says < correct < body.index("**Evidence:**"), title


@pytest.mark.parametrize("title", sorted(ENTRIES), ids=lambda t: LABELS[t] or t)
def test_entry_has_a_label_for_its_source(title):
    """`(erratum-note-…)=` in the note's section, `(erratum-slides-…)=` after it."""
    label = LABELS[title]
    in_slides = ERRATA_TEXT.index(f"### {title}") > ERRATA_TEXT.index(
        "(errata-slides)="
    )
    prefix = "erratum-slides-" if in_slides else "erratum-note-"
    assert label.startswith(prefix), f"{title}: label {label!r} must start {prefix}"
    assert ("(slides," if in_slides else "(note,") in title, title


def test_entry_labels_are_unique():
    labels = [lab for lab in LABELS.values() if lab]
    assert len(labels) == len(set(labels))


@pytest.mark.parametrize("title", sorted(ENTRIES), ids=lambda t: LABELS[t] or t)
def test_entry_links_to_an_assertion(title):
    """Each entry links an `(evidence-…)=` target whose next code cell asserts."""
    body = ENTRIES[title]
    evidence = body[body.index("**Evidence:**") :]
    labels = _REF.findall(evidence)
    if title in TEXTUAL:
        assert re.search(r"^\*\*Category:\*\* clarification\.$", body, re.M)
        assert "textual" in evidence
        return
    missing = [x for x in labels if x.startswith("evidence-") and x not in TARGETS]
    assert not missing, f"{title}: labels not found in any chapter: {missing}"
    asserting = [lab for lab in labels if lab.startswith("evidence-") and TARGETS[lab]]
    assert asserting, f"{title}: no link to an evidence label before an assert cell"


def test_textual_exemptions_are_entries():
    assert TEXTUAL <= set(ENTRIES)


def test_page_links_to_entries_resolve():
    """`{ref}`erratum-…`` links inside the errata page point at its own entries."""
    refs = {x for x in _REF.findall(ERRATA_TEXT) if x.startswith("erratum-")}
    assert refs <= set(LABELS.values()), sorted(refs - set(LABELS.values()))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_erratum_links_resolve(path):
    """Every `{ref}` to an `erratum-…` label in a chapter names an entry of the page."""
    nb = nbformat.read(path, as_version=4)
    refs = {
        x
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for x in _REF.findall(cell.source)
        if x.startswith("erratum-")
    }
    unknown = sorted(refs - set(LABELS.values()))
    assert not unknown, f"{path.name}: links to no errata entry: {unknown}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_corrections_link_an_entry(path):
    """Every cell of a chapter that corrects a source links an erratum entry."""
    unlinked = [
        cid
        for cid, linked in correcting_cells(path, CITED)
        if not linked and (path.stem, cid) not in ALLOWLIST
    ]
    assert not unlinked, (
        f"{path.name}: cells that correct a source but link no erratum entry "
        f"(add a {{ref}}`erratum-…` link, or allowlist with a reason): {unlinked}"
    )


def test_allowlist_is_current():
    """Allowlisted cells exist, still match the rule, and each has a reason."""
    flagged = {
        (path.stem, cid)
        for path in CHAPTERS
        for cid, _ in correcting_cells(path, CITED)
    }
    stale = sorted(set(ALLOWLIST) - flagged)
    assert not stale, f"allowlist entries that no longer match a cell: {stale}"
    assert all(len(reason.split()) >= 4 for reason in ALLOWLIST.values())


def test_parsers_detect_a_missing_assertion(tmp_path):
    """The checks above can fail: a label before a print-only cell is not evidence."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("(evidence-a)=\ntext"),
        nbformat.v4.new_code_cell("print(1)"),
        nbformat.v4.new_markdown_cell("(evidence-b)=\n(evidence-c)=\ntext"),
        nbformat.v4.new_code_cell("x = 1\nassert x == 1"),
    ]
    (tmp_path / "notebooks").mkdir()
    nbformat.write(nb, tmp_path / "notebooks" / "x.ipynb")
    assert notebook_targets(tmp_path) == {
        "evidence-a": False,
        "evidence-b": True,
        "evidence-c": True,
    }
    page = (
        "(erratum-note-t)=\n### T (note, §1)\n\n**Category:** error.\n\n**Says:** a\n\n"
    )
    page += "**Correct:** b\n\n"
    page += "**Evidence:** {ref}`x <evidence-a>` and {ref}`evidence-b`.\n"
    ((title, body),) = entries(page).items()
    assert title == "T (note, §1)"
    assert entry_labels(page) == {"T (note, §1)": "erratum-note-t"}
    assert _REF.findall(body) == ["evidence-a", "evidence-b"]


def test_detector_flags_corrections_and_only_them(tmp_path):
    """The correcting-cell rule: source + correction language, or the erratum class."""
    link = "({ref}`erratum-note-x`)"
    cases = {
        "a": ("The note's step bound is wrong: it should be $1/L$.", True),
        "b": ("The slides\nwrite $\\delta>0$; the textbook needs $\\delta<1$.", True),
        "c": ("As {cite}`shah2025note` claims, the rate is linear in $\\kappa$.", True),
        "d": ("Section 2 of {cite}`shah2025note` sets up the model.", False),
        "e": ("The training error is false-positive free; the bound is wrong.", False),
        "f": (":::{admonition} Source slip\n:class: erratum\nA typo.\n:::", True),
        "g": ("The note's Proposition 1 is corrected here " + link + ".", True),
        "h": ("See {cite}`lampert2025slides`, whose constant is misquoted.", True),
        "i": ("(evidence-q)=\nThe next cell checks the constant.", False),
        "j": ("(evidence-r)=\nThe next cell checks the rate.", False),
    }
    for text, expected in cases.values():
        assert corrects_a_source(text) is expected, text
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(t) for t, _ in cases.values()]
    for cell, key in zip(nb.cells, cases, strict=True):
        cell["id"] = key
    nbformat.write(nb, tmp_path / "x.ipynb")
    # a cell with an evidence label cited by the page corrects a source (i), another
    # evidence label (j) does not make it one
    assert correcting_cells(tmp_path / "x.ipynb", {"evidence-q"}) == [
        ("a", False),
        ("b", False),
        ("c", False),
        ("f", False),
        ("g", True),
        ("h", False),
        ("i", False),
    ]
