"""The one exception hierarchy. Everything that reaches a user is a `CopilotError`.

HTTP maps it once (app/api.py) to `{"error": {"code", "message"}}` with `status`; a stream turns it into
an `error` event. Messages are written for users: never a traceback or a raw third-party message.
"""

from __future__ import annotations


class CopilotError(Exception):
    code = "internal_error"
    status = 500

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


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


class PolicyDenied(CopilotError):
    code = "command_denied"
    status = 403
