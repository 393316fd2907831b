"""Discovery documents (/version, /api, /apis, APIResourceList) and Status error bodies."""

from __future__ import annotations

from typing import Any

from app.snapshot.resources import METRICS_GROUP, METRICS_RESOURCES, METRICS_VERSION, ResourceType
from app.snapshot.store import Snapshot, format_time

Obj = dict[str, Any]
READ_VERBS = ["get", "list", "watch"]
WRITE_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]
SUBRESOURCE_WRITE_VERBS = ["get", "patch", "update"]


def version_info(snapshot: Snapshot) -> Obj:
    manifest = snapshot.manifest
    return {"major": manifest.major, "minor": manifest.minor, "gitVersion": manifest.kubernetes_version,
            "gitCommit": "snapshot", "gitTreeState": "clean", "buildDate": format_time(manifest.captured_at),
            "goVersion": "go1.23.6", "compiler": "gc", "platform": "linux/amd64"}


def served_resources(snapshot: Snapshot) -> list[ResourceType]:
    resources = list(snapshot.resources.values())
    if snapshot.pod_metrics or snapshot.node_metrics:
        resources.extend(METRICS_RESOURCES)
    return resources


def group_versions(snapshot: Snapshot) -> dict[str, list[str]]:
    """Named groups → versions, in a stable order (core `""` excluded)."""
    groups: dict[str, list[str]] = {}
    for rt in served_resources(snapshot):
        if rt.group and rt.version not in groups.setdefault(rt.group, []):
            groups[rt.group].append(rt.version)
    return groups


def _group_doc(name: str, versions: list[str]) -> Obj:
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def api_versions(server_address: str) -> Obj:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def api_group_list(snapshot: Snapshot) -> Obj:
    groups = [_group_doc(name, versions) for name, versions in group_versions(snapshot).items()]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(snapshot: Snapshot, group: str) -> Obj | None:
    versions = group_versions(snapshot).get(group)
    if versions is None:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_doc(group, versions)}


def resource_list(snapshot: Snapshot, group: str, version: str, writable: bool = False) -> Obj | None:
    matching = [rt for rt in served_resources(snapshot) if rt.group == group and rt.version == version]
    if not matching:
        return None
    entries: list[Obj] = []
    for rt in matching:
        entry: Obj = {"name": rt.name, "singularName": rt.singular, "namespaced": rt.namespaced,
                      "kind": rt.kind, "verbs": WRITE_VERBS if writable and rt.group != METRICS_GROUP
                      else READ_VERBS}
        if rt.short_names:
            entry["shortNames"] = list(rt.short_names)
        if rt.categories:
            entry["categories"] = list(rt.categories)
        entries.append(entry)
        for sub in rt.subresources:
            entry = {"name": f"{rt.name}/{sub}", "singularName": "", "namespaced": rt.namespaced,
                     "kind": rt.kind, "verbs": SUBRESOURCE_WRITE_VERBS if writable and sub != "log" else ["get"]}
            if sub == "scale":  # kubectl scale finds the Scale kind here
                entry.update(group="autoscaling", version="v1", kind="Scale")
            entries.append(entry)
    group_version = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
            "resources": entries}


def is_metrics(group: str, version: str) -> bool:
    return group == METRICS_GROUP and version == METRICS_VERSION


def status(code: int, reason: str, message: str, details: Obj | None = None) -> Obj:
    body: Obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                 "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return body


def not_found(resource: ResourceType | None, name: str, plural: str = "") -> Obj:
    """`pods "x" not found` / `deployments.apps "x" not found`, as the real server words it."""
    if resource is None:
        return status(404, "NotFound", "the server could not find the requested resource")
    qualified = f"{resource.name}.{resource.group}" if resource.group else resource.name
    details: Obj = {"name": name, "kind": plural or resource.name}
    if resource.group:
        details["group"] = resource.group
    return status(404, "NotFound", f'{qualified} "{name}" not found', details)


def openapi_root(snapshot: Snapshot) -> Obj:
    """/openapi/v3: one document per group-version (kubectl create fetches it to learn that the server
    validates fields itself, instead of failing on a missing schema)."""
    paths: Obj = {}
    for rt in served_resources(snapshot):
        prefix = f"apis/{rt.group}/{rt.version}" if rt.group else f"api/{rt.version}"
        paths[prefix] = {"serverRelativeURL": f"/openapi/v3/{prefix}?hash={snapshot.manifest.minor}"}
    return {"paths": paths}


def openapi_group_version(snapshot: Snapshot, group: str, version: str) -> Obj | None:
    """The PATCH operations of one group-version, with the query parameters the server understands."""
    matching = [rt for rt in served_resources(snapshot) if rt.group == group and rt.version == version]
    if not matching:
        return None
    parameters = [{"name": name, "in": "query", "schema": {"type": "string"}}
                  for name in ("dryRun", "fieldManager", "fieldValidation")]
    paths: Obj = {}
    for rt in matching:
        prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
        scope = "/namespaces/{namespace}" if rt.namespaced else ""
        paths[f"{prefix}{scope}/{rt.name}/{{name}}"] = {"patch": {
            "x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": rt.kind},
            "x-kubernetes-action": "patch", "parameters": parameters,
            "responses": {"200": {"description": "OK"}}}}
    info = {"title": "Kubernetes snapshot", "version": snapshot.manifest.kubernetes_version}
    return {"openapi": "3.0.0", "info": info, "paths": paths, "components": {"schemas": {}}}
