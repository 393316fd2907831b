"""Bearer-token auth (API_TOKEN), through a real uvicorn: what is open, what needs the token, how refusals look."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app import auth
from app.auth import authorized, bearer_credentials
from app.main import create_app
from app.settings import Settings, load_settings
from tests.support.app import llm_settings, service_settings
from tests.support.fake_llm import FakeLLM, text
from tests.support.server import ServerThread
from tests.test_approvals import pause

TOKEN = "s3cret-token-0123456789"
PROTECTED = ["/ask?q=check+cluster+health&stream=false&mode=runbook", "/q/disk%20full?stream=false", "/runbooks",
             "/runbooks/disk-full", "/tools", "/approvals", "/investigations", "/api/v1/mcp/status",
             "/api/v1/overview", "/openapi.json", "/does-not-exist"]


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = service_settings(tmp_path_factory.mktemp("auth"), api_token=TOKEN, rate_limit_per_minute=0)
    with ServerThread(create_app(settings)) as server:
        yield server.url


def assert_refused(response: httpx.Response, invalid: bool) -> None:
    assert response.status_code == 401, response.text
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer")
    assert ('error="invalid_token"' in challenge) is invalid
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.json()["error"]["message"]
    assert TOKEN not in response.text


def test_health_is_open_for_the_probes(secured: str) -> None:
    response = httpx.get(f"{secured}/health", timeout=30)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_metrics_are_open_by_default(secured: str) -> None:
    response = httpx.get(f"{secured}/metrics", timeout=30)
    assert response.status_code == 200
    assert "copilot_http_requests" in response.text


@pytest.mark.parametrize("path", ["/", "/docs", "/ui/js/main.js", "/ui/vendor/dompurify/purify.es.js"])
def test_the_web_ui_shells_are_open_and_hold_no_data(secured: str, path: str) -> None:
    # The page must load to ask for the token; it holds no data (every API call needs the token).
    response = httpx.get(f"{secured}{path}", headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    assert TOKEN not in response.text


@pytest.mark.parametrize("path", PROTECTED)
def test_everything_else_needs_the_token(secured: str, path: str) -> None:
    assert_refused(httpx.get(f"{secured}{path}", timeout=30), invalid=False)
    assert_refused(httpx.get(f"{secured}{path}", headers={"Authorization": "Bearer wrong"}, timeout=30), invalid=True)
    allowed = httpx.get(f"{secured}{path}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert allowed.status_code == (404 if path == "/does-not-exist" else 200), allowed.text[:300]


@pytest.mark.parametrize("header", [
    f"Basic {TOKEN}", TOKEN, "Bearer", "Bearer  ,", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Token {TOKEN}",
    f"Bearer {TOKEN.upper()}",
])
def test_anything_but_the_exact_bearer_token_is_refused(secured: str, header: str) -> None:
    response = httpx.get(f"{secured}/runbooks", headers={"Authorization": header}, timeout=30)
    assert response.status_code == 401


def test_the_scheme_is_case_insensitive(secured: str) -> None:
    response = httpx.get(f"{secured}/runbooks", headers={"Authorization": f"bearer {TOKEN}"}, timeout=30)
    assert response.status_code == 200


def test_two_authorization_headers_are_refused(secured: str) -> None:
    headers = [("Authorization", f"Bearer {TOKEN}"), ("Authorization", "Bearer other")]
    response = httpx.get(f"{secured}/runbooks", headers=headers, timeout=30)
    assert response.status_code == 401


def test_a_token_in_the_query_string_does_not_count(secured: str) -> None:
    for name in ("access_token", "token", "api_token"):
        assert httpx.get(f"{secured}/runbooks", params={name: TOKEN}, timeout=30).status_code == 401


def test_auth_comes_before_reading_the_body(secured: str) -> None:
    # Without the token a large body gets 401, not 413: nothing about the request is looked at first.
    response = httpx.post(f"{secured}/ask", content=b"q=" + b"a" * (1 << 20),
                          headers={"content-type": "application/x-www-form-urlencoded"}, timeout=30)
    assert_refused(response, invalid=False)


def test_an_investigation_with_the_token_streams(secured: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.stream("POST", f"{secured}/ask", data={"q": "disk full on node-2"}, headers=headers,
                      timeout=60) as response:
        assert response.status_code == 200
        body = "".join(response.iter_text())
    assert body.rstrip().splitlines()[-1].startswith("■ done in")


def test_refusals_are_counted_in_the_metrics(secured: str) -> None:
    httpx.get(f"{secured}/tools", timeout=30)
    metrics = httpx.get(f"{secured}/metrics", timeout=30).text
    assert any(line.startswith("copilot_http_requests_total{") and 'status="401"' in line
               for line in metrics.splitlines())


def test_metrics_can_require_the_token(tmp_path: Path) -> None:
    settings = service_settings(tmp_path, api_token=TOKEN, metrics_require_token=True)
    with ServerThread(create_app(settings)) as server:
        assert_refused(httpx.get(f"{server.url}/metrics", timeout=30), invalid=False)
        ok = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        assert ok.status_code == 200
        assert httpx.get(f"{server.url}/health", timeout=30).status_code == 200


def test_without_a_token_nothing_is_asked(service: str) -> None:
    assert httpx.get(f"{service}/runbooks", timeout=30).status_code == 200
    assert httpx.get(f"{service}/openapi.json", timeout=30).status_code == 200


def test_the_spec_documents_the_bearer_scheme(service: str) -> None:
    spec = httpx.get(f"{service}/openapi.json", timeout=30).json()
    scheme = spec["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert spec["paths"]["/health"]["get"]["security"] == []
    assert {"bearer": []} in spec["paths"]["/ask"]["post"]["security"]


def test_the_token_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(api_token="  ").effective_api_token is None  # blank means off
    assert Settings().effective_api_token is None
    monkeypatch.setenv("API_TOKEN", TOKEN)
    settings = load_settings()
    assert settings.effective_api_token == TOKEN
    assert TOKEN not in repr(settings)  # a SecretStr: never printed
    monkeypatch.setenv("API_TOKEN", "")
    assert load_settings().effective_api_token is None


def test_the_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []

    def compare(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(auth.hmac, "compare_digest", compare)
    assert authorized(b"tok", [b"tok"])
    assert not authorized(b"tok", [b"tox"])
    assert calls == [(b"tok", b"tok"), (b"tox", b"tok")]


def test_bearer_credentials_parsing() -> None:
    def scope(*values: bytes) -> dict[str, object]:
        return {"headers": [(b"authorization", v) for v in values]}

    assert bearer_credentials({"headers": []}) is None
    assert bearer_credentials(scope(b"Bearer abc")) == [b"abc"]
    assert bearer_credentials(scope(b"  bearer   abc  ")) == [b"abc"]
    assert bearer_credentials(scope(b"Basic abc")) == []
    assert bearer_credentials(scope(b"Bearer a", b"Bearer b")) == [b"a", b"b"]


# -- APPROVER_TOKEN: viewers ask, only approvers decide ------------------------------------------------------
APPROVER = "approver-token-9876543210"


@pytest.fixture(scope="module")
def two_tokens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = service_settings(tmp_path_factory.mktemp("approver"), api_token=TOKEN, approver_token=APPROVER,
                                rate_limit_per_minute=0)
    with ServerThread(create_app(settings)) as server:
        yield server.url


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_api_token_cannot_decide_an_approval(two_tokens: str) -> None:
    response = httpx.post(f"{two_tokens}/approvals/apr-123", json={"approve": True}, headers=bearer(TOKEN),
                          timeout=30)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "approver_required"
    assert "APPROVER_TOKEN" in response.json()["error"]["message"]
    assert TOKEN not in response.text


def test_the_approver_token_passes_where_the_api_token_does(two_tokens: str) -> None:
    decided = httpx.post(f"{two_tokens}/approvals/apr-123", json={"approve": True}, headers=bearer(APPROVER),
                         timeout=30)
    assert decided.status_code not in (401, 403)  # past auth: the service itself answers (no LLM here)
    for path in ("/approvals", "/runbooks", "/ask?q=disk+full&stream=false&mode=runbook"):
        assert httpx.get(f"{two_tokens}{path}", headers=bearer(APPROVER), timeout=60).status_code == 200, path
        assert httpx.get(f"{two_tokens}{path}", headers=bearer(TOKEN), timeout=60).status_code == 200, path


def test_no_or_a_wrong_token_on_an_approval_is_401(two_tokens: str) -> None:
    missing = httpx.post(f"{two_tokens}/approvals/apr-123", json={"approve": True}, timeout=30)
    assert_refused(missing, invalid=False)
    assert "APPROVER_TOKEN" in missing.json()["error"]["message"]
    assert_refused(httpx.post(f"{two_tokens}/approvals/apr-123", json={"approve": True},
                              headers=bearer("guess"), timeout=30), invalid=True)


def test_without_an_approver_token_the_api_token_approves(secured: str) -> None:
    response = httpx.post(f"{secured}/approvals/apr-123", json={"approve": True}, headers=bearer(TOKEN), timeout=30)
    assert response.status_code not in (401, 403)


def test_an_approver_token_alone_leaves_asking_open_and_guards_deciding(tmp_path: Path, fake_llm: FakeLLM) -> None:
    settings = llm_settings(tmp_path, fake_llm, approver_token=APPROVER, rate_limit_per_minute=0)
    with ServerThread(create_app(settings)) as server:
        approval = pause(server.url, fake_llm)  # a viewer asks, without any token
        refused = httpx.post(f"{server.url}/approvals/{approval['id']}", json={"approve": True}, timeout=30)
        assert_refused(refused, invalid=False)
        fake_llm.script(text("Declined, as asked."))
        resumed = httpx.post(f"{server.url}/approvals/{approval['id']}", headers=bearer(APPROVER), timeout=120,
                             json={"approve": False, "stream": False})
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["answer"] == "Declined, as asked."
