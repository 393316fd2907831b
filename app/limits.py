"""Request limits, enforced before the router: body size, per-client rate, concurrent investigations.

- Body size (every request): a `Content-Length` above `max_body_bytes` gets 413 at once, unread; a body
  sent without one (chunked) is counted as it streams in and cut with 413 at the limit.
- Body time: a body the request announces (`Content-Length`, chunked) is read whole, within
  `body_timeout_s`, before the route runs and before an investigation slot is taken, so a client that
  trickles its body (slow loris) holds no slot; too slow is 408.
- Rate (investigations only: `/ask`, `/q/...`, `POST /approvals/{id}` — they cost LLM tokens and cluster
  reads): a token bucket per client address, `rate_limit_per_minute` refilled steadily, holding up to
  `rate_limit_burst`. The address is the peer's, or what a proxy listed in `forwarded_allow_ips` says
  (app/proxies.py).
- Concurrency (investigations only): at most `max_concurrent_investigations` at once, service-wide; a slot
  is held until the response (the whole stream) ends, however it ends.

Both refusals are 429 with `Retry-After`. A pure ASGI middleware: it buffers request bodies (at most
`max_body_bytes`), never a response stream.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import CopilotError, PayloadTooLarge, TooManyRequests, error_response
from app.settings import Settings

# When every slot is taken there is no telling when one frees up: ask the client to come back soon.
CONCURRENCY_RETRY_AFTER_S = 5
_MAX_TRACKED_CLIENTS = 10000


class RateLimiter:
    """Token buckets by key: `per_minute` tokens a minute, at most `burst` saved up."""

    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token: 0 when allowed, else the seconds until one is available."""
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                if len(self._buckets) > _MAX_TRACKED_CLIENTS:
                    self._forget_full(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled: forgetting them changes nothing."""
        for key, (tokens, then) in list(self._buckets.items()):
            if tokens + (now - then) * self.rate >= self.burst:
                del self._buckets[key]


class Slots:
    """A counting cap without waiting: `try_acquire` says yes or no at once."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_use = 0
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        with self._lock:
            if self.in_use >= self.limit:
                return False
            self.in_use += 1
            return True

    def release(self) -> None:
        with self._lock:
            self.in_use -= 1


@dataclass
class LimitsConfig:
    """What the middleware enforces; `configure` fills it from the Settings at startup."""

    max_body_bytes: int = 65536
    body_timeout_s: float = 10.0
    rate: RateLimiter | None = None
    slots: Slots | None = None
    clock: Callable[[], float] = field(default=time.monotonic)

    def configure(self, settings: Settings) -> None:
        self.max_body_bytes = settings.max_body_bytes
        self.body_timeout_s = settings.body_timeout_s
        per_minute = settings.rate_limit_per_minute
        burst = settings.rate_limit_burst or per_minute
        self.rate = RateLimiter(per_minute, burst, self.clock) if per_minute > 0 else None
        cap = settings.max_concurrent_investigations
        self.slots = Slots(cap) if cap > 0 else None


def starts_investigation(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    method = scope.get("method", "GET")
    if path == "/ask" or path.startswith("/q/"):
        return method in ("GET", "POST")
    return method == "POST" and path.startswith("/approvals/")


def client_key(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class RequestLimits:
    def __init__(self, app: ASGIApp, config: LimitsConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        config = self.config
        try:
            self._check_length(scope)
            investigation = starts_investigation(scope)
            if investigation:
                self._check_rate(scope)
        except CopilotError as exc:
            await error_response(exc.status, exc.code, exc.message, exc.headers)(scope, receive, send)
            return
        if _announces_body(scope):
            try:
                body = await asyncio.wait_for(_read_body(receive, config.max_body_bytes), config.body_timeout_s)
            except TimeoutError:
                message = f"the request body did not arrive within {config.body_timeout_s:g} s"
                await error_response(408, "request_timeout", message, {"Connection": "close"})(scope, receive, send)
                return
            except PayloadTooLarge as exc:
                await error_response(exc.status, exc.code, exc.message, {"Connection": "close"})(scope, receive, send)
                return
            if body is None:  # the client left while sending: nobody to answer
                return
            receive = _replay(body, receive)
        slots = config.slots if investigation else None
        if slots is not None and not slots.try_acquire():
            refusal = TooManyRequests(
                f"{slots.limit} investigations are running, the most this service runs at once; try again shortly",
                retry_after_s=CONCURRENCY_RETRY_AFTER_S, code="too_many_investigations")
            await error_response(refusal.status, refusal.code, refusal.message, refusal.headers)(scope, receive, send)
            return
        started = False

        async def watch_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, _capped(receive, config.max_body_bytes), watch_start)
        except PayloadTooLarge as exc:  # read outside the router's error mapping (e.g. by a middleware)
            if started:
                raise
            await error_response(exc.status, exc.code, exc.message)(scope, receive, send)
        finally:
            if slots is not None:
                slots.release()

    def _check_length(self, scope: Scope) -> None:
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.strip().isdigit() and int(value) > self.config.max_body_bytes:
                raise _too_large(self.config.max_body_bytes)

    def _check_rate(self, scope: Scope) -> None:
        rate = self.config.rate
        if rate is None:
            return
        wait_s = rate.take(client_key(scope))
        if wait_s > 0:
            raise TooManyRequests(
                f"rate limit: at most {round(rate.rate * 60)} investigations a minute per client "
                f"(bursts of {int(rate.burst)})", retry_after_s=math.ceil(wait_s))


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the request body is larger than {limit} bytes")


def _announces_body(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-length" and value.strip() not in (b"", b"0"):
            return True
        if name == b"transfer-encoding" and b"chunked" in value.lower():
            return True
    return False


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body (PayloadTooLarge past `limit`), or None when the client disconnects first."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        if message["type"] != "http.request":
            continue
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` that hands the app the body already read, then the real channel (for disconnects)."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _capped(receive: Receive, limit: int) -> Receive:
    """`receive` that fails with 413 once the body grows past `limit` (a chunked body has no length)."""
    seen = 0

    async def receive_capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _too_large(limit)
        return message

    return receive_capped
