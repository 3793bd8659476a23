"""Print the built HTML book to one PDF: ``_build/pdf/mtlnotes.pdf``.

usage: python scripts/build_pdf.py [HTML_DIR] [OUT_PDF]

``HTML_DIR`` is a strict HTML build of the book (``jupyter-book build .``; default
``_build/html``).  Every page of ``_toc.yml`` is loaded from a server on 127.0.0.1
in Debian's headless Chromium (driven over the DevTools protocol by the client of
``tests/_cdp.py``; two browsers at once), and once MathJax has typeset it, its
article is taken with the exercise solutions removed (so that chapters can be
handed out as coursework) and the slider controls removed (a slider figure shows
its initial frame).  The articles, in table-of-contents order and each starting a
sheet, follow a contents sheet in one document, which ``Page.printToPDF`` prints
once: page numbers run through the book, every page and section has a bookmark
(Chromium's document outline), and references between pages are links inside the
PDF (other links point to the published book).  A print style sheet hides what
belongs on a screen (sidebars, header, launch and download buttons, previous/next
links).  Joining one PDF per page instead would lose the bookmarks: poppler's
``pdfunite`` drops them.

No network is used: the pages load MathJax from their own ``_static`` folder and
Chromium can resolve no host but 127.0.0.1.
"""

from __future__ import annotations

import base64
import functools
import html
import http.server
import json
import re
import signal
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from _cdp import Browser, find_chromium  # noqa: E402  (the tests' DevTools client)

PUBLISHED = "https://mtlnotes.github.io/mtlnotes/"
A4 = {"paperWidth": 8.27, "paperHeight": 11.69}  # inches
# printing the whole book takes about a minute on an idle machine with 2 cores;
# far longer on a loaded one
PRINT_TIMEOUT = 1800.0
# pages are loaded and typeset (MathJax) by two browsers at once: CI has 2 cores
WORKERS = 2
MARGIN = {"marginTop": 0.6, "marginBottom": 0.7, "marginLeft": 0.6, "marginRight": 0.6}

# What the printed book leaves out, and how its pages break.  The theme already
# hides its header, sidebars and footers in print; they are listed again here so
# that a theme update cannot bring them back.
PRINT_CSS = """
@media print {
  .bd-header, .bd-header-article, .header-article-items, .bd-sidebar-primary,
  .bd-sidebar-secondary, .bd-footer, .bd-footer-article, .bd-footer-content,
  .prev-next-area, .prev-next-footer, .footer-article-items, #pst-back-to-top,
  .skip-link, .headerlink, .copybtn, .mtl-slider, .solution, .dropdown-menu,
  .article-header-buttons, #jb-print-docs-body { display: none !important; }
  .bd-main .bd-content .bd-article h1:first-of-type { display: block; }
  /* Chromium prints a shadow as a bitmap: the boxes of theorems, proofs and
     exercises lose theirs, and the PDF holds only the book's figures (the id
     outweighs the theme's own !important rules) */
  #main-content *, #main-content *::before, #main-content *::after {
    box-shadow: none !important; text-shadow: none !important; }
  .bd-main .bd-content { margin-left: 0; }
  .bd-main, .bd-page-width, .bd-container, .bd-container__inner, .bd-article,
  .bd-main .bd-content .bd-article-container {
    max-width: 100% !important; width: 100% !important; padding: 0 !important;
    margin: 0 !important;
  }
  html { font-size: 13px; }
  pre { font-size: 0.8rem; line-height: 1.3; }
  section.mtl-print-page { break-before: page; }
  section.mtl-print-page h1 { font-size: 2.2em; margin: 0 0 1em; }
  /* code wraps instead of running off the sheet */
  pre { white-space: pre-wrap !important; word-break: break-word;
        overflow: visible !important; }
  .cell_output, .cell_input, .highlight { overflow: visible !important; }
  .cell_input, img, figure, mjx-container[display="true"] {
    break-inside: avoid; }
  img { max-width: 100% !important; }
  h1, h2, h3, h4 { break-after: avoid; break-inside: avoid; }
  #mtl-contents h1 { font-size: 2.4em; margin: 1.2in 0 0.3em; }
  #mtl-contents td { padding: 2pt 0; border: none; }
  #mtl-contents td.part { font-weight: bold; padding-top: 12pt; }
  #mtl-contents table { width: 100%; break-inside: auto; }
}
"""

# Run in each page after its load event: wait until MathJax has typeset the page,
# the fonts are loaded and every image is decoded; take the solutions out; give
# every id a prefix naming the page (ids repeat from page to page), point links to
# pages of the book at those ids and other links at the published book; return
# the article (typeset) and MathJax's style sheet for it.
EXTRACT = """(async (slug, pages, origin, published) => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;  // the first typesetting pass is done
  }
  await document.fonts.ready;
  await Promise.all(Array.from(document.images).map(img => img.complete ?
    Promise.resolve() : new Promise(r => { img.onload = img.onerror = r; })));
  const article = document.querySelector("article.bd-article");
  const untypeset = Array.from(article.querySelectorAll(".math"))
    .filter(el => !el.querySelector("mjx-container")).length;
  const broken = Array.from(article.querySelectorAll("img"))
    .filter(i => i.naturalWidth === 0).length;
  const solutions = article.querySelectorAll(".solution");
  solutions.forEach(el => el.remove());
  article.querySelectorAll(".mtl-slider").forEach(el => el.remove());
  for (const img of article.querySelectorAll("img")) {
    img.setAttribute("src", img.src);
  }
  for (const el of article.querySelectorAll("[id]")) {
    el.id = slug + "--" + el.id;
  }
  for (const a of article.querySelectorAll("a[href]")) {
    const url = new URL(a.href);
    if (url.origin !== origin) continue;
    const path = url.pathname.replace(/^\\//, "").replace(/\\.html$/, "");
    const frag = decodeURIComponent(url.hash.slice(1));
    if (pages[path]) {
      a.setAttribute("href", "#" + pages[path] + (frag ? "--" + frag : ""));
    } else {
      a.setAttribute("href", published + url.pathname.replace(/^\\//, "") +
                     url.hash);
    }
  }
  const h1 = article.querySelector("h1");  // with its number, if numbered
  const styles = Array.from(document.querySelectorAll("style"))
    .filter(s => s.id.startsWith("MJX")).map(s => s.textContent).join("\\n");
  return {title: h1.textContent.replace(/[#¶]\\s*$/, "").trim(),
          solutions: solutions.length, untypeset, broken,
          html: article.innerHTML, styles};
})"""

# Run in the first page once every page is extracted: replace its article by the
# contents page and the articles of every page, in order, each starting a sheet.
ASSEMBLE = """((css, styles, parts, title) => {
  const style = document.createElement("style");
  style.textContent = styles + "\\n" + css;
  document.head.appendChild(style);
  const article = document.querySelector("article.bd-article");
  article.innerHTML = parts.join("\\n");
  document.title = title;
  return document.querySelectorAll("section.mtl-print-page").length;
})"""

FOOTER = (
    '<div style="font-size:8px;width:100%;margin:0 0.6in;color:#555;'
    'display:flex;justify-content:space-between;font-family:sans-serif">'
    '<span>{book}</span><span><span class="pageNumber"></span> / '
    '<span class="totalPages"></span></span></div>'
)


def toc_pages(toc_file: Path) -> list[tuple[str | None, str]]:
    """``(part caption or None, file)`` of every page of ``_toc.yml``, in order."""
    toc = yaml.safe_load(toc_file.read_text())
    pages: list[tuple[str | None, str]] = [(None, toc["root"])]
    for part in toc["parts"]:
        for chapter in part["chapters"]:
            pages.append((part.get("caption"), chapter["file"]))
            for section in chapter.get("sections", []):
                pages.append((part.get("caption"), section["file"]))
    return pages


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def slug(name: str) -> str:
    """The id prefix of a page in the printed book."""
    return "p-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def contents(book: str, entries: list[tuple[str | None, str, str]]) -> str:
    """The first sheet: the book's title, what the print leaves out, and the
    parts and pages (linked to where they start)."""
    rows, part = [], None
    for caption, title, name in entries:
        if caption is not None and caption != part:
            rows.append(f'<tr><td class="part">{html.escape(caption)}</td></tr>')
        part = caption
        link = f'<a href="#{slug(name)}">{html.escape(title)}</a>'
        rows.append(f"<tr><td>{link}</td></tr>")
    return f"""<section id="mtl-contents"><h1>{html.escape(book)}</h1>
<p>This is the print of the online book <a href="{PUBLISHED}">{PUBLISHED}</a>.
It leaves out the solutions to the exercises (they are folded under each exercise
online) and the interactive controls; a figure with a slider is printed at its
initial value.</p><h2>Contents</h2><table>{"".join(rows)}</table></section>"""


def extract(chrome: Browser, url: str, name: str, pages: dict, origin: str) -> dict:
    """Load ``url`` and return its typeset article (with ids prefixed) and facts."""
    start = len(chrome.events)
    chrome.send("Page.navigate", url=url)
    chrome.wait_for_event("Page.loadEventFired", since=start)
    args = ", ".join(json.dumps(a) for a in (slug(name), pages, origin, PUBLISHED))
    facts = chrome.evaluate(f"({EXTRACT})({args})")
    if facts["untypeset"] or facts["broken"]:
        bad = {k: facts[k] for k in ("untypeset", "broken")}
        raise RuntimeError(f"{url}: untypeset math or broken images: {bad}")
    return facts


def build(html_dir: Path, out: Path) -> dict:
    """Print the book in ``html_dir`` to ``out``; return what was printed."""
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("no Chromium on PATH (apt-get install chromium)")
    book = yaml.safe_load((ROOT / "_config.yml").read_text())["title"]
    toc = toc_pages(ROOT / "_toc.yml")
    pages = {name: slug(name) for _, name in toc} | {"index": slug(toc[0][1])}
    handler = functools.partial(QuietHandler, directory=str(html_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    report, parts, styles, entries = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="mtlnotes-pdf-") as tmp:
        browsers: list[Browser] = []
        try:
            for k in range(WORKERS):
                browsers.append(Browser(chromium, Path(tmp) / f"profile-{k}"))
                browsers[-1].send("Page.enable")

            def work(k: int) -> list[dict]:
                return [
                    extract(browsers[k], f"{origin}/{name}.html", name, pages, origin)
                    for _, name in toc[k::WORKERS]
                ]

            with ThreadPoolExecutor(WORKERS) as pool:
                shares = list(pool.map(work, range(WORKERS)))
            for i, (caption, name) in enumerate(toc):
                facts = shares[i % WORKERS][i // WORKERS]
                parts.append(
                    f'<section class="mtl-print-page" id="{slug(name)}">'
                    f"{facts.pop('html')}</section>"
                )
                styles.append(facts.pop("styles"))
                entries.append((caption, facts["title"], name))
                report.append({"page": name, **facts})
            chrome = browsers[0]
            # the first page of the book is the frame of the whole print
            start = len(chrome.events)
            chrome.send("Page.navigate", url=f"{origin}/{toc[0][1]}.html")
            chrome.wait_for_event("Page.loadEventFired", since=start)
            chrome.evaluate("document.fonts.ready.then(() => true)")
            args = ", ".join(
                json.dumps(a)
                for a in (
                    PRINT_CSS,
                    "\n".join(styles),
                    [contents(book, entries), *parts],
                    book,
                )
            )
            sections = chrome.evaluate(f"({ASSEMBLE})({args})")
            assert sections == len(toc), (sections, len(toc))
            chrome.evaluate(
                "document.fonts.ready.then(() => Promise.all(Array.from("
                "document.images).map(i => i.decode().catch(() => null))))"
                ".then(() => true)"
            )
            chrome.ws.settimeout(PRINT_TIMEOUT)
            data = chrome.send(
                "Page.printToPDF",
                timeout=PRINT_TIMEOUT,
                printBackground=True,
                generateDocumentOutline=True,
                displayHeaderFooter=True,
                headerTemplate="<span></span>",
                footerTemplate=FOOTER.format(book=html.escape(book)),
                **A4,
                **MARGIN,
            )["data"]
        finally:
            for browser in browsers:
                browser.close()
            httpd.shutdown()
            httpd.server_close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(base64.b64decode(data))
    return {"pdf": str(out), "pages": report}


def main(argv: list[str]) -> int:
    # on SIGTERM, unwind (the browser is closed and its profile removed)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    html_dir = Path(argv[1]) if len(argv) > 1 else ROOT / "_build" / "html"
    out = Path(argv[2]) if len(argv) > 2 else ROOT / "_build" / "pdf" / "mtlnotes.pdf"
    if not (html_dir / "index.html").exists():
        raise SystemExit(f"{html_dir}: no HTML book here (jupyter-book build . first)")
    result = build(html_dir, out)
    (out.parent / "contents.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"{out}: printed {len(result['pages'])} pages of the book")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
