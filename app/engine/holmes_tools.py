"""Our Kubernetes toolset for the HolmesGPT engine: typed kubectl reads and typed, approval-gated actions.

The model never writes a command line. It calls `kubectl` (reads) or `kubectl_action` (changes) with
values; each call is validated into a `KubeCall` (app/tools/kube_calls.py) before anything runs, and the
service builds the argv itself. An invalid value comes back to the model as a tool error saying which
value and why. Actions always pause for a human (`requires_approval`), with a server-side dry run of the
action in the approval's reason. HolmesGPT keeps its tool-calling loop; only what it is handed changed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from holmes.core.tools import (
    ApprovalRequirement,
    StructuredToolResult,
    StructuredToolResultStatus,
    Tool,
    ToolInvokeContext,
    ToolParameter,
    Toolset,
    ToolsetTag,
)
from pydantic import PrivateAttr, ValidationError

from app.engine.holmes import CANCEL_KEY, ON_START_KEY
from app.tools import kube_calls as kc
from app.tools.kubectl import CommandResult, KubectlRunner
from app.tools.shaping import Shape

TOOLSET_NAME = "kubernetes"

_READ_VERBS = ["get", "describe", "logs", "events", "top", "rollout_status", "rollout_history", "api_health",
               "api_resources", "version", "explain", "helm_releases"]
_ACTIONS = ["scale", "rollout_restart", "rollout_undo", "delete_pod", "cordon", "uncordon", "set_image",
            "set_resources", "patch"]
_SHAPE_FIELDS = ("filter", "grep", "grep_invert", "sort", "uniq", "head", "tail_lines", "count")
# Kind names as models write them for events' involvedObject.kind.
_EVENT_KINDS = {k.lower(): k for k in ("Pod", "Node", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
                                       "CronJob", "Service", "Ingress", "PersistentVolumeClaim",
                                       "PersistentVolume", "HorizontalPodAutoscaler", "Namespace", "Endpoints")}


def _p(description: str | None, kind: str | list[str] = "string", **extra: Any) -> ToolParameter:
    return ToolParameter(description=description, type=kind, required=False, **extra)


# The schemas the model sees are kept small (they are sent on every LLM call); read_call also accepts the
# rarer fields the typed calls take (field_selector, columns, sort_by, since, type, reason, head, ...).
READ_PARAMETERS: dict[str, ToolParameter] = {
    "verb": ToolParameter(type="string", enum=_READ_VERBS),
    "kind": _p("e.g. pods, deployments, nodes, ingresses (never secrets)"),
    "name": _p("object, pod (logs) or release"),
    "namespace": _p(None),
    "all_namespaces": _p(None, "boolean"),
    "selector": _p("labels, e.g. app=cart"),
    "output": _p(None, enum=["wide", "yaml", "json"]),
    "columns": _p("{NAME: .json.path}", "object", additional_properties={"type": "string"}),
    "container": _p(None),
    "previous": _p("logs of the crashed instance", "boolean"),
    "tail": _p("log lines", "integer"),
    "filter": _p("JMESPath over the JSON"),
    "grep": _p("keep matching lines (regex)"),
}
ACTION_PARAMETERS: dict[str, ToolParameter] = {
    "action": ToolParameter(type="string", enum=_ACTIONS),
    "kind": _p("deployment, statefulset, daemonset, ..."),
    "name": _p("object (cordon: node)"),
    "namespace": _p(None),
    "replicas": _p(None, "integer"),
    "container": _p(None),
    "image": _p(None),
    "requests": _p("e.g. {memory: 512Mi}", "object", additional_properties={"type": "string"}),
    "limits": _p(None, "object", additional_properties={"type": "string"}),
    "patch": _p("strategic merge body (a list: JSON patch)", ["object", "array"]),
}


class CallError(ValueError):
    """The arguments do not make a valid call; the message goes back to the model."""


def _values(params: dict[str, Any], allowed: set[str], verb: str) -> dict[str, Any]:
    given = {k: v for k, v in params.items() if v not in (None, "", [], {}) and k not in ("verb", "action")}
    extra = sorted(k for k in set(given) - allowed - set(_SHAPE_FIELDS) if given[k] is not False)
    if extra:
        raise CallError(f"'{verb}' does not take {', '.join(extra)}")
    return {k: v for k, v in given.items() if k in allowed}


def _build(cls: type[kc.KubeCall], fields: dict[str, Any]) -> kc.KubeCall:
    try:
        return cls(**fields)
    except ValidationError as exc:
        raise CallError("; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}"
                                  for e in exc.errors())) from None


def read_call(params: dict[str, Any]) -> tuple[kc.KubeCall, Shape]:
    """The model's `kubectl` arguments as a validated read and an output shape."""
    verb = str(params.get("verb") or "")
    scoped = {"namespace", "all_namespaces"}
    v: dict[str, Any]
    if verb == "get":
        v = _values(params, {"kind", "name", "selector", "field_selector", "output", "columns", "sort_by"} | scoped,
                    verb)
        if isinstance(v.get("columns"), dict):  # {NAME: .json.path}, as the schema offers it
            v["columns"] = [f"{name}:{path}" for name, path in v["columns"].items()]
        call = _build(kc.Get, v)
    elif verb == "describe":
        call = _build(kc.Describe, _values(params, {"kind", "name", "selector"} | scoped, verb))
    elif verb == "logs":
        v = _values(params, {"name", "namespace", "selector", "container", "previous", "tail", "since"}, verb)
        call = _build(kc.Logs, {("pod" if k == "name" else k): x for k, x in v.items()})
    elif verb == "events":
        v = _values(params, {"kind", "name", "type", "reason"} | scoped, verb)
        if "kind" in v:
            v["object_kind"] = _EVENT_KINDS.get(str(v.pop("kind")).lower().rstrip("s"), v.get("kind"))
        if "name" in v:
            v["object_name"] = v.pop("name")
        call = _build(kc.Events, v)
    elif verb == "top":
        v = _values(params, {"kind", "name", "selector", "sort_by"} | scoped, verb)
        if "kind" in v:
            v["resource"] = "nodes" if str(v.pop("kind")).startswith("node") else "pods"
        call = _build(kc.Top, v)
    elif verb in ("rollout_status", "rollout_history"):
        v = _values(params, {"kind", "name", "namespace"}, verb)
        call = _build(kc.Rollout, {**v, "action": verb.removeprefix("rollout_")})
    elif verb == "api_health":
        call = _build(kc.ApiHealth, _values(params, set(), verb))
    elif verb == "api_resources":
        call = _build(kc.ApiResources, _values(params, set(), verb))
    elif verb == "version":
        call = _build(kc.Version, _values(params, set(), verb))
    elif verb == "explain":
        call = _build(kc.Explain, {"path": _values(params, {"kind"}, verb).get("kind", "")})
    elif verb == "helm_releases":
        v = _values(params, {"name"} | scoped, verb)
        call = _build(kc.HelmReleases, {("release" if k == "name" else k): x for k, x in v.items()})
    else:
        raise CallError(f"verb must be one of {', '.join(_READ_VERBS)}")
    shape_args = {("tail" if k == "tail_lines" else k): params[k] for k in _SHAPE_FIELDS
                  if params.get(k) not in (None, "", False)}
    try:
        shape = Shape(**shape_args)
    except ValidationError as exc:
        raise CallError("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())) from None
    return call, shape


def action_call(params: dict[str, Any]) -> kc.Action:
    """The model's `kubectl_action` arguments as a validated action."""
    action = str(params.get("action") or "")
    workload = {"kind", "name", "namespace"}
    fields: dict[str, Any]
    cls: type[kc.KubeCall]
    if action == "scale":
        cls, fields = kc.Scale, _values(params, workload | {"replicas"}, action)
    elif action == "rollout_restart":
        cls, fields = kc.RolloutRestart, _values(params, workload, action)
    elif action == "rollout_undo":
        cls, fields = kc.RolloutUndo, _values(params, workload | {"to_revision"}, action)
    elif action == "delete_pod":
        cls, fields = kc.DeletePod, _values(params, {"name", "namespace", "phase"}, action)
    elif action in ("cordon", "uncordon"):
        fields = _values(params, {"name"}, action)
        cls, fields = kc.Cordon, {"node": fields.get("name", ""), "undo": action == "uncordon"}
    elif action == "set_image":
        cls, fields = kc.SetImage, _values(params, workload | {"container", "image"}, action)
    elif action == "set_resources":
        cls, fields = kc.SetResources, _values(params, workload | {"container", "requests", "limits"}, action)
    elif action == "patch":
        fields = _values(params, workload | {"patch_type", "patch"}, action)
        if "patch_type" not in fields and isinstance(fields.get("patch"), list):
            fields["patch_type"] = "json"
        cls = kc.Patch
    else:
        raise CallError(f"action must be one of {', '.join(_ACTIONS)}")
    built = _build(cls, fields)
    assert isinstance(built, kc.Action)
    return built


def to_structured(result: CommandResult, params: dict[str, Any]) -> StructuredToolResult:
    if result.status in ("denied", "needs-approval"):
        error: str | None = f"Refused ({result.status}): {result.output}"
    elif result.status != "success":
        error = result.output or f"kubectl exited with {result.exit_code}"
    else:
        error = None
    if result.status == "success":
        status = StructuredToolResultStatus.NO_DATA if not result.output else StructuredToolResultStatus.SUCCESS
    else:
        status = StructuredToolResultStatus.ERROR
    return StructuredToolResult(
        status=status, error=error, data=result.output or None,
        params={**params, "truncated": result.truncated}, invocation=result.command, return_code=result.exit_code,
    )


def _invalid(exc: CallError, params: dict[str, Any]) -> StructuredToolResult:
    return StructuredToolResult(status=StructuredToolResultStatus.ERROR, error=f"Invalid arguments: {exc}",
                                params={**params, "truncated": False})


def _context(context: ToolInvokeContext) -> tuple[threading.Event | None, Callable[[str, str, dict[str, Any]], None]]:
    extra = context.request_context or {}
    cancel = extra.get(CANCEL_KEY)
    on_start = extra.get(ON_START_KEY)
    return (cancel if isinstance(cancel, threading.Event) else None,
            on_start if callable(on_start) else (lambda *_: None))


class KubectlTool(Tool):
    _runner: KubectlRunner = PrivateAttr()

    def __init__(self, runner: KubectlRunner) -> None:
        super().__init__(
            name="kubectl",
            description="Read the cluster with values, e.g. {verb: logs, name: POD, namespace: shop}.",
            parameters=READ_PARAMETERS,
        )
        self._runner = runner

    def _invoke(self, params: dict[str, Any], context: ToolInvokeContext) -> StructuredToolResult:
        cancel, on_start = _context(context)
        try:
            call, shape = read_call(params)
        except CallError as exc:
            return _invalid(exc, params)
        on_start(context.tool_call_id, self.name, {**params, "command": call.display()})
        return to_structured(self._runner.run(call, shape, cancel=cancel), params)

    def get_parameterized_one_liner(self, params: dict[str, Any]) -> str:
        try:
            return read_call(params)[0].display()
        except CallError:
            return f"kubectl (invalid arguments: {sorted(params)})"


class KubectlActionTool(Tool):
    _runner: KubectlRunner = PrivateAttr()

    def __init__(self, runner: KubectlRunner) -> None:
        super().__init__(
            name="kubectl_action",
            description="Change the cluster; waits for a human's approval. Only for a confirmed cause.",
            parameters=ACTION_PARAMETERS,
        )
        self._runner = runner

    def requires_approval(self, params: dict[str, Any], context: ToolInvokeContext) -> ApprovalRequirement | None:
        # Called by HolmesGPT before _invoke. Invalid arguments need no human: _invoke reports the error.
        try:
            action = action_call(params)
        except CallError:
            return None
        if not self._runner.needs_approval(action):
            return None
        preview = self._runner.preview(action, _context(context)[0])
        return ApprovalRequirement(needs_approval=True, reason=(
            f"{action.display()} changes the cluster. Server-side dry run ({preview.status}): {preview.output}"))

    def _invoke(self, params: dict[str, Any], context: ToolInvokeContext) -> StructuredToolResult:
        cancel, on_start = _context(context)
        try:
            action = action_call(params)
        except CallError as exc:
            return _invalid(exc, params)
        on_start(context.tool_call_id, self.name, {**params, "command": action.display()})
        # user_approved is set by HolmesGPT only after our /approvals endpoint recorded a human "yes".
        return to_structured(self._runner.run(action, approved=context.user_approved, cancel=cancel), params)

    def get_parameterized_one_liner(self, params: dict[str, Any]) -> str:
        try:
            return action_call(params).display()
        except CallError:
            return f"kubectl_action (invalid arguments: {sorted(params)})"


class KubernetesToolset(Toolset):
    def __init__(self, runner: KubectlRunner) -> None:
        super().__init__(
            name=TOOLSET_NAME,
            description="Typed kubectl reads and approval-gated actions.",
            tools=[KubectlTool(runner), KubectlActionTool(runner)],
            enabled=True,
            tags=[ToolsetTag.CORE],
        )
