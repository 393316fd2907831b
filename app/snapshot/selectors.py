"""Label and field selectors, parsed the way the API server parses `labelSelector` / `fieldSelector`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.snapshot.resources import ResourceType


class SelectorError(ValueError):
    """A selector the API server would reject with 400 Bad Request."""


LabelMatcher = Callable[[Mapping[str, str]], bool]

_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_SET_RE = re.compile(rf"^\s*(?P<key>{_KEY})\s+(?P<op>in|notin)\s*\((?P<values>[^)]*)\)\s*$")
_EQ_RE = re.compile(rf"^\s*(?P<key>{_KEY})\s*(?P<op>==|=|!=)\s*(?P<value>[-A-Za-z0-9_.]*)\s*$")
_EXISTS_RE = re.compile(rf"^\s*(?P<neg>!?)\s*(?P<key>{_KEY})\s*$")


def _split_requirements(selector: str) -> list[str]:
    """Split on commas that are not inside `( ... )` value sets."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part for part in parts if part.strip()]


def _requirement(text: str) -> LabelMatcher:
    if match := _SET_RE.match(text):
        key, values = match["key"], {v.strip() for v in match["values"].split(",") if v.strip()}
        if match["op"] == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if match := _EQ_RE.match(text):
        key, value = match["key"], match["value"]
        if match["op"] == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if match := _EXISTS_RE.match(text):
        key = match["key"]
        if match["neg"]:
            return lambda labels: key not in labels
        return lambda labels: key in labels
    raise SelectorError(f"unable to parse requirement: {text.strip()!r}")


def parse_label_selector(selector: str) -> LabelMatcher:
    """A predicate over an object's labels; every requirement must hold."""
    requirements = [_requirement(part) for part in _split_requirements(selector)]
    return lambda labels: all(requirement(labels) for requirement in requirements)


_FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
            "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"),
    "Event": ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
              "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
              "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"),
    "Node": ("spec.unschedulable",),
    "Namespace": ("status.phase",),
    "Secret": ("type",),
    "Job": ("status.successful",),
    "ReplicaSet": ("status.replicas",),
    "ReplicationController": ("status.replicas",),
}

_ALIASES: dict[str, str] = {"source": "source.component"}
_BOOL_FIELDS = {"spec.unschedulable", "spec.hostNetwork"}


@dataclass(frozen=True)
class FieldRequirement:
    path: str
    negate: bool
    value: str


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def parse_field_selector(selector: str, resource: ResourceType) -> list[FieldRequirement]:
    """Parse `a=b,c!=d`; unknown field labels raise SelectorError like the real server's 400."""
    allowed = {"metadata.name", "metadata.namespace", *_FIELD_LABELS.get(resource.kind, ())}
    requirements: list[FieldRequirement] = []
    for part in re.split(r"(?<!\\),", selector):
        if not part.strip():
            continue
        match = re.match(r"^\s*([^!=\s]+)\s*(==|!=|=)(.*)$", part)
        if match is None:
            raise SelectorError(f"invalid selector: '{selector}'; can't understand '{part}'")
        path, op, value = match.group(1), match.group(2), _unescape(match.group(3).strip())
        if path not in allowed:
            raise SelectorError(f'field label not supported: {path}')
        requirements.append(FieldRequirement(path, op == "!=", value))
    return requirements


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """The string a field selector compares against; absent fields compare as empty."""
    current: Any = obj
    for part in _ALIASES.get(path, path).split("."):
        current = current.get(part) if isinstance(current, Mapping) else None
    if path in _BOOL_FIELDS:
        return "true" if current is True else "false"
    if current is None:
        return ""
    if isinstance(current, bool):
        return "true" if current else "false"
    return str(current)


def matches_fields(obj: Mapping[str, Any], requirements: list[FieldRequirement]) -> bool:
    return all((field_value(obj, req.path) == req.value) != req.negate for req in requirements)
