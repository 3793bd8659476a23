"""Sphinx extension: no Thebe scripts on the pages when Thebe is switched off.

Jupyter Book always loads sphinx-thebe.  Version 0.3 registers its inline
configuration script (``const THEBE_JS_URL = ...``, the address of thebe on a
CDN) and ``sphinx-thebe.js`` on every ``env-before-read-docs`` event, which the
Jupyter Book build emits more than once: every page declared the constant twice
and the browser logged a SyntaxError on every page.  With ``launch_buttons:
thebe: false`` in ``_config.yml`` nothing needs those scripts, so this extension
disconnects the handler that adds them.
"""

from __future__ import annotations

from typing import Any


def _drop_thebe_scripts(app: Any, config: Any) -> None:
    launch = (config.html_theme_options or {}).get("launch_buttons", {})
    if launch.get("thebe"):
        return
    for listener in list(app.events.listeners.get("env-before-read-docs", [])):
        handler = listener.handler
        if (
            getattr(handler, "__module__", "") == "sphinx_thebe"
            and handler.__name__ == "init_thebe_core"
        ):
            app.disconnect(listener.id)


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", _drop_thebe_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
