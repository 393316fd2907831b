"""The web UI and the offline API docs, served by the service itself (no CDN, no build step).

`/` answers a browser (Accept: text/html) with the single-page UI and anyone else with the short plain-text
help; `/docs` is Swagger UI from the vendored `swagger-ui-dist`; `/ui/...` are the page's ES modules and
styles, `/ui/vendor/...` the pinned third-party files (see app/web/vendor/README.md). These are shells
without data, so they are open even with API_TOKEN set: the page asks for the token and sends it as a header
on every API call. Each HTML page carries a Content-Security-Policy that allows scripts from this origin only
(no inline script, no eval).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
VENDOR_DIR = WEB_DIR / "vendor"
UI_PREFIX = "/ui/"

# The UI: everything from this origin; the Markdown answer's styles come from app.css, never inline.
UI_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
          "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# Swagger UI (React) sets style attributes: inline styles only, still no inline script.
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"}


def _page(name: str, csp: str) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type="text/html; charset=utf-8",
                        headers={**_HEADERS, "Content-Security-Policy": csp})


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def install_web(app: FastAPI, text_root: Callable[[], Awaitable[Response]]) -> None:
    """Mount the UI at `/` (the plain-text `text_root` for non-browsers), `/docs` and the assets."""

    async def home(request: Request) -> Response:
        return _page("index.html", UI_CSP) if wants_html(request) else await text_root()

    async def docs() -> Response:
        return _page("docs.html", DOCS_CSP)

    app.add_api_route("/", home, include_in_schema=False)
    app.add_api_route("/docs", docs, include_in_schema=False)
    app.mount(f"{UI_PREFIX}vendor", StaticFiles(directory=VENDOR_DIR), name="ui-vendor")
    app.mount(UI_PREFIX.rstrip("/"), StaticFiles(directory=STATIC_DIR), name="ui")
