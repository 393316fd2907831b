"""Redaction at the source: secrets are masked where cluster text is produced, before it goes anywhere.

Two pure functions, sharing what a secret looks like (app/secret_shapes.py):

- `redact_object(obj)` for Kubernetes objects (a dict as from `kubectl get -o json` or the API, or a List of
  them): masks by *position*, knowing the keys — a Secret's `data` / `stringData` entirely; env `value`s whose
  name says secret; container `args` / `command` items after `--password`, `--token=`…; ConfigMap
  `data` / `binaryData` values under secret-looking keys; the `last-applied-configuration` annotation redacted
  structurally (it is a whole manifest); any field whose name says secret — and every other string by value
  shape (`redact`). Call it on parsed JSON before printing it as YAML or JSON.
- `redact(text)` for text: tables, `describe` output, logs, events, the question. Value shapes anywhere
  (tokens, keys, PEM bodies, DSNs, passwords in URLs, long random strings) and `name: value` / `name=value` /
  `--flag value` pairs whose name says secret.

Both are applied once, where tool output is produced; the LLM client (app/engine/guard.py), the stream,
the audit trail, the approvals store and the logs (`RedactingFilter`) apply `redact` again as a last line of
defence — it is idempotent. Names are not secrets: `secret "orders-db-secret" not found` comes through.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from app.secret_shapes import MASK, RANDOM_RULE, SHAPE_RULES, is_plain_value, is_secret_name

__all__ = ["MASK", "RedactingFilter", "redact", "redact_data", "redact_object"]

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# -- text ---------------------------------------------------------------------------------------------
_LAST_APPLIED_INLINE = re.compile(
    r"(kubectl\.kubernetes\.io/last-applied-configuration\\?\"?\s*[:=]\s*)(\\?\"(?:[^\"\\]|\\.)*\"|\{.*|\S.*)"
)


def _mask_last_applied(text: str) -> str:
    """In text the last-applied annotation (a whole manifest, Secret data included) is dropped: inline, as a
    YAML `|` block, or as `kubectl describe`'s continuation lines (indented past the key's column)."""
    if LAST_APPLIED not in text:
        return text
    out: list[str] = []
    skip_deeper_than: int | None = None
    for line in text.split("\n"):
        if skip_deeper_than is not None:
            if line.strip() and len(line) - len(line.lstrip()) > skip_deeper_than:
                continue
            skip_deeper_than = None
        column = line.find(LAST_APPLIED)
        if column < 0:
            out.append(line)
            continue
        rest = line[column + len(LAST_APPLIED):].lstrip("\"").strip()
        if rest in (":", ": |", ": |-", ": >", "=", ""):
            out.append(line.rstrip(" |->") + f" {MASK}")
            skip_deeper_than = column
        else:
            out.append(_LAST_APPLIED_INLINE.sub(
                lambda m: f"{m.group(1)}\"{MASK}\"" if m.group(2).lstrip("\\").startswith("\"")
                else f"{m.group(1)}{MASK}", line))
    return "\n".join(out)


def _mask_describe_data(text: str) -> str:
    """`kubectl describe configmap` prints each key as `KEY:` / `----` / the value's lines: a secret-looking
    key's value is masked whole (it may span lines)."""
    if "\n----\n" not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        i += 1
        if not (line.endswith(":") and i < len(lines) and lines[i] == "----" and is_secret_name(line[:-1])):
            continue
        out += ["----", MASK]
        i += 1
        while i < len(lines) and not (
            (lines[i].endswith(":") and i + 1 < len(lines) and lines[i + 1] == "----")
            or lines[i] in ("BinaryData", "Events:") or lines[i].startswith("Events:")
        ):
            i += 1
    return "\n".join(out)


def _prose(key: str, sep: str, value: str, after: str) -> bool:
    """`token: unexpected status`, `may require authorization: server message`, `volume "creds" : secret
    "creds" not found`: a lower-case word after a colon with more words following is a sentence, not a
    setting (an upper-case env name, `DB_PASSWORD: x y`, is always a setting)."""
    return (":" in sep and value.isalpha() and value.islower() and not key.strip("\\\"'").isupper()
            and re.match(r"[ \t]+[^\s#]", after) is not None)


def _masked_value(value: str) -> str:
    if value.startswith("\\\""):
        return f"\\\"{MASK}\\\""
    quote = value[0] if value[:1] in ("\"", "'") else ""
    return f"{quote}{MASK}{quote}"


def _flag(match: re.Match[str]) -> str:
    name, sep, value = match.group("name"), match.group("sep"), match.group("value")
    if not is_secret_name(name) or value.startswith("-") or is_plain_value(value) \
            or (sep.isspace() and _prose(name, ":", value, match.string[match.end():match.end() + 3])):
        return match.group(0)
    return f"{match.group('dash')}{name}{sep}{_masked_value(value)}"


def _env_entry(match: re.Match[str]) -> str:
    if not is_secret_name(match.group("name")) or is_plain_value(match.group("value")):
        return match.group(0)
    return f"{match.group('head')}{_masked_value(match.group('value'))}"


def _xml(match: re.Match[str]) -> str:
    tag, value = match.group("tag"), match.group("value")
    return f"<{tag}>{MASK}</{tag}>" if is_secret_name(tag) and not is_plain_value(value) else match.group(0)


def _cookie(match: re.Match[str]) -> str:
    return f"{match.group(1)}{MASK}" if "=" in match.group(2) else match.group(0)


Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]
_VALUE = r"(?P<value>\\\"(?:[^\"\\]|\\[^\"])*\\\"|\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^\s,;&\"'<>{}\[\]()]+)"
_STRUCTURE_RULES: tuple[Rule, ...] = (
    # XML-ish config: <password>x</password>
    (re.compile(r"<(?P<tag>[\w.\-:]{1,64})>(?P<value>[^<\n]{1,500})</(?P=tag)>"), _xml),
    # Env entries, as `kubectl get -o yaml` (`- name: X` / `value: y`) and `-o json` print them.
    (re.compile(r"(?P<head>-[ \t]*name:[ \t]*[\"']?(?P<name>[\w.\-]{1,128})[\"']?[ \t]*\n[ \t]*value:[ \t]*)"
                r"(?P<value>\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|\S[^\n]*)"), _env_entry),
    (re.compile(r"(?P<head>\"name\"[ \t]*:[ \t]*\"(?P<name>[\w.\-]{1,128})\"[ \t]*,\s*\"value\"[ \t]*:[ \t]*)"
                r"(?P<value>\"(?:[^\"\\\n]|\\.)*\")"), _env_entry),
    # --password x, --token=x, -password x (Go flags)
    (re.compile(r"(?<![\w\-])(?P<dash>--?)(?P<name>[A-Za-z][\w.\-]{0,80})(?P<sep>=|[ \t]+)"
                r"(?P<value>\"[^\"\n]*\"|'[^'\n]*'|[^\s\"']+)"), _flag),
    (re.compile(r"(?im)^([ \t]*(?:set-)?cookie[ \t]*:[ \t]*)(\S.*)$"), _cookie),
    (re.compile(r"\b(mysql(?:dump|admin)?\b[^\n]{0,200}?[ \t]-p)([^\s\-][^\s]*)"), lambda m: f"{m.group(1)}{MASK}"),
)
_RANDOM = RANDOM_RULE[0]
_TEXT_RULES: tuple[Rule, ...] = (*SHAPE_RULES, *_STRUCTURE_RULES, RANDOM_RULE)  # type: ignore[arg-type]


# key=value, key: value, "key": "value", KEY:  value (describe), \"key\":\"value\" (JSON in JSON). The
# value is matched only after the key is known to be secret: every `word:` in a text is a candidate key.
_PAIR_HEAD = re.compile(r"(?P<key>(?<![\w.\-])\\?[\"']?[A-Za-z_][\w.\-]{0,80}\\?[\"']?)"
                        r"(?P<sep>[ \t]*[=:](?![=:])[ \t]*)")
_PAIR_VALUE = re.compile(_VALUE)


def _mask_pairs(text: str) -> str:
    out: list[str] = []
    pos = 0
    while (head := _PAIR_HEAD.search(text, pos)) is not None:
        key, sep = head.group("key"), head.group("sep")
        value = _PAIR_VALUE.match(text, head.end()) if is_secret_name(key.strip("\\\"'")) else None
        if value is None or is_plain_value(value.group(0).replace("\\\"", "\"")) \
                or _prose(key, sep, value.group(0), text[value.end():value.end() + 3]):
            # not a secret: pass over the key only, so pairs nested in its value are still seen
            out.append(text[pos:head.end()])
            pos = head.end()
            continue
        out.append(f"{text[pos:head.start()]}{key}{sep}{_masked_value(value.group(0))}")
        pos = value.end()
    out.append(text[pos:])
    return "".join(out)


def _redact_text(text: str) -> str:
    text = _mask_last_applied(text)
    text = _mask_describe_data(text)
    for pattern, replacement in _TEXT_RULES:
        if pattern is _RANDOM:
            text = _mask_pairs(text)  # after the shapes and structures, before random strings
        text = pattern.sub(replacement, text)
    return text


_redact_cached = lru_cache(maxsize=4096)(_redact_text)


def redact(text: str) -> str:
    """`text` with every secret-looking value replaced by MASK (idempotent; names and prose untouched)."""
    if not text or len(text) < 8:
        return text
    return _redact_cached(text) if len(text) <= 2048 else _redact_text(text)


# -- objects ------------------------------------------------------------------------------------------
# Fields that hold identifiers and states, never credentials: not worth a regex pass each.
_IDENTIFIER_KEYS = frozenset({
    "name", "namespace", "uid", "kind", "apiVersion", "resourceVersion", "generateName", "nodeName",
    "serviceAccountName", "serviceAccount", "hostIP", "podIP", "phase", "reason", "type", "status",
    "creationTimestamp", "lastTransitionTime", "lastProbeTime", "startedAt", "finishedAt", "imageID",
    "containerID", "image", "imagePullPolicy", "restartPolicy", "dnsPolicy", "schedulerName", "fieldPath",
    "lastTimestamp", "firstTimestamp", "eventTime", "secretName", "key", "path", "mountPath", "claimName",
})


def redact_object(obj: Any) -> Any:
    """A copy of a Kubernetes object (or List, or any JSON value) with every secret masked, by position and
    by shape. Pure: the argument is not modified. Keys are kept (they are names); only values are masked."""
    return _walk(obj, None)


def _walk(value: Any, kind: str | None) -> Any:
    if isinstance(value, dict):
        return _object(value, kind)
    if isinstance(value, list):
        return [_walk(v, kind) for v in value]
    if isinstance(value, str):
        return redact(value)
    return value


def _object(obj: dict[str, Any], inherited_kind: str | None) -> dict[str, Any]:
    kind = obj.get("kind") if isinstance(obj.get("kind"), str) else inherited_kind
    # A typed list (ConfigMapList from the API) has items without `kind`: they are of the list's kind.
    item_kind = kind[:-4] if isinstance(kind, str) and kind.endswith("List") and kind != "List" else None
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key == "items" and isinstance(value, list):
            out[key] = [_walk(v, item_kind) for v in value]
        elif kind == "Secret" and key in ("data", "stringData") and isinstance(value, dict):
            out[key] = {k: MASK for k in value}
        elif kind == "ConfigMap" and key == "data" and isinstance(value, dict):
            out[key] = {k: _config_value(k, v) for k, v in value.items()}
        elif kind == "ConfigMap" and key == "binaryData" and isinstance(value, dict):
            out[key] = {k: _binary_value(k, v) for k, v in value.items()}
        elif key == "metadata" and isinstance(value, dict):
            out[key] = _metadata(value)
        elif key == "env" and isinstance(value, list):
            out[key] = [_env_var(v) for v in value]
        elif key in ("args", "command") and isinstance(value, list):
            out[key] = _argv(value)
        elif key == "managedFields":
            out[key] = value  # field names only, no values
        elif isinstance(value, str):
            out[key] = _field(key, value)
        elif isinstance(value, int | float) and not isinstance(value, bool) and is_secret_name(key) \
                and len(str(value)) >= 6:
            out[key] = MASK  # a numeric PIN or password under a secret-looking field
        else:
            out[key] = _walk(value, None)
    return out


def _field(key: str, value: str) -> str:
    if key in _IDENTIFIER_KEYS:
        return value
    if is_secret_name(key) and not is_plain_value(value):
        return MASK
    return redact(value)


def _config_value(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return _walk(value, None)
    if is_secret_name(key) and not is_plain_value(value):
        return MASK
    return redact(value)


def _binary_value(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return _walk(value, None)
    if is_secret_name(key):
        return MASK
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return redact(value)  # binary: a long random-looking blob is masked by shape
    return MASK if redact(decoded) != decoded else value


def _metadata(meta: dict[str, Any]) -> dict[str, Any]:
    out = {k: (_walk(v, None) if k not in ("annotations", "managedFields") else v) for k, v in meta.items()}
    annotations = meta.get("annotations")
    if isinstance(annotations, dict):
        out["annotations"] = {k: _annotation(k, v) for k, v in annotations.items()}
    return out


def _annotation(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return _walk(value, None)
    if key == LAST_APPLIED:
        # A whole manifest as JSON: redacted as the object it is (a Secret's data masked, an env password
        # masked, the rest kept for diffs). Not JSON: nothing to reason about, masked whole.
        try:
            manifest = json.loads(value)
        except ValueError:
            return MASK
        return json.dumps(redact_object(manifest), separators=(",", ":")) + "\n"
    return _field(key, value)


def _env_var(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return _walk(entry, None)
    out = _object({k: v for k, v in entry.items() if k != "value"}, None)
    value = entry.get("value")
    if "value" in entry:
        name = entry.get("name")
        secret = isinstance(name, str) and is_secret_name(name)
        if isinstance(value, str):
            out["value"] = MASK if secret and not is_plain_value(value) else redact(value)
        else:
            out["value"] = value
    return {k: out[k] for k in entry}  # the original key order


_FLAG_NAME = re.compile(r"--?([A-Za-z][\w.\-]*)")


def _argv(items: Iterable[Any]) -> list[Any]:
    """Container args / command: the item after a bare secret flag (`--password`, `x`) is masked, then every
    item is redacted as text (`--token=x`, `sh -c "… --password x"`, DSNs)."""
    out: list[Any] = []
    mask_next = False
    for item in items:
        if not isinstance(item, str):
            out.append(_walk(item, None))
            mask_next = False
            continue
        if mask_next and not item.startswith("-") and not is_plain_value(item):
            out.append(MASK)
            mask_next = False
            continue
        flag = _FLAG_NAME.fullmatch(item)
        mask_next = flag is not None and is_secret_name(flag.group(1))
        out.append(redact(item))
    return out


# -- any JSON-like data, logs ---------------------------------------------------------------------------
def redact_data(value: Any) -> Any:
    """Redact every string inside a JSON-like structure (event data, tool arguments, stored messages)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """Masks secrets in log messages, their arguments, `extra` fields and tracebacks."""

    _STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
    _TRACEBACKS = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        elif record.msg is not None:
            record.msg = redact(str(record.msg))
        if record.exc_info:  # exception texts (an LLM client's error with a request body) are text too
            record.exc_text = redact(self._TRACEBACKS.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        for key, value in list(record.__dict__.items()):
            if key not in self._STANDARD and isinstance(value, str | dict | list):
                setattr(record, key, redact_data(value))
        return True
