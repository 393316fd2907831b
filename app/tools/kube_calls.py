"""Typed cluster calls: what the model, a runbook or a person may ask kubectl to do, as validated values.

A call is a pydantic model whose fields are checked against Kubernetes grammars (app/tools/kube_values.py)
when it is built. The service, not the caller, turns a call into argv: the verb is fixed by the class, every
flag is written as `--flag=value` by this module, and positional values have passed a grammar that admits
no leading `-`. Reads (`READ_CALLS`) run at once; actions (`ACTION_CALLS`) change the cluster and always
wait for a human's approval, previewed with a server-side dry run.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.tools.kube_values import (
    ApiGroup,
    Columns,
    ContainerName,
    Duration,
    ExplainPath,
    FieldSelector,
    Image,
    JsonPath,
    Kind,
    LabelSelector,
    Name,
    Namespace,
    Quantities,
    Reason,
)

Output = Literal["table", "wide", "yaml", "json", "name"]
WorkloadKind = Literal["deployment", "statefulset", "daemonset"]
MAX_PATCH_CHARS = 8000


class KubeCall(BaseModel):
    """One kubectl invocation described by values. Subclasses fix the verb and build the arguments."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    verb: ClassVar[str]
    mutating: ClassVar[bool] = False

    def args(self) -> list[str]:
        raise NotImplementedError

    @property
    def structured(self) -> Literal["json", "yaml"] | None:
        """When the service asks kubectl for JSON and renders it itself (after structural redaction)."""
        return None

    def display(self) -> str:
        """The equivalent command line, for people: audit, approvals, answers. Never parsed back to run."""
        return human_command(self.args())


_SHORT = {"--namespace": "-n", "--output": "-o", "--selector": "-l", "--container": "-c"}


def human_command(args: list[str]) -> str:
    """argv as a person would type it (`-n shop -o wide`); the service itself runs the `--flag=value` form."""
    shown = ["kubectl"]
    for arg in args:
        flag, eq, value = arg.partition("=")
        if arg == "--all-namespaces":
            shown.append("-A")
        elif eq and flag in _SHORT:
            shown += [_SHORT[flag], value]
        else:
            shown.append(arg)
    return " ".join(arg if _PLAIN.fullmatch(arg) else shlex.quote(arg) for arg in shown)


# Left unquoted in displayed commands (as runbook authors write them): JSONPaths, selectors, ?verbose.
_PLAIN = re.compile(r"[\w@%+=:,./\-\[\]*?!]+")


def _scope(namespace: str | None, all_namespaces: bool) -> list[str]:
    if all_namespaces:
        return ["--all-namespaces"]
    return [f"--namespace={namespace}"] if namespace else []


class _Scoped(KubeCall):
    namespace: Namespace | None = None
    all_namespaces: bool = False

    @model_validator(mode="after")
    def _one_scope(self) -> _Scoped:
        if self.all_namespaces and self.namespace:
            raise ValueError("give either namespace or all_namespaces, not both")
        return self


# -- reads --------------------------------------------------------------------------------------------
class Get(_Scoped):
    verb: ClassVar[str] = "get"
    kind: Kind
    name: Name | None = None
    selector: LabelSelector | None = None
    field_selector: FieldSelector | None = None
    output: Output = "table"
    columns: Columns | None = None
    sort_by: JsonPath | None = None
    show_labels: bool = False

    @model_validator(mode="after")
    def _shape(self) -> Get:
        if self.columns and self.output not in ("table", "wide"):
            raise ValueError("columns replace the table: leave output as table")
        if self.name and ("," in self.kind or self.selector or self.all_namespaces):
            raise ValueError("a name goes with one kind, without selector or all_namespaces")
        return self

    @property
    def structured(self) -> Literal["json", "yaml"] | None:
        if self.output == "json" or self.output == "yaml":
            return self.output
        return None

    def args(self) -> list[str]:
        out = ["get", self.kind, *([self.name] if self.name else []), *_scope(self.namespace, self.all_namespaces)]
        if self.selector:
            out.append(f"--selector={self.selector}")
        if self.field_selector:
            out.append(f"--field-selector={self.field_selector}")
        if self.columns:
            out.append(f"--output=custom-columns={','.join(self.columns)}")
        elif self.output in ("json", "yaml"):
            out.append("--output=json")
        elif self.output != "table":
            out.append(f"--output={self.output}")
        if self.sort_by:
            out.append(f"--sort-by={self.sort_by}")
        if self.show_labels:
            out.append("--show-labels")
        return out

    def display(self) -> str:
        shown = self.args()
        if self.output == "yaml":
            shown[shown.index("--output=json")] = "--output=yaml"
        return human_command(shown)


class Describe(_Scoped):
    verb: ClassVar[str] = "describe"
    kind: Kind
    name: Name | None = None
    selector: LabelSelector | None = None

    def args(self) -> list[str]:
        out = ["describe", self.kind, *([self.name] if self.name else []), *_scope(self.namespace, self.all_namespaces)]
        return out + ([f"--selector={self.selector}"] if self.selector else [])


class Logs(KubeCall):
    verb: ClassVar[str] = "logs"
    namespace: Namespace = "default"
    pod: Name | None = None
    selector: LabelSelector | None = None
    container: ContainerName | None = None
    previous: bool = False
    tail: Annotated[int, Field(ge=1, le=5000)] = 200
    since: Duration | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Logs:
        if bool(self.pod) == bool(self.selector):
            raise ValueError("give either pod or selector")
        return self

    def args(self) -> list[str]:
        out = ["logs", *([self.pod] if self.pod else [f"--selector={self.selector}"]), f"--namespace={self.namespace}"]
        if self.container:
            out.append(f"--container={self.container}")
        if self.previous:
            out.append("--previous")
        out.append(f"--tail={self.tail}")
        if self.since:
            out.append(f"--since={self.since}")
        return out


class Events(_Scoped):
    verb: ClassVar[str] = "events"
    object_kind: Annotated[str, Field(pattern=r"^[A-Z][A-Za-z0-9]{0,62}$")] | None = None
    object_name: Name | None = None
    type: Literal["Normal", "Warning"] | None = None
    reason: Reason | None = None
    output: Literal["table", "wide"] = "table"

    def args(self) -> list[str]:
        fields = [f"involvedObject.kind={self.object_kind}"] if self.object_kind else []
        fields += [f"involvedObject.name={self.object_name}"] if self.object_name else []
        fields += [f"type={self.type}"] if self.type else []
        fields += [f"reason={self.reason}"] if self.reason else []
        out = ["get", "events", *_scope(self.namespace, self.all_namespaces)]
        if fields:
            out.append(f"--field-selector={','.join(fields)}")
        if self.output == "wide":
            out.append("--output=wide")
        return [*out, "--sort-by=.lastTimestamp"]


class Top(_Scoped):
    verb: ClassVar[str] = "top"
    resource: Literal["pods", "nodes"] = "pods"
    name: Name | None = None
    selector: LabelSelector | None = None
    containers: bool = False
    sort_by: Literal["cpu", "memory"] | None = None

    def args(self) -> list[str]:
        scope = _scope(self.namespace, self.all_namespaces) if self.resource == "pods" else []
        out = ["top", "pod" if self.resource == "pods" else "node", *([self.name] if self.name else []), *scope]
        if self.selector:
            out.append(f"--selector={self.selector}")
        if self.containers and self.resource == "pods":
            out.append("--containers")
        if self.sort_by:
            out.append(f"--sort-by={self.sort_by}")
        return out


class Rollout(KubeCall):
    verb: ClassVar[str] = "rollout"
    action: Literal["status", "history"]
    kind: WorkloadKind = "deployment"
    name: Name
    namespace: Namespace = "default"

    def args(self) -> list[str]:
        extra = ["--watch=false"] if self.action == "status" else []
        return ["rollout", self.action, f"{self.kind}/{self.name}", f"--namespace={self.namespace}", *extra]


class ApiHealth(KubeCall):
    """The API server's own health checks: a closed set of paths (never a model-chosen `--raw` path)."""

    verb: ClassVar[str] = "api-health"
    check: Literal["readyz", "livez", "healthz"] = "readyz"
    verbose: bool = True

    def args(self) -> list[str]:
        return ["get", f"--raw=/{self.check}{'?verbose' if self.verbose else ''}"]


class ApiResources(KubeCall):
    verb: ClassVar[str] = "api-resources"
    api_group: ApiGroup | None = None
    wide: bool = False

    def args(self) -> list[str]:
        out = ["api-resources"]
        if self.api_group:
            out.append(f"--api-group={self.api_group}")
        return out + (["--output=wide"] if self.wide else [])


class Version(KubeCall):
    verb: ClassVar[str] = "version"
    json_output: bool = False

    def args(self) -> list[str]:
        return ["version", *(["--output=json"] if self.json_output else [])]


class Explain(KubeCall):
    verb: ClassVar[str] = "explain"
    path: ExplainPath

    def args(self) -> list[str]:
        return ["explain", self.path]


class HelmReleases(_Scoped):
    """Helm releases and their status, from the labels of Helm's release Secrets (owner=helm) — a table the
    service fixes itself (name, type, key count, age, labels), so no Secret data is ever requested."""

    verb: ClassVar[str] = "helm-releases"
    release: Name | None = None

    def args(self) -> list[str]:
        selector = "owner=helm" + (f",name={self.release}" if self.release else "")
        return ["get", "secrets", *_scope(self.namespace, self.all_namespaces), f"--selector={selector}",
                "--label-columns=name,status,version"]


# -- actions (always behind approval) ----------------------------------------------------------------
class _Action(KubeCall):
    mutating: ClassVar[bool] = True

    def preview_args(self) -> list[str]:
        """The same call as a server-side dry run: validated and admitted by the API server, not stored."""
        return [*self.args(), "--dry-run=server"]


class Scale(_Action):
    verb: ClassVar[str] = "scale"
    kind: Literal["deployment", "statefulset", "replicaset"] = "deployment"
    name: Name
    namespace: Namespace = "default"
    replicas: Annotated[int, Field(ge=0, le=1000)]

    def args(self) -> list[str]:
        return ["scale", f"{self.kind}/{self.name}", f"--namespace={self.namespace}", f"--replicas={self.replicas}"]


class RolloutRestart(_Action):
    verb: ClassVar[str] = "rollout-restart"
    kind: WorkloadKind = "deployment"
    name: Name
    namespace: Namespace = "default"

    def args(self) -> list[str]:
        return ["rollout", "restart", f"{self.kind}/{self.name}", f"--namespace={self.namespace}"]


class RolloutUndo(_Action):
    verb: ClassVar[str] = "rollout-undo"
    kind: WorkloadKind = "deployment"
    name: Name
    namespace: Namespace = "default"
    to_revision: Annotated[int, Field(ge=1)] | None = None

    def args(self) -> list[str]:
        out = ["rollout", "undo", f"{self.kind}/{self.name}", f"--namespace={self.namespace}"]
        return out + ([f"--to-revision={self.to_revision}"] if self.to_revision else [])


class DeletePod(_Action):
    """Delete one pod (its controller recreates it), or every pod of a namespace in a finished phase."""

    verb: ClassVar[str] = "delete-pod"
    name: Name | None = None
    namespace: Namespace = "default"
    phase: Literal["Failed", "Succeeded"] | None = None

    @model_validator(mode="after")
    def _one_target(self) -> DeletePod:
        if bool(self.name) == bool(self.phase):
            raise ValueError("give either name or phase")
        return self

    def args(self) -> list[str]:
        target = [self.name] if self.name else [f"--field-selector=status.phase={self.phase}"]
        return ["delete", "pod", *target, f"--namespace={self.namespace}"]


class Cordon(_Action):
    verb: ClassVar[str] = "cordon"
    node: Name
    undo: bool = False  # uncordon

    def args(self) -> list[str]:
        return ["uncordon" if self.undo else "cordon", self.node]


class SetImage(_Action):
    verb: ClassVar[str] = "set-image"
    kind: WorkloadKind = "deployment"
    name: Name
    namespace: Namespace = "default"
    container: ContainerName
    image: Image

    def args(self) -> list[str]:
        return ["set", "image", f"{self.kind}/{self.name}", f"{self.container}={self.image}",
                f"--namespace={self.namespace}"]


class SetResources(_Action):
    verb: ClassVar[str] = "set-resources"
    kind: WorkloadKind = "deployment"
    name: Name
    namespace: Namespace = "default"
    container: ContainerName | None = None
    requests: Quantities | None = None
    limits: Quantities | None = None

    @model_validator(mode="after")
    def _something(self) -> SetResources:
        if not self.requests and not self.limits:
            raise ValueError("give requests or limits")
        return self

    def args(self) -> list[str]:
        out = ["set", "resources", f"{self.kind}/{self.name}", f"--namespace={self.namespace}"]
        if self.container:
            out.append(f"--containers={self.container}")
        for flag, values in (("requests", self.requests), ("limits", self.limits)):
            if values:
                out.append(f"--{flag}={','.join(f'{k}={v}' for k, v in sorted(values.items()))}")
        return out


class Patch(_Action):
    """A patch with a JSON body the service serialises itself (the body is data, never a file or a flag)."""

    verb: ClassVar[str] = "patch"
    kind: Literal["deployment", "statefulset", "daemonset", "service", "configmap", "node",
                  "horizontalpodautoscaler", "ingress", "persistentvolumeclaim", "cronjob"]
    name: Name
    namespace: Namespace | None = None
    patch_type: Literal["strategic", "merge", "json"] = "strategic"
    patch: dict[str, Any] | list[dict[str, Any]]

    @model_validator(mode="after")
    def _body(self) -> Patch:
        if len(self.body()) > MAX_PATCH_CHARS:
            raise ValueError(f"the patch is larger than {MAX_PATCH_CHARS} characters")
        if (self.patch_type == "json") != isinstance(self.patch, list):
            raise ValueError("a json patch is a list of operations; merge and strategic patches are objects")
        if self.kind != "node" and not self.namespace:
            raise ValueError("give the namespace")
        return self

    def body(self) -> str:
        return json.dumps(self.patch, separators=(",", ":"), sort_keys=True)

    def args(self) -> list[str]:
        scope = [f"--namespace={self.namespace}"] if self.kind != "node" and self.namespace else []
        return ["patch", self.kind, self.name, *scope, f"--type={self.patch_type}", f"--patch={self.body()}"]


READ_CALLS: dict[str, type[KubeCall]] = {c.verb: c for c in (Get, Describe, Logs, Events, Top, Rollout, ApiHealth,
                                                                 ApiResources, Version, Explain,
                                                                 HelmReleases)}
ACTION_CALLS: dict[str, type[_Action]] = {c.verb: c for c in (Scale, RolloutRestart, RolloutUndo, DeletePod, Cordon,
                                                                  SetImage, SetResources, Patch)}
ALL_CALLS: dict[str, type[KubeCall]] = {**READ_CALLS, **ACTION_CALLS}
Action = _Action
