"""Read a kubectl command line written by a PERSON (a runbook author, `policy check`) into a typed call.

This is the only place command text is parsed, and its result is never run as text: it becomes a
`KubeCall` whose fields pass the same validation as a model's tool arguments. The grammar is deliberately
narrow — the verbs and flags of the typed calls, nothing else — so an unknown flag, a shell operator, a
local file, an output template or a raw API path is a clear refusal, not a guess. Model output never
comes through here: the model sends values, not command lines.

Runbook steps keep `{placeholders}`: `parse_template` returns the call class and the raw field values;
`CallTemplate.fill(values)` substitutes inside individual field values (never re-tokenising), then
validates, so a placeholder value cannot add a flag or a word.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from app.tools import kube_calls as kc

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_SHELL = ("|", ";", "&", ">", "<", "`", "$(", "${", "\n", "\r", "\x00")
# flag → (field, takes a value). Short forms as kubectl spells them.
_FLAGS: dict[str, tuple[str, bool | None]] = {
    "-n": ("namespace", True), "--namespace": ("namespace", True),
    "-A": ("all_namespaces", False), "--all-namespaces": ("all_namespaces", False),
    "-l": ("selector", True), "--selector": ("selector", True),
    "--field-selector": ("field_selector", True),
    "-o": ("output", True), "--output": ("output", True),
    "--sort-by": ("sort_by", True), "--show-labels": ("show_labels", False),
    "-c": ("container", True), "--container": ("container", True), "--containers": ("containers", None),
    "-p": ("previous", False), "--previous": ("previous", False),
    "--tail": ("tail", True), "--since": ("since", True),
    "--api-group": ("api_group", True), "--replicas": ("replicas", True), "--to-revision": ("to_revision", True),
    "--requests": ("requests", True), "--limits": ("limits", True), "--type": ("patch_type", True),
    "--patch": ("patch", True), "--raw": ("raw", True), "--watch": ("watch", False),
}
_KINDS_FOR_ACTIONS = {"deploy": "deployment", "deployment": "deployment", "deployments": "deployment",
                      "sts": "statefulset", "statefulset": "statefulset", "statefulsets": "statefulset",
                      "ds": "daemonset", "daemonset": "daemonset", "daemonsets": "daemonset",
                      "rs": "replicaset", "replicaset": "replicaset", "replicasets": "replicaset"}


class NotATypedCall(ValueError):
    """The text is not one of the typed calls; the message says why, for the person who wrote it."""


@dataclass(frozen=True)
class CallTemplate:
    cls: type[kc.KubeCall]
    fields: dict[str, Any]

    @property
    def placeholders(self) -> set[str]:
        return {m for v in self.fields.values() if isinstance(v, str) for m in _PLACEHOLDER.findall(v)}

    def fill(self, values: dict[str, str]) -> kc.KubeCall:
        """The call with `{name}` placeholders replaced by `values`, validated; NotATypedCall if invalid."""
        filled = {}
        for key, value in self.fields.items():
            if isinstance(value, str):
                missing = [p for p in _PLACEHOLDER.findall(value) if p not in values]
                if missing:
                    raise NotATypedCall(f"no value for {{{missing[0]}}}")
                value = _PLACEHOLDER.sub(lambda m: values[m.group(1)], value)
            filled[key] = value
        return build(self.cls, filled)


def build(cls: type[kc.KubeCall], fields: dict[str, Any]) -> kc.KubeCall:
    try:
        return cls(**fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or cls.verb}: {e['msg']}" for e in exc.errors())
        raise NotATypedCall(problems) from None


def _tokens(text: str) -> list[str]:
    for bad in _SHELL:
        if bad in text:
            raise NotATypedCall(f"shell syntax ({bad!r}) is not part of a typed call: no pipes, redirections or "
                                "second commands — shape output with the tool's filter/grep/head options")
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise NotATypedCall(f"cannot read the command line: {exc}") from None


def _split_flags(args: list[str]) -> tuple[list[str], dict[str, Any]]:
    words: list[str] = []
    flags: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            raise NotATypedCall("'--' (a command to run inside a container) is not a typed call")
        if not arg.startswith("-") or arg == "-":
            words.append(arg)
            i += 1
            continue
        name, eq, value = arg.partition("=")
        if name not in _FLAGS and len(name) > 2 and not name.startswith("--") and name[:2] in _FLAGS:
            name, eq, value = name[:2], "=", arg[2:]  # attached short value: -nshop
        if name not in _FLAGS:
            raise NotATypedCall(f"the flag '{name}' is not part of any typed call")
        field, takes_value = _FLAGS[name]
        if takes_value is None:  # --containers: a flag for `top`, a value for `set resources`
            takes_value = bool(eq)
        if takes_value and not eq:
            if i + 1 >= len(args):
                raise NotATypedCall(f"{name} needs a value")
            value = args[i + 1]
            i += 1
        elif not takes_value and eq and value not in ("true", "false"):
            raise NotATypedCall(f"{name} takes no value")
        if field in flags:
            raise NotATypedCall(f"{name} is given twice")
        flags[field] = value if takes_value else (value != "false")
        i += 1
    return words, flags


def _kind_and_name(words: list[str], need_name: bool = True) -> tuple[str, str | None]:
    if words and "/" in words[0]:
        kind, _, name = words[0].partition("/")
        if len(words) > 1:
            raise NotATypedCall(f"unexpected '{words[1]}'")
        return kind, name
    if not words:
        raise NotATypedCall("no resource given")
    if len(words) > 2:
        raise NotATypedCall(f"unexpected '{words[2]}'")
    if need_name and len(words) < 2:
        raise NotATypedCall("no name given")
    return words[0], words[1] if len(words) > 1 else None


def _output(flags: dict[str, Any]) -> None:
    output = flags.get("output")
    if output is None:
        return
    if output.startswith("custom-columns="):
        flags["columns"] = output.removeprefix("custom-columns=").split(",")
        del flags["output"]
    elif output not in ("wide", "yaml", "json", "name"):
        raise NotATypedCall(f"output '{output}' is not offered: use wide, yaml, json, name or custom-columns "
                            "(templates and *-file outputs read local files)")


def _only(flags: dict[str, Any], allowed: set[str], what: str) -> dict[str, Any]:
    extra = sorted(set(flags) - allowed)
    if extra:
        raise NotATypedCall(f"{what} does not take {', '.join(extra)}")
    return flags


def _events(flags: dict[str, Any]) -> dict[str, Any]:
    fields = _only(flags, {"namespace", "all_namespaces", "field_selector", "sort_by", "output"}, "get events")
    fields.pop("sort_by", None)  # events are always sorted by time
    for term in (fields.pop("field_selector", "") or "").split(","):
        if not term:
            continue
        key, _, value = term.partition("=")
        target = {"type": "type", "reason": "reason", "involvedObject.kind": "object_kind",
                  "involvedObject.name": "object_name"}.get(key)
        if target is None or value.startswith("="):
            raise NotATypedCall(f"events are filtered by type, reason, involvedObject.kind/name, not '{term}'")
        fields[target] = value
    return fields


def parse_template(text: str) -> CallTemplate:
    """The typed call a command line describes, with placeholders left in its values."""
    tokens = _tokens(text.strip())
    if not tokens or tokens[0] != "kubectl":
        if tokens[:1] == ["helm"] and len(tokens) > 1 and tokens[1] in ("list", "ls", "status", "history"):
            return _helm(tokens[1:])
        raise NotATypedCall(f"only kubectl calls are typed calls, not '{tokens[0] if tokens else ''}'")
    args = tokens[1:]
    if "patch" in args[:1]:  # `-p` is --patch for patch, --previous for logs
        args = ["--patch" if a == "-p" else a for a in args]
    words, flags = _split_flags(args)
    if not words:
        raise NotATypedCall("no kubectl verb given")
    verb, rest = words[0], words[1:]
    cls: type[kc.KubeCall]
    fields: dict[str, Any]
    if verb == "get" and "raw" in flags:
        path = str(flags.pop("raw"))
        match = re.fullmatch(r"/(readyz|livez|healthz)(\?verbose)?", path)
        if rest or flags or match is None:
            raise NotATypedCall("only the API server's /readyz, /livez and /healthz checks are read raw")
        cls, fields = kc.ApiHealth, {"check": match.group(1), "verbose": bool(match.group(2))}
    elif verb == "get" and rest[:1] == ["events"] and len(rest) == 1:
        cls, fields = kc.Events, _events(flags)
    elif verb == "get":
        kind, name = _kind_and_name(rest, need_name=False)
        _output(flags)
        if flags.get("watch") is False:
            del flags["watch"]
        fields = {"kind": kind, **({"name": name} if name else {}), **flags}
        fields["output"] = fields.get("output", "table")
        cls = kc.Get
    elif verb == "describe":
        kind, name = _kind_and_name(rest, need_name=False)
        cls = kc.Describe
        fields = {"kind": kind, **({"name": name} if name else {}),
                  **_only(flags, {"namespace", "all_namespaces", "selector"}, "describe")}
    elif verb == "logs":
        if len(rest) > 1 or (rest and "/" in rest[0] and not rest[0].startswith("pod/")):
            raise NotATypedCall("logs are read from one pod (or by a label selector), not a workload")
        cls = kc.Logs
        fields = {**({"pod": rest[0].removeprefix("pod/")} if rest else {}),
                  **_only(flags, {"namespace", "selector", "container", "previous", "tail", "since"}, "logs")}
    elif verb == "top":
        if not rest or rest[0] not in ("pod", "pods", "po", "node", "nodes", "no") or len(rest) > 2:
            raise NotATypedCall("top reads pods or nodes")
        cls = kc.Top
        fields = {"resource": "nodes" if rest[0].startswith("no") else "pods",
                  **({"name": rest[1]} if len(rest) > 1 else {}),
                  **_only(flags, {"namespace", "all_namespaces", "selector", "containers", "sort_by"}, "top")}
    elif verb == "rollout" and rest[:1] in (["status"], ["history"], ["restart"], ["undo"]):
        kind, name = _kind_and_name(rest[1:])
        action = rest[0]
        allowed = {"namespace"} | ({"watch"} if action == "status" else set()) | (
            {"to_revision"} if action == "undo" else set())
        fields = {"kind": _KINDS_FOR_ACTIONS.get(kind, kind), "name": name,
                  **_only(flags, allowed, f"rollout {action}")}
        fields.pop("watch", None)
        if action in ("status", "history"):
            cls, fields["action"] = kc.Rollout, action
        else:
            cls = kc.RolloutRestart if action == "restart" else kc.RolloutUndo
    elif verb == "api-resources" and not rest:
        _output(flags)
        wide = flags.pop("output", None) == "wide"
        cls, fields = kc.ApiResources, {**_only(flags, {"api_group"}, "api-resources"), "wide": wide}
    elif verb == "version" and not rest:
        output = flags.pop("output", None)
        _only(flags, set(), "version")
        cls, fields = kc.Version, {"json_output": output == "json"}
    elif verb == "explain" and len(rest) == 1 and not flags:
        cls, fields = kc.Explain, {"path": rest[0]}
    elif verb == "scale":
        kind, name = _kind_and_name(rest)
        cls = kc.Scale
        fields = {"kind": _KINDS_FOR_ACTIONS.get(kind, kind), "name": name,
                  **_only(flags, {"namespace", "replicas"}, "scale")}
    elif verb == "delete" and rest and (rest[0] in ("pod", "pods", "po") or rest[0].startswith("pod/")):
        words_ = [rest[0].removeprefix("pod/")] if rest[0].startswith("pod/") else rest[1:]
        phase = (flags.pop("field_selector", "") or "").removeprefix("status.phase=") or None
        cls = kc.DeletePod
        fields = {**({"name": words_[0]} if words_ else {}), **({"phase": phase} if phase else {}),
                  **_only(flags, {"namespace"}, "delete pod")}
        if len(words_) > 1:
            raise NotATypedCall("delete one pod at a time")
    elif verb in ("cordon", "uncordon") and len(rest) == 1 and not flags:
        cls, fields = kc.Cordon, {"node": rest[0].removeprefix("node/"), "undo": verb == "uncordon"}
    elif verb == "set" and rest[:1] == ["image"] and len(rest) == 3 and "=" in rest[2]:
        kind, name = _kind_and_name(rest[1:2])
        container, _, image = rest[2].partition("=")
        cls = kc.SetImage
        fields = {"kind": _KINDS_FOR_ACTIONS.get(kind, kind), "name": name, "container": container, "image": image,
                  **_only(flags, {"namespace"}, "set image")}
    elif verb == "set" and rest[:1] == ["resources"]:
        kind, name = _kind_and_name(rest[1:])
        flags = _only(flags, {"namespace", "container", "containers", "requests", "limits"}, "set resources")
        container = flags.pop("container", None) or flags.pop("containers", None)
        cls = kc.SetResources
        fields = {"kind": _KINDS_FOR_ACTIONS.get(kind, kind), "name": name,
                  **({"container": container} if container else {}), **flags}
        for key in ("requests", "limits"):
            if key in fields:
                fields[key] = dict(item.split("=", 1) for item in str(fields[key]).split(",") if "=" in item)
    elif verb == "patch":
        kind, name = _kind_and_name(rest)
        flags = _only(flags, {"namespace", "patch_type", "patch"}, "patch")
        body = flags.pop("patch", None)
        try:
            patch = json.loads(str(body))
        except json.JSONDecodeError:
            raise NotATypedCall("patch needs --patch='<JSON>' (YAML patches and --patch-file are not read)") from None
        cls = kc.Patch
        fields = {"kind": _KINDS_FOR_ACTIONS.get(kind, kind), "name": name, "patch": patch, **flags}
    else:
        raise NotATypedCall(f"'kubectl {' '.join(words[:2])}' is not one of the typed calls "
                            f"({', '.join(sorted(kc.ALL_CALLS))})")
    return CallTemplate(cls, fields)


def _helm(args: list[str]) -> CallTemplate:
    words, flags = _split_flags([a for a in args if a not in ("--all", "-a")])
    fields = _only(flags, {"namespace", "all_namespaces"}, "helm")
    if words[0] in ("status", "history"):
        if len(words) != 2:
            raise NotATypedCall(f"helm {words[0]} takes one release")
        fields["release"] = words[1]
    elif len(words) != 1:
        raise NotATypedCall("helm list takes no release")
    return CallTemplate(kc.HelmReleases, fields)


def parse_call(text: str) -> kc.KubeCall:
    """A complete command line (no placeholders) as a validated typed call."""
    template = parse_template(text)
    if template.placeholders:
        raise NotATypedCall(f"fill in {{{sorted(template.placeholders)[0]}}} first")
    return template.fill({})


def check_template(template: CallTemplate) -> None:
    """Validate a template as if its placeholders held ordinary names (runbook load time)."""
    template.fill({name: "x1" for name in template.placeholders})
