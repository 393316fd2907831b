"""Redaction: secrets are masked before anything reaches the LLM, the stream, the logs or the audit store.

One function, `redact(text)`, applied at three choke points: every message sent to the model
(app/engine/holmes.py wraps the LLM client), every event streamed or stored (app/stream.py), and every
log record (`RedactingFilter`). Patterns err on the side of masking: a masked non-secret costs a little
context; a leaked secret cannot be taken back.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

MASK = "***REDACTED***"

# Names that mark a value as secret (env vars, config keys, YAML/JSON fields, key=value pairs).
_SECRET_NAME = (
    r"[A-Za-z0-9_.\-]*(?:passw(?:or)?d|passwd|pwd|secret|token|api[_\-]?key|apikey|access[_\-]?key|"
    r"private[_\-]?key|credential|auth(?:orization)?[_\-]?(?:key|token|header)?|session[_\-]?key|"
    r"client[_\-]?secret|signing[_\-]?key|encryption[_\-]?key|dsn|connection[_\-]?string)[A-Za-z0-9_.\-]*"
)
# ...unless the name says the value is only a reference to a secret, not the secret itself.
_REFERENCE_NAME = re.compile(r"(?i)(?:name|ref|refs|file|path|keyref|secretref|_id|kind)$")

_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----.*?(?:-----END \1-----|\Z)", re.S)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/\-]{8,}=*")
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)([^/\s:@]+):([^/\s@]+)@")
_CLOUD_KEYS = re.compile(
    r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"  # AWS access key ids
    r"|\bAIza[0-9A-Za-z_\-]{35}\b"  # Google API keys
    r"|\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}\b"  # GitHub tokens
    r"|\bxox[abposr]-[A-Za-z0-9\-]{10,}\b"  # Slack tokens
    r"|\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}\b"  # OpenAI / Anthropic style keys
    r"|\bglpat-[A-Za-z0-9_\-]{20,}\b"  # GitLab tokens
)
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_LAST_APPLIED_INLINE = re.compile(
    r"(kubectl\.kubernetes\.io/last-applied-configuration\"?\s*[:=]\s*)(\"(?:[^\"\\]|\\.)*\"|\{.*|\S.*)"
)
# Env var entries in YAML (`- name: DB_PASSWORD` + `value: x`) and JSON ({"name": "...", "value": "..."}).
_ENV_YAML = re.compile(rf"(?im)(-\s*name:\s*[\"']?{_SECRET_NAME}[\"']?\s*\n\s*value:\s*)(\S.*)$")
_ENV_JSON = re.compile(rf"(?i)(\"name\"\s*:\s*\"{_SECRET_NAME}\"\s*,\s*\"value\"\s*:\s*)\"(?:[^\"\\]|\\.)*\"")
# `password=x`, `TOKEN: x`, `"apiKey": "x"`, `DB_PASSWORD:  x` (kubectl describe), `--password x`.
_PAIR = re.compile(
    rf"(?i)(?P<key>\"?(?<![A-Za-z0-9]){_SECRET_NAME}\"?)(?P<sep>\s*[=:]\s*|\s+(?=[\"']))(?P<value>\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^\s,;&\"'}}\]]+)"
)
_FLAG = re.compile(rf"(?i)(--{_SECRET_NAME}[= ])(\S+)")


def _pair(match: re.Match[str]) -> str:
    key = match.group("key").strip("\"")
    value = match.group("value")
    bare = value.strip("\"'")
    if _REFERENCE_NAME.search(key) or bare in ("", MASK, "null", "true", "false", "|", ">") or bare.lower() in (
        "bearer", "basic"
    ):
        return match.group(0)
    if value.startswith(("{", "[")) or (value.strip("\"'").isdigit() and len(value) < 6):
        return match.group(0)  # structure or a small number (e.g. `tokens: 3`), not a credential
    quote = value[0] if value[:1] in ("\"", "'") else ""
    return f"{match.group('key')}{match.group('sep')}{quote}{MASK}{quote}"


_RULES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (_PEM, lambda m: f"-----BEGIN {m.group(1)}-----{MASK}-----END {m.group(1)}-----"),
    (_JWT, MASK),
    (_BEARER, lambda m: f"{m.group(1)} {MASK}"),
    (_URL_CREDENTIALS, lambda m: f"{m.group(1)}{m.group(2)}:{MASK}@"),
    (_CLOUD_KEYS, MASK),
    (_ENV_YAML, lambda m: f"{m.group(1)}{MASK}"),
    (_ENV_JSON, lambda m: f"{m.group(1)}\"{MASK}\""),
    (_FLAG, lambda m: f"{m.group(1)}{MASK}"),
    (_PAIR, _pair),
]


def _mask_last_applied(text: str) -> str:
    """The last-applied annotation holds a whole manifest (Secret data included): drop its value, whether
    inline, a YAML `|` block or `kubectl describe`'s continuation lines (indented past the key's column)."""
    if _LAST_APPLIED not in text:
        return text
    out: list[str] = []
    skip_deeper_than: int | None = None
    for line in text.split("\n"):
        if skip_deeper_than is not None:
            if line.strip() and len(line) - len(line.lstrip()) > skip_deeper_than:
                continue
            skip_deeper_than = None
        column = line.find(_LAST_APPLIED)
        if column < 0:
            out.append(line)
            continue
        rest = line[column + len(_LAST_APPLIED):].lstrip("\"").strip()
        if rest in (":", ": |", ": |-", ": >", "=", ""):
            out.append(line.rstrip(" |->") + f" {MASK}")
            skip_deeper_than = column
        else:
            out.append(_LAST_APPLIED_INLINE.sub(
                lambda m: f"{m.group(1)}\"{MASK}\"" if m.group(2).startswith("\"") else f"{m.group(1)}{MASK}", line
            ))
    return "\n".join(out)


def redact(text: str) -> str:
    """`text` with every secret-looking value replaced by MASK."""
    if not text:
        return text
    text = _mask_last_applied(text)
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def redact_data(value: Any) -> Any:
    """Redact every string inside a JSON-like structure (event data, tool arguments)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """Masks secrets in log messages, their arguments and `extra` fields."""

    _STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        for key, value in list(record.__dict__.items()):
            if key not in self._STANDARD and isinstance(value, str | dict | list):
                setattr(record, key, redact_data(value))
        return True


def redact_object(value: Any) -> Any:
    """A Kubernetes object (or List) with every secret-looking value masked, structure kept."""
    return redact_data(value)
