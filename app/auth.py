"""Bearer-token authentication: when `API_TOKEN` is set, every request needs `Authorization: Bearer <token>`.

Open without a token: `/health` (the Kubernetes probes call it) and, unless `metrics_require_token` is set,
`/metrics` (Prometheus scrapes by annotation, and the metrics hold counts, never content). Everything
else — `/docs` and `/openapi.json` included — answers 401 with `WWW-Authenticate: Bearer` and the usual
error document. The comparison is constant-time (`hmac.compare_digest`). The token is never taken from
the query string: URLs end up in access logs and browser histories.

With `APPROVER_TOKEN` set, deciding an approval (`POST /approvals/{id}`, which runs a change on the
cluster) needs that token: API_TOKEN holders — viewers — can ask and read, and get 403 there. The
approver token is accepted wherever API_TOKEN is. Without API_TOKEN, asking is open and approving still
needs the approver token.

A pure ASGI middleware, configured in the lifespan (the Settings are read there, not at import).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import error_response
from app.settings import Settings

log = logging.getLogger(__name__)

ALWAYS_OPEN = frozenset({"/health"})
# The web UI's shells and static assets (app/web): no data in them; the page asks for the token itself.
UI_OPEN = frozenset({"/", "/docs"})
UI_OPEN_PREFIX = "/ui/"
REALM = 'Bearer realm="k8s-aiops-copilot"'


@dataclass
class AuthConfig:
    """What the middleware checks; `configure` fills it from the Settings at startup."""

    token: bytes | None = None
    approver: bytes | None = None
    open_paths: frozenset[str] = field(default_factory=lambda: ALWAYS_OPEN)
    configured: bool = False

    def configure(self, settings: Settings) -> None:
        token = settings.effective_api_token
        self.token = token.encode("utf-8") if token else None
        approver = settings.effective_approver_token
        self.approver = approver.encode("utf-8") if approver else None
        self.open_paths = ALWAYS_OPEN if settings.metrics_require_token else ALWAYS_OPEN | {"/metrics"}
        self.configured = True


def bearer_credentials(scope: Scope) -> list[bytes] | None:
    """The credentials of every `Authorization: Bearer` header (None: no Authorization header at all)."""
    values = [value for name, value in scope.get("headers", ()) if name == b"authorization"]
    if not values:
        return None
    found = []
    for value in values:
        scheme, _, credentials = value.strip().partition(b" ")
        if scheme.lower() == b"bearer" and credentials.strip():
            found.append(credentials.strip())
    return found


def authorized(expected: bytes, presented: list[bytes]) -> bool:
    """Exactly one bearer credential, equal to the token (compared in constant time)."""
    return len(presented) == 1 and hmac.compare_digest(presented[0], expected)


def decides_approval(scope: Scope) -> bool:
    return scope.get("method") == "POST" and str(scope.get("path", "")).startswith("/approvals/")


def exposure_warning(host: str, settings: Settings) -> str | None:
    """What to warn about when the service listens beyond loopback without API_TOKEN."""
    if settings.effective_api_token is not None:
        return None
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        loopback = False
    if loopback:
        return None
    return (f"listening on {host} without API_TOKEN: anyone who can reach this port can run investigations"
            f"{'' if settings.effective_approver_token else ' and approve changes'}; set API_TOKEN "
            "(and APPROVER_TOKEN), or serve on 127.0.0.1 behind an authenticating proxy")


class BearerAuth:
    def __init__(self, app: ASGIApp, config: AuthConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        config = self.config
        if not config.configured:  # only before the lifespan ran: never serve unchecked
            await error_response(503, "starting", "the service is starting")(scope, receive, send)
            return
        presented = bearer_credentials(scope)
        if config.approver is not None and decides_approval(scope):
            if presented is not None and authorized(config.approver, presented):
                await self.app(scope, receive, send)
                return
            if presented and config.token is not None and authorized(config.token, presented):
                log.info("approval refused: the API token may ask but not approve",
                         extra={"path": scope.get("path"), "client": _client(scope)})
                await error_response(403, "approver_required", "deciding an approval needs the approver token "
                                     "(APPROVER_TOKEN); the API token can ask and read, not approve")(
                    scope, receive, send)
                return
            await self._refuse(scope, receive, send, presented, "APPROVER_TOKEN")
            return
        path = scope.get("path", "")
        if config.token is None or path in config.open_paths or path in UI_OPEN or path.startswith(UI_OPEN_PREFIX):
            await self.app(scope, receive, send)
            return
        if presented is not None and (authorized(config.token, presented) or (
                config.approver is not None and authorized(config.approver, presented))):
            await self.app(scope, receive, send)
            return
        await self._refuse(scope, receive, send, presented, "API_TOKEN")

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, presented: list[bytes] | None,
                      token_name: str) -> None:
        log.info("request refused: %s bearer token", "no" if not presented else "invalid",
                 extra={"path": scope.get("path"), "client": _client(scope)})
        if not presented:
            message = f"authentication required: send 'Authorization: Bearer <{token_name}>'"
            challenge = REALM
        else:
            message = "invalid bearer token"
            challenge = f'{REALM}, error="invalid_token"'
        response = error_response(401, "unauthorized", message, {"WWW-Authenticate": challenge})
        await response(scope, receive, send)


def _client(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None
