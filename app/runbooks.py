"""Runbooks: Markdown files with YAML front matter, loaded from a folder and reloaded when it changes.

In production the folder is a ConfigMap mount: kubelet updates it by swapping the `..data` symlink, so
changes are detected from each file's resolved path, size and mtime rather than from directory events.
A broken file is reported (log + `load_errors`) and skipped; the last good copy of it keeps serving.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from app.classify import PROBLEM_TYPES
from app.tools.command_text import CallTemplate, NotATypedCall, check_template, parse_template

log = logging.getLogger(__name__)

RUNBOOK_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)(.*)\Z", re.S)


def _typed(command: str) -> CallTemplate:
    """The step's command line as a typed call, checked now: a step that cannot be one never loads."""
    try:
        template = parse_template(command)
        check_template(template)
    except NotATypedCall as exc:
        raise ValueError(f"`{command}` is not a typed call: {exc}") from None
    return template


class DiagnosticStep(BaseModel):
    """A read the no-LLM engine runs: a kubectl line parsed into a typed call at load, or a PromQL query."""

    model_config = ConfigDict(extra="forbid")
    title: str
    command: str | None = None
    promql: str | None = None
    _call: CallTemplate | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _parse(self) -> DiagnosticStep:
        if (self.command is None) == (self.promql is None):
            raise ValueError("a diagnostic step has exactly one of command or promql")
        if self.command is not None:
            template = _typed(self.command)
            if template.cls.mutating:
                raise ValueError(f"`{self.command}` changes the cluster: it belongs under remediation")
            self._call = template
        return self

    @property
    def call(self) -> CallTemplate | None:
        return self._call


class RemediationStep(BaseModel):
    """A fix. `safe` / `needs-approval` steps are typed calls (actions wait for approval); `manual` steps
    are instructions for a person to run themselves (debug shells, helm, edit) — shown, never run."""

    model_config = ConfigDict(extra="forbid")
    title: str
    command: str
    safety: Literal["safe", "needs-approval", "manual"] = "needs-approval"
    _call: CallTemplate | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _parse(self) -> RemediationStep:
        if self.safety != "manual":
            self._call = _typed(self.command)
            if self.safety == "safe" and self._call.cls.mutating:
                raise ValueError(f"`{self.command}` changes the cluster: it cannot be marked safe")
        return self

    @property
    def call(self) -> CallTemplate | None:
        return self._call


class Runbook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    problem_types: list[str] = Field(min_length=1)
    keywords: list[str] = Field(default_factory=list)
    description: str = ""
    diagnostics: list[DiagnosticStep] = Field(default_factory=list)
    remediation: list[RemediationStep] = Field(default_factory=list)
    body: str = ""
    source: str = ""

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not RUNBOOK_ID.match(value):
            raise ValueError("id must be lowercase letters, digits and hyphens")
        return value

    @field_validator("problem_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t not in PROBLEM_TYPES]
        if unknown:
            raise ValueError(f"unknown problem types {unknown}; known: {', '.join(PROBLEM_TYPES)}")
        return value

    @property
    def text(self) -> str:
        return f"# {self.title}\n\n{self.body.strip()}\n"


class RunbookError(ValueError):
    pass


def parse_runbook(text: str, source: str) -> Runbook:
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if not match:
        raise RunbookError("missing YAML front matter (a '---' block at the top)")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise RunbookError(f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise RunbookError("front matter must be a mapping")
    try:
        runbook = Runbook(**meta, body=match.group(2), source=source)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise RunbookError(problems) from exc
    if runbook.id != Path(source).stem:
        raise RunbookError(f"id '{runbook.id}' does not match the file name '{Path(source).name}'")
    return runbook


@dataclass(frozen=True)
class RunbookSet:
    runbooks: dict[str, Runbook] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # file name → problem

    def for_type(self, problem_type: str) -> list[Runbook]:
        return [r for r in self.runbooks.values() if problem_type in r.problem_types]


Fingerprint = tuple[tuple[str, str, int, int], ...]


class RunbookStore:
    """Thread-safe holder of the current runbook set; `current()` reloads when the folder changed."""

    def __init__(self, folder: Path, reload_interval_s: float = 2.0) -> None:
        self.folder = folder
        self.reload_interval_s = reload_interval_s
        self._lock = threading.Lock()
        self._set = RunbookSet()
        self._fingerprint: Fingerprint | None = None
        self._checked_at = float("-inf")

    def current(self) -> RunbookSet:
        now = time.monotonic()
        if now - self._checked_at >= self.reload_interval_s:
            self.refresh()
        return self._set

    def refresh(self) -> bool:
        """Reload if anything changed; True when a reload happened."""
        with self._lock:
            self._checked_at = time.monotonic()
            fingerprint = self._scan()
            if fingerprint == self._fingerprint:
                return False
            self._set = self._load(self._set)
            self._fingerprint = fingerprint
            log.info(
                "runbooks loaded",
                extra={"runbooks": sorted(self._set.runbooks), "errors": sorted(self._set.errors)},
            )
            return True

    def _files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        # ConfigMap mounts hold `..data` and `..<timestamp>` entries beside the links: skip them.
        return sorted(p for p in self.folder.glob("*.md") if not p.name.startswith("."))

    def _scan(self) -> Fingerprint:
        entries = []
        for path in self._files():
            try:
                stat = path.stat()
            except OSError:  # a link caught mid-swap: the next check sees the settled state
                continue
            entries.append((path.name, str(path.resolve()), stat.st_mtime_ns, stat.st_size))
        return tuple(entries)

    def _load(self, previous: RunbookSet) -> RunbookSet:
        runbooks: dict[str, Runbook] = {}
        errors: dict[str, str] = {}
        if not self.folder.is_dir():
            errors[str(self.folder)] = "runbook folder does not exist"
        for path in self._files():
            try:
                runbook = parse_runbook(path.read_text(encoding="utf-8"), path.name)
            except (OSError, UnicodeDecodeError, RunbookError) as exc:
                errors[path.name] = str(exc)
                log.warning("runbook skipped", extra={"file": path.name, "error": str(exc)})
                kept = previous.runbooks.get(path.stem)
                if kept is not None:  # keep serving the last good version of this file
                    runbooks[kept.id] = kept
                continue
            if runbook.id in runbooks:
                errors[path.name] = f"duplicate runbook id '{runbook.id}'"
                continue
            runbooks[runbook.id] = runbook
        return RunbookSet(runbooks=runbooks, errors=errors)
