"""The built book in a real browser: headless Chromium, pages served on 127.0.0.1.

Chromium can resolve no host name but 127.0.0.1 (``--host-resolver-rules``), so a
page that needed the network would show it; every request is also recorded and
must stay on the local server.  For every HTML page of the book (the session's
strict build, ``book_html``) the test records:

* TeX left untypeset: ``.math`` elements MathJax did not typeset, MathJax error
  nodes (e.g. an undefined macro) and text outside code that still holds ``\\(``,
  ``\\[``, ``$$`` or ``\\begin{``;
* JavaScript console errors: uncaught exceptions, ``console.error`` calls and
  browser log entries of level error (failed loads among them);
* images that did not load (``naturalWidth == 0``);
* solution dropdowns whose body is visible before any click, and solutions that
  are not dropdowns at all;
* on chapter pages, the Binder and Colab launch buttons and their URLs, derived
  here from ``_config.yml``;
* one screenshot per page under ``_build/screenshots/`` (with ``report.json``).

It also drags the static slider of an interactive figure and checks the shown
frame changes, and runs a search on the search page.

The test is skipped where no Chromium is installed, unless
``MTLNOTES_REQUIRE_BROWSER=1`` (set by ``.ci/run`` and the GitHub workflows),
where a missing browser fails it.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from pathlib import Path

import pytest
import yaml
from _book import ROOT
from _cdp import Browser, find_chromium

CHROMIUM = find_chromium()
REQUIRED = os.environ.get("MTLNOTES_REQUIRE_BROWSER") == "1"
SCREENSHOTS = ROOT / "_build" / "screenshots"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None and not REQUIRED,
        reason="no Chromium on PATH (apt-get install chromium)",
    ),
]

# After the load event: wait for MathJax's first typesetting pass (when MathJax is
# there at all), then let the page settle.
SETTLE = """(async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  await new Promise(r => setTimeout(r, 300));
  return true;
})()"""

INSPECT = r"""(() => {
  const skip = "pre, code, script, style, textarea, mjx-container, .highlight";
  const untypeset = Array.from(document.querySelectorAll(".math"))
    .filter(el => !el.querySelector("mjx-container")).length;
  const mathErrors = document.querySelectorAll("mjx-merror").length;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const raw = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement && n.parentElement.closest(skip)) continue;
    if (/\\\(|\\\[|\$\$|\\begin\{/.test(n.textContent)) {
      raw.push(n.textContent.slice(0, 80));
    }
  }
  const images = Array.from(document.images);
  const broken = images.filter(img => !img.complete || img.naturalWidth === 0)
    .map(img => img.getAttribute("src"));
  const solutions = Array.from(document.querySelectorAll(".solution"));
  const visible = el => el.getClientRects().length > 0 &&
    getComputedStyle(el).visibility !== "hidden";
  const openSolutions = solutions.filter(sol =>
    !sol.classList.contains("dropdown") ||
    Array.from(sol.children)
      .some(c => !c.matches(".admonition-title, button") && visible(c))
  ).map(sol => sol.id);
  const links = Array.from(document.querySelectorAll("a[href]")).map(a => a.href);
  return {
    title: document.title,
    tex: untypeset + mathErrors + raw.length,
    tex_detail: {untypeset, mathErrors, raw: raw.slice(0, 5)},
    images: images.length,
    broken_images: broken,
    solutions: solutions.length,
    open_solutions: openSolutions,
    binder: links.filter(h => h.includes("mybinder.org")),
    colab: links.filter(h => h.includes("colab.research.google.com")),
  };
})()"""

SLIDER = r"""(() => {
  const box = document.querySelector(".mtl-slider");
  if (!box) return null;
  const frames = Array.from(box.closest(".cell_output").querySelectorAll("img"));
  const shown = () => frames.map((f, i) => [i, getComputedStyle(f).display])
    .filter(p => p[1] !== "none").map(p => p[0]);
  const input = box.querySelector("input");
  const before = shown();
  input.value = "0";
  input.dispatchEvent(new Event("input"));
  const after = shown();
  return {frames: frames.length, before, after,
          label: box.querySelector("output").textContent};
})()"""

SEARCH = r"""(async () => {
  for (let i = 0; i < 100; i++) {
    const hits = document.querySelectorAll("#search-results li");
    if (hits.length) return hits.length;
    await new Promise(r => setTimeout(r, 100));
  }
  return 0;
})()"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def server(book_html):
    handler = functools.partial(QuietHandler, directory=str(book_html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMIUM is None:
        pytest.fail("MTLNOTES_REQUIRE_BROWSER=1 but no Chromium on PATH")
    chrome = Browser(CHROMIUM, tmp_path_factory.mktemp("chromium-profile"))
    for domain in ("Page", "Runtime", "Log", "Network"):
        chrome.send(f"{domain}.enable")
    yield chrome
    chrome.close()


def visit(chrome: Browser, url: str) -> list[dict]:
    """Load ``url``, wait for MathJax; return the DevTools events of this visit."""
    start = len(chrome.events)
    chrome.send("Page.navigate", url=url)
    chrome.wait_for_event("Page.loadEventFired", since=start)
    for _ in range(3):  # index.html redirects (meta refresh): follow it
        mark = len(chrome.events)
        try:
            chrome.evaluate(SETTLE)
            break
        except RuntimeError as err:
            if "navigated" not in str(err):
                raise
            chrome.wait_for_event("Page.loadEventFired", since=mark)
    return chrome.events[start:]


def console_errors(events: list[dict]) -> list[str]:
    errors = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            errors.append(details.get("exception", {}).get("description", "exception"))
        elif method == "Runtime.consoleAPICalled" and params["type"] in (
            "error",
            "assert",
        ):
            errors.append(" ".join(str(a.get("value", "")) for a in params["args"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            errors.append(f"{entry.get('text', '')} {entry.get('url', '')}".strip())
    return errors


def outside_requests(events: list[dict], origin: str) -> list[str]:
    urls = [
        e["params"]["request"]["url"]
        for e in events
        if e["method"] == "Network.requestWillBeSent"
    ]
    local = (origin, "data:", "blob:", "about:")
    return [u for u in urls if not u.startswith(local)]


def page_name(page: Path) -> str:
    return page.with_suffix("").as_posix().replace("/", "__")


@pytest.fixture(scope="module")
def report(book_html, server, browser) -> dict[str, dict]:
    """Visit every page once; return the findings per page (also in report.json)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = sorted(
        p.relative_to(book_html)
        for p in book_html.rglob("*.html")
        if not any(part.startswith("_") for part in p.relative_to(book_html).parts)
    )
    found = {}
    for page in pages:
        events = visit(browser, f"{server}/{page.as_posix()}")
        result = browser.evaluate(INSPECT)
        result["console_errors"] = console_errors(events)
        result["outside_requests"] = outside_requests(events, server)
        browser.screenshot(SCREENSHOTS / f"{page_name(page)}.png")
        found[page.as_posix()] = result
    (SCREENSHOTS / "report.json").write_text(json.dumps(found, indent=1) + "\n")
    return found


def test_every_page_was_visited_and_photographed(report):
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [
        ch["file"] for part in toc["parts"] for ch in part["chapters"]
    ]
    for name in files:
        assert f"{name}.html" in report, name
    for page in report:
        shot = SCREENSHOTS / f"{page_name(Path(page))}.png"
        assert shot.stat().st_size > 1000, page


def test_no_untypeset_tex(report):
    bad = {p: r["tex_detail"] for p, r in report.items() if r["tex"]}
    assert not bad, bad
    # the chapters do hold math, so the check above is not vacuous
    assert sum(r["tex"] == 0 and "notebooks/" in p for p, r in report.items()) >= 10


def test_no_console_errors(report):
    bad = {p: r["console_errors"] for p, r in report.items() if r["console_errors"]}
    assert not bad, bad


def test_no_request_leaves_the_local_server(report):
    bad = {p: r["outside_requests"] for p, r in report.items() if r["outside_requests"]}
    assert not bad, bad


def test_every_image_loads(report):
    bad = {p: r["broken_images"] for p, r in report.items() if r["broken_images"]}
    assert not bad, bad
    assert sum(r["images"] for r in report.values()) >= 20  # figures exist


def test_every_solution_starts_collapsed(report):
    bad = {p: r["open_solutions"] for p, r in report.items() if r["open_solutions"]}
    assert not bad, bad
    chapters = [p for p in report if p.startswith("notebooks/")]
    assert all(report[p]["solutions"] >= 2 for p in chapters), chapters


def test_launch_buttons_point_at_this_repository(report):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]["url"].removeprefix("https://github.com/")
    branch = config["repository"]["branch"]
    binder = config["launch_buttons"]["binderhub_url"].rstrip("/")
    colab = config["launch_buttons"]["colab_url"].rstrip("/")
    chapters = sorted(p for p in report if p.startswith("notebooks/"))
    assert len(chapters) == len(list((ROOT / "notebooks").glob("*.ipynb")))
    for page in chapters:
        source = page.removesuffix(".html") + ".ipynb"
        assert report[page]["binder"] == [
            f"{binder}/v2/gh/{repo}/{branch}?urlpath=lab/tree/{source}"
        ], page
        assert report[page]["colab"] == [
            f"{colab}/github/{repo}/blob/{branch}/{source}"
        ]


def test_static_slider_switches_frames(book_html, server, browser):
    visit(browser, f"{server}/notebooks/gd_contraction.html")
    state = browser.evaluate(SLIDER)
    assert state is not None, "no slider on the page"
    assert state["frames"] == 17
    assert state["before"] == [8]  # log10 κ = 2.00 is shown first, alone
    assert state["after"] == [0] and state["label"] == "0.00"
    browser.evaluate("document.querySelector('.mtl-slider').scrollIntoView(), true")
    browser.screenshot(SCREENSHOTS / "slider__gd_contraction.png")


def test_search_works_offline(book_html, server, browser):
    visit(browser, f"{server}/search.html?q=contraction")
    assert browser.evaluate(SEARCH) >= 1
