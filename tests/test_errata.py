"""Structure of the errata page (book/errata.md).

Every entry must carry a category, the source's words (**Says:**), the correction
(**Correct:**) and its evidence (**Evidence:**), and must link to at least one
executable check: a `(label)=` target in a chapter's markdown cell whose first
following code cell contains an `assert`. CONTRIBUTING.md ("Errata") states the rule.
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

_REF = re.compile(r"\{ref\}`(?:[^`<]*<)?([\w-]+)>?`")
_TARGET = re.compile(r"^\(([\w-]+)\)=\s*$", re.M)
_ASSERT = re.compile(r"^\s*(assert\b|np\.testing\.assert_)", re.M)


def entries(text: str) -> dict[str, str]:
    """Map each `### ` heading of the errata page to the text of its entry."""
    parts = re.split(r"(?m)^### ", text)[1:]
    return {p.split("\n", 1)[0].strip(): p.split("\n", 1)[1] for p in parts}


def notebook_targets(root: Path) -> dict[str, bool]:
    """Map each chapter `(label)=` target to: does the next code cell assert?"""
    found: dict[str, bool] = {}
    paths = sorted(root.glob("notebooks/*.ipynb")) + sorted(root.glob("book/*.ipynb"))
    for path in paths:
        cells = nbformat.read(path, as_version=4).cells
        for i, cell in enumerate(cells):
            if cell.cell_type != "markdown":
                continue
            nxt = next((c for c in cells[i + 1 :] if c.cell_type == "code"), None)
            asserting = nxt is not None and bool(_ASSERT.search(nxt.source))
            for label in _TARGET.findall(cell.source):
                found[label] = asserting
    return found


ENTRIES = entries(ERRATA.read_text(encoding="utf-8"))
TARGETS = notebook_targets(ROOT)


def test_page_has_entries_for_both_sources():
    text = ERRATA.read_text(encoding="utf-8")
    assert "(errata-note)=" in text and "(errata-slides)=" in text
    assert sum("(note," in t for t in ENTRIES) >= 20
    assert sum("(slides," in t for t in ENTRIES) >= 5


@pytest.mark.parametrize("title", sorted(ENTRIES))
def test_entry_structure(title):
    body = ENTRIES[title]
    cats = re.findall(r"^\*\*Category:\*\* (\w+)\.$", body, re.M)
    assert len(cats) == 1 and cats[0] in CATEGORIES, f"{title}: category {cats}"
    for field in ("**Says:**", "**Correct", "**Evidence:**"):
        assert body.count(field) == 1, f"{title}: needs exactly one {field}"
    says, correct = body.index("**Says:**"), body.index("**Correct")
    assert says < correct < body.index("**Evidence:**"), title


@pytest.mark.parametrize("title", sorted(ENTRIES))
def test_entry_links_to_an_assertion(title):
    body = ENTRIES[title]
    evidence = body[body.index("**Evidence:**") :]
    labels = _REF.findall(evidence)
    if title in TEXTUAL:
        assert re.search(r"^\*\*Category:\*\* clarification\.$", body, re.M)
        assert "textual" in evidence
        return
    missing = [x for x in labels if x.startswith("evidence-") and x not in TARGETS]
    assert not missing, f"{title}: labels not found in any chapter: {missing}"
    asserting = [lab for lab in labels if TARGETS.get(lab)]
    assert asserting, f"{title}: no link to a label before an assert cell ({labels})"


def test_textual_exemptions_are_entries():
    assert TEXTUAL <= set(ENTRIES)


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
    page = "### T (note, §1)\n\n**Category:** error.\n\n**Says:** a\n\n"
    page += "**Correct:** b\n\n"
    page += "**Evidence:** {ref}`x <evidence-a>` and {ref}`evidence-b`.\n"
    ((title, body),) = entries(page).items()
    assert title == "T (note, §1)"
    assert _REF.findall(body) == ["evidence-a", "evidence-b"]
