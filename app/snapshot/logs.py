"""Serve stored container logs the way the kubelet does: tail, since, timestamps, byte limits."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.snapshot.errors import QueryError
from app.snapshot.store import parse_time

_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) (.*)$", re.S)


class LogRequestError(QueryError):
    """A log request the kubelet would refuse with 400 Bad Request."""


@dataclass(frozen=True)
class LogOptions:
    container: str | None
    previous: bool
    timestamps: bool
    tail_lines: int | None
    limit_bytes: int | None
    since_seconds: int | None
    since_time: str | None


def _int_param(params: dict[str, str], name: str) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError as exc:
        raise LogRequestError(f"{name}: invalid integer {value!r}") from exc


def bool_param(params: Mapping[str, str], name: str) -> bool:
    """Go's strconv.ParseBool, which the API server uses: anything else is a 400."""
    value = params.get(name)
    if value in (None, ""):
        return False
    if value in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    if value in ("0", "f", "F", "false", "FALSE", "False"):
        return False
    raise LogRequestError(f"{name}: invalid boolean {value!r}")


def parse_log_options(params: dict[str, str]) -> LogOptions:
    options = LogOptions(
        container=params.get("container") or None,
        previous=bool_param(params, "previous"),
        timestamps=bool_param(params, "timestamps"),
        tail_lines=_int_param(params, "tailLines"),
        limit_bytes=_int_param(params, "limitBytes"),
        since_seconds=_int_param(params, "sinceSeconds"),
        since_time=params.get("sinceTime") or None,
    )
    bool_param(params, "follow")
    if options.tail_lines is not None and options.tail_lines < 0:
        raise LogRequestError("tailLines: Invalid value: must be greater than or equal to 0")
    if options.limit_bytes is not None and options.limit_bytes < 1:
        raise LogRequestError("limitBytes: Invalid value: must be greater than 0")
    if options.since_seconds is not None and options.since_seconds < 1:
        raise LogRequestError("sinceSeconds: Invalid value: must be greater than 0")
    if options.since_seconds is not None and options.since_time is not None:
        raise LogRequestError("at most one of `sinceTime` or `sinceSeconds` may be specified")
    if options.since_time is not None:
        try:
            parse_time(options.since_time)
        except ValueError as exc:
            raise LogRequestError(f"sinceTime: invalid RFC 3339 time {options.since_time!r}") from exc
    return options


def choose_container(pod: dict[str, Any], requested: str | None) -> str:
    """The container a log request is for; 400 messages match the API server's."""
    name = pod["metadata"]["name"]
    spec = pod.get("spec") or {}
    containers = [str(c.get("name")) for c in spec.get("containers") or []]
    init = [str(c.get("name")) for c in spec.get("initContainers") or []]
    ephemeral = [str(c.get("name")) for c in spec.get("ephemeralContainers") or []]
    if requested is None:
        if len(containers) == 1:
            return containers[0]
        choices = " ".join(containers)
        message = f"a container name must be specified for pod {name}, choose one of: [{choices}]"
        if init:
            message += f" or one of the init containers: [{' '.join(init)}]"
        raise LogRequestError(message)
    if requested not in containers + init + ephemeral:
        raise LogRequestError(f"container {requested} is not valid for pod {name}")
    return requested


def missing_log_message(pod: dict[str, Any], container: str, previous: bool) -> str | None:
    """Why the kubelet would refuse this log, or None when an empty log is the honest answer."""
    name = pod["metadata"]["name"]
    if previous:
        return f'previous terminated container "{container}" in pod "{name}" not found'
    status = pod.get("status") or {}
    statuses = (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or [])
    current = next((s for s in statuses if s.get("name") == container), None)
    waiting = ((current or {}).get("state") or {}).get("waiting")
    if current is None or waiting is not None:
        reason = (waiting or {}).get("reason") or "ContainerCreating"
        if reason in ("ErrImagePull", "ImagePullBackOff"):
            reason = "trying and failing to pull image"
        return f'container "{container}" in pod "{name}" is waiting to start: {reason}'
    return None


def render_log(path: Path, options: LogOptions, now: datetime) -> bytes:
    """Apply sinceSeconds/sinceTime (relative to capture time), tailLines, timestamps and limitBytes."""
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines(keepends=True)
    parsed: list[tuple[datetime | None, str, str]] = []
    for line in lines:
        match = _TIMESTAMP.match(line)
        if match:
            try:
                parsed.append((parse_time(match.group(1)), match.group(1), match.group(2)))
                continue
            except ValueError:
                pass
        parsed.append((None, "", line))
    cutoff: datetime | None = None
    if options.since_seconds is not None:
        cutoff = now - timedelta(seconds=options.since_seconds)
    elif options.since_time:
        cutoff = parse_time(options.since_time)
    if cutoff is not None:
        parsed = [entry for entry in parsed if entry[0] is None or entry[0] >= cutoff]
    if options.tail_lines is not None:
        parsed = parsed[-options.tail_lines:] if options.tail_lines > 0 else []
    out = "".join(f"{stamp} {body}" if options.timestamps and stamp else body for _, stamp, body in parsed)
    data = out.encode()
    if options.limit_bytes is not None and options.limit_bytes >= 0:
        data = data[: options.limit_bytes]
    return data
