"""A minimal Chrome DevTools Protocol client: headless Chromium driven from Python.

Used by ``tests/test_browser.py``.  Chromium (Debian package ``chromium``) is
started headless with remote debugging on a free local port; the client talks to
one page target over a WebSocket (``websocket-client``), sends commands and keeps
every event, so that the test can read console errors, exceptions and requests.
No browser download and no driver binary are needed.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import websocket

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
# generous: on a shared, loaded machine a long chapter can take a minute to load
TIMEOUT = 300.0


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable on ``PATH``, or ``None``."""
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """Headless Chromium with one page, whose DevTools events are all recorded.

    ``allow_hosts`` are the only host names the browser can resolve (everything
    else fails name resolution), so a page that tries to fetch from outside
    logs a failed request instead of reaching the network.
    """

    def __init__(
        self,
        executable: str,
        profile: Path,
        *,
        allow_hosts: tuple[str, ...] = ("127.0.0.1",),
        size: tuple[int, int] = (1280, 900),
    ) -> None:
        excluded = ", ".join(f"EXCLUDE {host}" for host in allow_hosts)
        args = [
            executable,
            "--headless=new",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--mute-audio",
            f"--host-resolver-rules=MAP * ~NOTFOUND, {excluded}",
            f"--window-size={size[0]},{size[1]}",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses its sandbox as root
        self.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        port = self._wait_for_port(profile / "DevToolsActivePort")
        self.ws = websocket.create_connection(self._page_socket(port), timeout=TIMEOUT)
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def _wait_for_port(self, marker: Path, timeout: float = TIMEOUT) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.process.returncode}")
            if marker.exists() and marker.read_text().strip():
                return int(marker.read_text().split()[0])
            time.sleep(0.1)
        raise TimeoutError("chromium did not open its DevTools port")

    @staticmethod
    def _page_socket(port: int) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as reply:
            targets = json.load(reply)
        return next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"]

    def send(self, method: str, timeout: float = TIMEOUT, **params: Any) -> dict:
        """Send one command and return its result (events seen meanwhile are kept)."""
        ident = next(self._ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)
        raise TimeoutError(method)

    def wait_for_event(
        self, method: str, timeout: float = TIMEOUT, *, since: int = 0
    ) -> dict:
        """Return the first event named ``method`` among those recorded from index
        ``since`` on (it may have arrived while a command was awaited), else wait
        for it."""
        for message in self.events[since:]:
            if message["method"] == method:
                return message
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.ws.settimeout(max(0.1, deadline - time.monotonic()))
                message = json.loads(self.ws.recv())
                if "method" in message:
                    self.events.append(message)
                    if message["method"] == method:
                        return message
        except websocket.WebSocketTimeoutException:
            pass
        finally:
            self.ws.settimeout(TIMEOUT)
        raise TimeoutError(f"no {method} event within {timeout} s")

    def evaluate(self, expression: str, timeout: float = TIMEOUT) -> Any:
        """Evaluate JavaScript in the page (awaiting a promise); return its value."""
        result = self.send(
            "Runtime.evaluate",
            timeout=timeout,
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(json.dumps(result["exceptionDetails"])[:2000])
        return result["result"].get("value")

    def screenshot(self, path: Path) -> None:
        """Save a PNG of the visible part of the page."""
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
