"""Who the client is (app/proxies.py): X-Forwarded-For counts only from proxies in FORWARDED_ALLOW_IPS.

Through a real uvicorn, since the peer address is the socket's: the rate limiter's buckets and the audit
trail's `client` show which address the service believed.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.errors import ConfigError
from app.main import create_app
from app.settings import load_settings
from tests.support.app import service_settings
from tests.support.server import ServerThread

ASK = {"q": "check cluster health", "mode": "runbook", "stream": "false"}


def ask(url: str, forwarded_for: str | None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return httpx.get(f"{url}/ask", params=ASK, headers=headers, timeout=60)


def clients_in_audit(url: str) -> list[str]:
    listed = httpx.get(f"{url}/investigations", timeout=30).json()["investigations"]
    return [item["client"] for item in listed]


def test_by_default_x_forwarded_for_is_ignored(tmp_path: Path) -> None:
    with ServerThread(create_app(service_settings(tmp_path, rate_limit_per_minute=1))) as server:
        first = ask(server.url, "203.0.113.1")
        second = ask(server.url, "203.0.113.2")  # another "client", but the same socket peer
        audit = clients_in_audit(server.url)
    assert first.status_code == 200
    assert second.status_code == 429  # one bucket: the header chose nothing
    assert audit == ["127.0.0.1"]


def test_a_trusted_proxy_names_the_client(tmp_path: Path) -> None:
    settings = service_settings(tmp_path, rate_limit_per_minute=1, forwarded_allow_ips="127.0.0.1")
    with ServerThread(create_app(settings)) as server:
        statuses = [ask(server.url, address).status_code
                    for address in ("203.0.113.1", "203.0.113.2", "198.51.100.9, 203.0.113.1")]
        audit = clients_in_audit(server.url)
    # Separate buckets per forwarded client; a chain is read from the right, past trusted proxies.
    assert statuses == [200, 200, 429]
    assert sorted(audit) == ["203.0.113.1", "203.0.113.2"]


def test_an_untrusted_peer_cannot_pass_itself_off(tmp_path: Path) -> None:
    settings = service_settings(tmp_path, rate_limit_per_minute=1, forwarded_allow_ips="10.0.0.0/8, 192.0.2.1")
    with ServerThread(create_app(settings)) as server:
        statuses = [ask(server.url, address).status_code for address in ("203.0.113.1", "203.0.113.2")]
        audit = clients_in_audit(server.url)
    assert statuses == [200, 429] and audit == ["127.0.0.1"]


@pytest.mark.parametrize("value", ["10.0.0.0/33", "proxy.example.com", "127.0.0.1;10.0.0.1"])
def test_bad_proxy_lists_are_config_errors(value: str) -> None:
    with pytest.raises(ConfigError, match="forwarded_allow_ips"):
        load_settings(forwarded_allow_ips=value)


def test_good_proxy_lists_load() -> None:
    assert load_settings(forwarded_allow_ips=" 10.0.0.0/8, ::1 ").forwarded_allow_ips == "10.0.0.0/8, ::1"
    assert load_settings(forwarded_allow_ips="*").forwarded_allow_ips == "*"
    assert load_settings().forwarded_allow_ips == ""
