"""Shaping what kubectl printed, in-process: what the old `| jq`, `| grep`, `| head` pipelines were for.

No subprocess, no filesystem, no environment: a JMESPath expression runs over the (already redacted)
JSON, and line operations with grep / head / tail / sort / uniq / wc semantics run over the (already
redacted) text. JMESPath has no functions that reach outside the document, unlike jq (`env`, `input`,
`import`), which is why it is the filter language here. Regexes run with a time limit.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import jmespath
import regex
from jmespath.exceptions import JMESPathError
from pydantic import BaseModel, ConfigDict, Field

REGEX_TIMEOUT_S = 0.5


class ShapingError(ValueError):
    """The filter or pattern cannot be applied; the message says why (it goes back to the caller)."""


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    filter: Annotated[str, Field(max_length=500)] | None = None  # JMESPath over JSON output
    grep: Annotated[str, Field(max_length=200)] | None = None  # keep lines matching (regex, case-insensitive)
    grep_invert: bool = False  # keep lines NOT matching
    sort: bool = False
    uniq: bool = False
    head: Annotated[int, Field(ge=1, le=5000)] | None = None
    tail: Annotated[int, Field(ge=1, le=5000)] | None = None
    count: bool = False  # print the number of lines (wc -l)

    @property
    def empty(self) -> bool:
        return self == Shape()

    def compile(self) -> None:
        """Check the expressions before anything runs."""
        if self.filter is not None:
            try:
                jmespath.compile(self.filter)
            except JMESPathError as exc:
                raise ShapingError(f"filter is not a valid JMESPath expression: {exc}") from None
        if self.grep is not None:
            try:
                regex.compile(self.grep, regex.I)
            except regex.error as exc:
                raise ShapingError(f"grep is not a valid regular expression: {exc}") from None

    def apply_json(self, document: Any) -> str:
        if self.filter is None:
            raise ShapingError("filter needs JSON output")
        try:
            found = jmespath.search(self.filter, document)
        except JMESPathError as exc:
            raise ShapingError(f"filter failed: {exc}") from None
        return self.apply_lines(json.dumps(found, indent=1, ensure_ascii=False, sort_keys=False))

    def apply_lines(self, text: str) -> str:
        lines = text.splitlines()
        if self.grep is not None:
            pattern = regex.compile(self.grep, regex.I)
            try:
                lines = [ln for ln in lines if bool(pattern.search(ln, timeout=REGEX_TIMEOUT_S)) != self.grep_invert]
            except TimeoutError:
                raise ShapingError("grep pattern took too long; use a simpler pattern") from None
        if self.sort:
            lines.sort()
        if self.uniq:
            lines = [ln for i, ln in enumerate(lines) if i == 0 or ln != lines[i - 1]]
        if self.head is not None:
            lines = lines[: self.head]
        if self.tail is not None:
            lines = lines[-self.tail:]
        if self.count:
            return str(len(lines))
        return "\n".join(lines)
