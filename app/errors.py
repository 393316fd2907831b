"""The one exception hierarchy. Everything that reaches a user is a `CopilotError`.

HTTP maps it once (app/api.py) to `{"error": {"code", "message"}}` with `status` (and `headers`, e.g.
`Retry-After`); a stream turns it into an `error` event. Messages are written for users: never a
traceback or a raw third-party message. The ASGI middlewares (auth, limits) answer before the router
and build the same document with `error_response`.
"""

from __future__ import annotations

from starlette.responses import JSONResponse


class CopilotError(Exception):
    code = "internal_error"
    status = 500

    def __init__(self, message: str, *, code: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = dict(headers or {})
        if code is not None:
            self.code = code


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The error document every failure answers with."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


class InvalidRequest(CopilotError):
    code = "invalid_request"
    status = 400


class InvalidParameter(InvalidRequest):
    """A parameter failed validation (missing, out of range, wrong type)."""

    code = "invalid_parameter"
    status = 422


class NotFound(CopilotError):
    code = "not_found"
    status = 404


class PayloadTooLarge(CopilotError):
    code = "payload_too_large"
    status = 413


class TooManyRequests(CopilotError):
    """A rate limit or the concurrency cap; `Retry-After` says when to try again."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after_s: int, code: str | None = None) -> None:
        super().__init__(message, code=code, headers={"Retry-After": str(max(1, retry_after_s))})
        self.retry_after_s = max(1, retry_after_s)


class LLMNotConfigured(InvalidRequest):
    code = "llm_not_configured"


class ConfigError(CopilotError):
    """Configuration that cannot work (bad config file, missing snapshot directory)."""

    code = "config_error"


class EngineError(CopilotError):
    """The investigation engine failed; `code` says how (llm_unavailable, llm_timeout, ...)."""

    code = "engine_failed"
    status = 502


class ToolError(CopilotError):
    code = "tool_failed"
    status = 502
