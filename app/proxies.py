"""Who the client is: the peer address, unless the peer is a proxy listed in `forwarded_allow_ips`.

Only then are `X-Forwarded-For` (the rightmost address not itself a trusted proxy) and
`X-Forwarded-Proto` believed, through uvicorn's own ProxyHeadersMiddleware. The default trusts no one,
so a client cannot pick its own rate-limit bucket or what the logs and the audit trail say about it.
The outermost middleware: everything inside (auth logs, limits, access log, audit) sees the result.

uvicorn applies its own proxy handling before the app, trusting 127.0.0.1 by default: `serve` (and
every server in the tests) turns that off, so this is the one place that decides. Run the app under
another server with its proxy handling off too (`uvicorn --no-proxy-headers`).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.settings import Settings


@dataclass
class ProxyConfig:
    """The trusted proxies; `configure` fills them from the Settings at startup (empty: none)."""

    trusted: str = ""

    def configure(self, settings: Settings) -> None:
        self.trusted = settings.forwarded_allow_ips


class TrustedProxies:
    def __init__(self, app: ASGIApp, config: ProxyConfig) -> None:
        self.app = app
        self.config = config
        self._built_for: str | None = None
        self._proxied: ProxyHeadersMiddleware | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        trusted = self.config.trusted
        if scope["type"] != "http" or not trusted:
            await self.app(scope, receive, send)
            return
        if self._proxied is None or self._built_for != trusted:
            self._proxied = ProxyHeadersMiddleware(self.app, trusted_hosts=trusted)  # type: ignore[arg-type]
            self._built_for = trusted
        await self._proxied(scope, receive, send)  # type: ignore[arg-type]
