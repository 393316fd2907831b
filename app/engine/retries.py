"""Retries of LLM requests after transient failures, the same for every provider.

litellm leaves retrying to the provider's client: the OpenAI SDK (openai/, deepseek/, any OpenAI-compatible
endpoint) retries twice by default, other providers' clients differently or not at all. We switch the
client's own retries off (`max_retries=0`) and retry here instead, so `llm_max_retries` means exactly that
many extra requests whatever the provider: after a connection error, a timeout, or HTTP 408, 409, 429 or
5xx; waiting 0.5 s, 1 s, 2 s, ... (at most 8 s, with jitter), or what the provider's `Retry-After` asks
for (up to a minute; longer and the call fails at once). Other errors (a bad key, a refused request)
fail at once, and so does an LLM that cannot be reached at all (its host does not resolve, or refuses the
connection): waiting would not change that, and the user would wait for nothing.
"""

from __future__ import annotations

import logging
import random
import socket
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 409, 429})
MAX_BACKOFF_S = 8.0
MAX_RETRY_AFTER_S = 60.0


# How the socket layer words them, for exceptions that carry only the text (httpx, httpcore).
_NO_SUCH_HOST = ("Name or service not known", "nodename nor servname", "Temporary failure in name resolution",
                 "No address associated with hostname", "[Errno -2]", "[Errno -3]", "[Errno -5]")
_REFUSED = ("Connection refused", "[Errno 111]")
_CONNECT_ERRORS = ("ConnectError", "APIConnectionError")  # httpx's and httpcore's; openai's


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and what caused it, outermost first (litellm re-raises provider errors as new ones)."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not e for e in out):
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def connection_failure(exc: BaseException) -> str | None:
    """Why the LLM could not be reached at all, e.g. "llm.example does not resolve" or "127.0.0.1:8 refused the
    connection"; None for any other failure. litellm reports these as HTTP 500: the cause is in the chain."""
    chain = _chain(exc)
    reason = None
    # Connection-level links only: an HTTP error whose body mentions "Connection refused" (a gateway's 502)
    # was answered, and is retried like any 5xx.
    for link in (e for e in chain if isinstance(e, OSError) or type(e).__name__ in _CONNECT_ERRORS):
        text = str(link)
        if isinstance(link, socket.gaierror) or any(marker in text for marker in _NO_SUCH_HOST):
            reason = "does not resolve"
            break
        if isinstance(link, ConnectionRefusedError) or any(marker in text for marker in _REFUSED):
            reason = "refused the connection"
            break
    if reason is None:
        return None
    for link in reversed(chain):  # innermost first: litellm's own errors carry a placeholder request
        try:
            url = link.request.url  # type: ignore[attr-defined]  # httpx and openai errors carry the request
        except (AttributeError, RuntimeError):  # no request (httpx raises RuntimeError when unset)
            continue
        host = getattr(url, "host", None)
        if host:
            port = getattr(url, "port", None)
            return f"{host}:{port} {reason}" if port and reason != "does not resolve" else f"{host} {reason}"
    return f"its host {reason}"


def transient(exc: BaseException) -> bool:
    """A failure worth another try: the request may well succeed a moment later."""
    import openai  # litellm's exceptions derive from the openai SDK's

    if connection_failure(exc) is not None:  # no such host, nobody listening: fail fast
        return False
    if isinstance(exc, openai.APIConnectionError):  # reset, dropped — and timeouts (a subclass)
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(exc, openai.APIError) and isinstance(status, int) and (status in RETRY_STATUSES or status >= 500)


def retry_after_s(exc: BaseException) -> float | None:
    """The provider's `Retry-After` / `retry-after-ms`, in seconds, if it sent a number."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value) * scale)
            except ValueError:  # an HTTP date: fall back to our own backoff
                return None
    return None


def backoff_s(attempt: int) -> float:
    """Exponential backoff with jitter for retry number `attempt` (0-based)."""
    return float(min(MAX_BACKOFF_S, 0.5 * 2**attempt) * random.uniform(0.75, 1.0))


def install_retries(llm: Any, max_retries: int, sleep: Callable[[float], None] = time.sleep) -> None:
    """Wrap `llm.completion` (HolmesGPT's LLM client) with our retries; idempotent."""
    import openai

    if getattr(llm, "_copilot_retries", None) is not None:
        return
    llm.args["max_retries"] = 0  # litellm hands it to the provider's client: no retries underneath ours
    original: Callable[..., Any] = llm.completion

    def completion(*args: Any, **kwargs: Any) -> Any:
        attempt = 0
        while True:
            try:
                return original(*args, **kwargs)
            except openai.APIError as exc:
                asked = retry_after_s(exc)
                if attempt >= max_retries or not transient(exc) or (asked or 0) > MAX_RETRY_AFTER_S:
                    exc.copilot_attempts = attempt + 1  # type: ignore[attr-defined]  # for engine_error's message
                    raise
                delay = asked if asked is not None else backoff_s(attempt)
                attempt += 1
                log.warning("LLM request failed (%s); retry %d of %d in %.1f s", type(exc).__name__, attempt,
                            max_retries, delay, extra={"status": getattr(exc, "status_code", None)})
                sleep(delay)

    llm.completion = completion
    llm._copilot_retries = max_retries
