"""Resource URLs: /api/v1/namespaces/<ns>/<resource>/<name>/<subresource> and /apis/<group>/<version>/..."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Target:
    """A parsed resource URL."""

    group: str
    version: str
    namespace: str | None
    resource: str
    name: str | None = None
    subresource: str | None = None


def split_api_path(parts: list[str]) -> tuple[str, str, list[str]] | None:
    """(`group`, `version`, rest) for /api/<v>/... and /apis/<g>/<v>/...; None for other paths."""
    if len(parts) >= 2 and parts[0] == "api":
        return "", parts[1], parts[2:]
    if len(parts) >= 3 and parts[0] == "apis":
        return parts[1], parts[2], parts[3:]
    return None


def parse_target(group: str, version: str, rest: list[str]) -> Target | None:
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    if len(rest) > 3:
        return None
    return Target(group, version, namespace, rest[0], *rest[1:])
