"""The PDF of the book (``make pdf``), built from the session's HTML build and read
back with poppler's tools.

``scripts/build_pdf.py`` prints the strict HTML build (``book_html``) with headless
Chromium into ``_build/pdf/mtlnotes.pdf``.  The checks read the PDF only through
``pdftotext``, ``pdfimages`` and ``pdftoppm``, and compare it with the sources:

* every page of ``_toc.yml`` starts a sheet whose first line is its title, in
  table-of-contents order, and has a bookmark;
* the PDF holds at least as many images as the book has figures;
* no raw TeX (``$``, ``\\frac``, ``\\(`` ...) and no unresolved reference (``??``)
  outside printed code, and none of the solutions, install cells or hidden tests;
* the first sheet of three chapters is rendered to ``_build/pdf/pages/`` so that a
  person can look at them.

The test is skipped where Chromium or poppler is missing, unless
``MTLNOTES_REQUIRE_BROWSER=1`` (CI), where it fails.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _book import ROOT
from _cdp import find_chromium

pytestmark = pytest.mark.slow

PDF_DIR = ROOT / "_build" / "pdf"
POPPLER = ("pdftotext", "pdfimages", "pdftoppm", "pdfinfo")
MISSING = [t for t in POPPLER if shutil.which(t) is None]
if find_chromium() is None:
    MISSING.append("chromium")
if MISSING and os.environ.get("MTLNOTES_REQUIRE_BROWSER") != "1":
    pytestmark = [
        pytestmark,
        pytest.mark.skip(reason=f"not installed: {', '.join(MISSING)}"),
    ]

TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
PAGES = [TOC["root"]] + [ch["file"] for part in TOC["parts"] for ch in part["chapters"]]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: three chapters whose first sheet is rendered for a person to look at
LOOK_AT = ("gd_contraction", "maurer_kl_lemma", "unbalanced_mtl")
RAW_TEX = re.compile(r"\$|\\frac|\\\(|\\\)|\\\[|\\\]|\\begin\{|\?\?")


def squeeze(text: str) -> str:
    """``text`` without white space and hyphens (line breaks in a PDF fall
    anywhere, and pdftotext joins a word hyphenated at a line end)."""
    return re.sub(r"[\s\-\u00ad]+", "", text)


def run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def pdf(book_html) -> Path:
    if MISSING:
        pytest.fail(f"MTLNOTES_REQUIRE_BROWSER=1 but not installed: {MISSING}")
    out = PDF_DIR / "mtlnotes.pdf"
    if os.environ.get("MTLNOTES_REUSE_PDF") == "1" and out.exists():
        return out  # while working on these tests: the PDF built last time
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "build_pdf.py"),
            str(book_html),
            str(out),
        ],
        check=True,
        timeout=1800,
    )
    return out


@pytest.fixture(scope="module")
def sheets(pdf) -> list[str]:
    """The text of every sheet of the PDF."""
    return run("pdftotext", "-enc", "UTF-8", str(pdf), "-").split("\f")[:-1]


def article_titles(book_html: Path) -> list[str]:
    """The title (first heading) of every page of the book, from the HTML."""
    titles = []
    for name in PAGES:
        page = (book_html / f"{name}.html").read_text(encoding="utf-8")
        article = page[page.index('<article class="bd-article">') :]
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", article, re.S).group(1)
        titles.append(html.unescape(re.sub(r"<[^>]+>|¶|#", "", h1)).strip())
    return titles


@pytest.fixture(scope="module")
def starts(book_html, sheets) -> dict[str, int]:
    """Index of the sheet on which each page of the book starts."""
    found, i = {}, 1  # sheet 0 is the contents
    for name, title in zip(PAGES, article_titles(book_html), strict=True):
        while i < len(sheets):
            head = squeeze(" ".join(sheets[i].strip().splitlines()[:4]))
            if head.startswith(squeeze(title)):
                found[name] = i
                break
            i += 1
        else:
            pytest.fail(f"no sheet starts with {title!r} after sheet {found}")
        i += 1
    return found


def test_every_page_starts_a_sheet_in_toc_order(starts, sheets, book_html):
    assert list(starts) == PAGES
    # the contents sheet lists every page, in order
    contents, at = squeeze(sheets[0]), 0
    for title in article_titles(book_html):
        at = contents.index(squeeze(title), at)
    assert list(starts.values()) == sorted(starts.values())
    # every numbered chapter prints its number
    numbered = [ch["file"] for part in TOC["parts"] if part.get("numbered")
                for ch in part["chapters"]]  # fmt: skip
    for k, name in enumerate(numbered, start=1):
        assert sheets[starts[name]].lstrip().startswith(f"{k}. "), name
    info = run("pdfinfo", str(PDF_DIR / "mtlnotes.pdf"))
    assert "A4" in info
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == len(sheets)


def test_one_bookmark_per_page(pdf, book_html):
    """The outline (``pdftohtml -xml`` lists it) has each page's title as an entry."""
    xml = run("pdftohtml", "-xml", "-i", "-q", "-stdout", str(pdf))
    items = [squeeze(html.unescape(re.sub(r"<[^>]+>", "", m)))
             for m in re.findall(r"<item[^>]*>(.*?)</item>", xml, re.S)]  # fmt: skip
    for title in article_titles(book_html):
        assert any(squeeze(title) in item for item in items), title


def figure_count() -> int:
    """Figures of the book: every image output of a chapter, a slider's frames
    counting once (the print shows its initial frame), and every image of the
    markdown pages."""
    count = 0
    for path in [*CHAPTERS, *sorted((ROOT / "book").glob("*.ipynb"))]:
        for cell in json.loads(path.read_text())["cells"]:
            outputs = cell.get("outputs", [])
            html_out = "".join(
                "".join(o.get("data", {}).get("text/html", "")) for o in outputs
            )
            images = sum(
                any(k.startswith("image/") for k in o.get("data", {})) for o in outputs
            )
            count += min(images, 1) if "mtl-slider" in html_out else images
    for page in (ROOT / "book").glob("*.md"):
        count += len(re.findall(r"!\[|\{figure\}|\{image\}", page.read_text()))
    return count


def test_every_figure_is_printed(pdf):
    rows = run("pdfimages", "-list", str(pdf)).splitlines()[2:]
    images = [row for row in rows if row.split()[2] == "image"]
    figures = figure_count()
    assert figures >= 20  # the chapters do have figures: the check is not vacuous
    assert len(images) >= figures, (len(images), figures)


def code_text(book_html: Path) -> str:
    """Everything the pages print as code (inputs, outputs, code blocks)."""
    blobs = []
    for name in PAGES:
        page = (book_html / f"{name}.html").read_text(encoding="utf-8")
        for pre in re.findall(r"<pre[^>]*>(.*?)</pre>", page, re.S):
            blobs.append(html.unescape(re.sub(r"<[^>]+>", "", pre)))
    return squeeze("".join(blobs))


def test_no_raw_tex_or_unresolved_reference(sheets, book_html):
    """A line with TeX syntax or ``??`` must come from printed code (matplotlib
    labels are TeX); in prose it would be math that MathJax did not typeset."""
    code = code_text(book_html)
    bad = []
    for n, sheet in enumerate(sheets, start=1):
        for line in sheet.splitlines():
            if RAW_TEX.search(line) and squeeze(line) not in code:
                bad.append(f"sheet {n}: {line.strip()}")
    assert not bad, "\n".join(bad[:20])
    # MathJax typeset the math: the chapters' symbols are there as text
    text = "".join(sheets)
    assert "κ" in text and "θ" in text


def hidden_lines() -> dict[str, list[str]]:
    """Lines that must not be printed: the install cell, the solutions (cells
    between ``solution-start`` and ``solution-end``) and the hidden tests; each
    kept only if it is long and no printed cell of the book holds it too."""
    hidden: dict[str, list[str]] = {}
    printed = []
    for path in CHAPTERS:
        inside = False
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"])
            tags = cell["metadata"].get("tags", [])
            if "solution-start" in source:
                inside = True
            kind = (
                "install cell"
                if "remove-cell" in tags
                else "solution"
                if inside and cell["cell_type"] == "code"
                else None
            )
            if "solution-end" in source:
                inside = False
            if kind is None:
                printed.append(source)
                continue
            for line in source.splitlines():
                if len(line.strip()) >= 30 and not line.lstrip().startswith("#"):
                    hidden.setdefault(f"{path.stem}: {kind}", []).append(line)
        tests = ROOT / "tests" / "hidden" / f"{path.stem}.py"
        if tests.exists():
            code = re.sub(r'^""".*?"""', "", tests.read_text(), flags=re.S)
            for line in code.splitlines():
                if len(line.strip()) >= 30 and not line.lstrip().startswith("#"):
                    hidden.setdefault(f"{path.stem}: hidden test", []).append(line)
    shown = squeeze("".join(printed))
    return {
        kind: [line for line in lines if squeeze(line) not in shown]
        for kind, lines in hidden.items()
    }


def test_no_solutions_install_cells_or_hidden_tests(sheets):
    text = squeeze("".join(sheets))
    hidden = hidden_lines()
    # every chapter has solutions and an install cell to leave out
    for path in CHAPTERS:
        assert hidden.get(f"{path.stem}: solution"), path.stem
        assert hidden.get(f"{path.stem}: install cell"), path.stem
    leaked = [
        f"{kind}: {line.strip()}"
        for kind, lines in hidden.items()
        for line in lines
        if squeeze(line) in text
    ]
    assert not leaked, "\n".join(leaked[:20])


def test_first_sheets_rendered_for_a_person(pdf, starts):
    pages = PDF_DIR / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    for stem in LOOK_AT:
        sheet = starts[f"notebooks/{stem}"] + 1
        prefix = pages / stem
        run("pdftoppm", "-png", "-r", "80", "-singlefile", "-f", str(sheet),
            "-l", str(sheet), str(pdf), str(prefix))  # fmt: skip
        png = prefix.with_suffix(".png")
        assert png.stat().st_size > 20_000, png  # not a blank sheet
