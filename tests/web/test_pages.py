"""The UI's pages over plain HTTP: what a browser gets at `/` and `/docs`, their headers, and what a
non-browser still gets at `/`."""

from __future__ import annotations

import re

import httpx

from app.web.routes import STATIC_DIR, VENDOR_DIR


def directives(csp: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in csp.split(";")) if part}


def test_the_pages_carry_a_strict_csp_and_load_nothing_from_elsewhere(service: str) -> None:
    for path in ("/", "/docs"):
        response = httpx.get(f"{service}{path}", headers={"Accept": "text/html"}, timeout=30)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        csp = directives(response.headers["content-security-policy"])
        assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
        assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "<script>" not in response.text  # no inline script
        assert not re.search(r"(src|href)=\"(https?:)?//", response.text)  # no CDN
    for asset in ("/ui/js/main.js", "/ui/css/app.css", "/ui/vendor/marked/marked.esm.js",
                  "/ui/vendor/dompurify/purify.es.js", "/ui/vendor/swagger-ui/swagger-ui-bundle.js"):
        response = httpx.get(f"{service}{asset}", timeout=30)
        assert response.status_code == 200, asset
        kind = "text/css" if asset.endswith(".css") else "text/javascript"
        assert response.headers["content-type"].startswith(kind), asset


def test_curl_still_gets_the_plain_text_help(service: str) -> None:
    response = httpx.get(f"{service}/", timeout=30)
    assert response.headers["content-type"].startswith("text/plain")
    assert "curl -N" in response.text


def test_vendored_files_are_pinned_and_licensed() -> None:
    readme = (VENDOR_DIR / "README.md").read_text(encoding="utf-8")
    for name, version in (("marked", "18.2.1"), ("dompurify", "3.4.18"), ("swagger-ui-dist", "5.35.0")):
        assert f"| {name} | {version} |" in readme
    for licence in ("marked/LICENSE", "dompurify/LICENSE", "swagger-ui/LICENSE"):
        assert (VENDOR_DIR / licence).is_file()
    assert "@license DOMPurify 3.4.18" in (VENDOR_DIR / "dompurify" / "purify.es.js").read_text(encoding="utf-8")
    assert "marked v18.2.1" in (VENDOR_DIR / "marked" / "marked.esm.js").read_text(encoding="utf-8")
    # Our modules import the vendored copies only (no bare or remote specifiers).
    for module in (STATIC_DIR / "js").glob("*.js"):
        for spec in re.findall(r"from '([^']+)'", module.read_text(encoding="utf-8")):
            assert spec.startswith(("./", "/ui/vendor/")), (module.name, spec)
