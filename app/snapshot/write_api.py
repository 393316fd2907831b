"""POST / PUT / PATCH / DELETE on the snapshot server: refused (read-only mode) or applied in memory
(writable mode), and recorded either way."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.snapshot import discovery
from app.snapshot.errors import ApiError
from app.snapshot.mutations import ClusterState, bad_request, qualified
from app.snapshot.patches import PATCH_TYPES
from app.snapshot.paths import Target, parse_target, split_api_path
from app.snapshot.resources import ResourceType
from app.snapshot.store import Obj, Snapshot, format_time
from app.snapshot.write_log import WriteLog

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
MAX_BODY_BYTES = 3 * 1024 * 1024  # the API server's own request size limit


def json_response(body: Obj, code: int = 200) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), code, media_type="application/json")


def status_response(error: ApiError) -> Response:
    return json_response(discovery.status(error.code, error.reason, error.message, error.details), error.code)


class WriteApi:
    """Writes over one snapshot. `state` is None in read-only mode: every write is a 405."""

    def __init__(self, snapshot: Snapshot, state: ClusterState | None, writes: WriteLog) -> None:
        self.snapshot = snapshot
        self.state = state
        self.writes = writes

    async def handle(self, request: Request, parts: list[str]) -> Response:
        body = await request.body()
        dry_run = False
        try:
            if len(body) > MAX_BODY_BYTES:
                raise ApiError(413, "RequestEntityTooLarge", "the request body is too large")
            dry_run = _dry_run(request, body)
            response = self._dispatch(request, parts, body, dry_run)
        except ApiError as error:
            response = status_response(error)
        self.writes.add(request.method, request.url.path, request.url.query,
                        request.headers.get("content-type", ""), body, response.status_code, dry_run)
        return response

    def _read_only(self, method: str) -> ApiError:
        manifest = self.snapshot.manifest
        return ApiError(405, "MethodNotAllowed",
                        f"this is a read-only snapshot captured at {format_time(manifest.captured_at)} "
                        f"from context {manifest.source_context!r}: {method} is not allowed")

    def _dispatch(self, request: Request, parts: list[str], body: bytes, dry_run: bool) -> Response:
        method = request.method
        if self.state is None:
            raise self._read_only(method)
        resource, target = self._resolve(parts, method)
        state = self.state
        if resource.kind == "Secret":
            raise ApiError(403, "Forbidden", f'{qualified(resource)}{_quoted(target.name)} is forbidden: the '
                           "snapshot server never writes Secrets", {"name": target.name or "", "kind": "secrets"})
        name, sub = target.name, target.subresource
        if method == "POST" and name is None:
            return json_response(state.create(resource, target.namespace, _json_body(body), dry_run), 201)
        if name is None or (sub is not None and sub not in ("status", "scale")) or (sub and method == "DELETE"):
            raise ApiError(405, "MethodNotAllowed", f"the server does not allow this method on the requested "
                           f"resource ({method} {'/'.join(parts)})")
        if sub == "scale" and resource.kind not in ("Deployment", "ReplicaSet", "StatefulSet",
                                                    "ReplicationController"):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if method == "PUT":
            return json_response(state.replace(resource, target.namespace, name, _json_body(body), dry_run, sub))
        if method == "PATCH":
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type not in PATCH_TYPES:
                raise ApiError(415, "UnsupportedMediaType",
                               f"the body of the request was in an unknown format - accepted media types "
                               f"include: {', '.join(PATCH_TYPES)}")
            return json_response(state.patch(resource, target.namespace, name, content_type, body, dry_run, sub))
        if method == "DELETE":
            options = _json_body(body) if body.strip() else {}
            if not isinstance(options, dict):
                raise bad_request("DeleteOptions must be a JSON object")
            return json_response(state.delete(resource, target.namespace, name, options, dry_run))
        raise ApiError(405, "MethodNotAllowed", f"{method} is not allowed on {'/'.join(parts)}")

    def _resolve(self, parts: list[str], method: str) -> tuple[ResourceType, Target]:
        not_found = ApiError(404, "NotFound", "the server could not find the requested resource")
        split = split_api_path(parts)
        if split is None or not split[2]:
            raise ApiError(405, "MethodNotAllowed", f"{method} is not allowed on /{'/'.join(parts)}")
        group, version, rest = split
        target = parse_target(group, version, rest)
        if target is None:
            raise not_found
        if discovery.is_metrics(group, version):
            raise ApiError(405, "MethodNotAllowed", "the metrics API is read-only")
        resource = self.snapshot.resource(group, target.resource)
        if resource is None or resource.version != version:
            raise not_found
        if resource.namespaced != (target.namespace is not None):
            raise not_found
        if target.namespace is not None and method == "POST":
            ns_type = self.snapshot.resource("", "namespaces")
            if ns_type is not None and self.snapshot.get(ns_type, None, target.namespace) is None:
                raise ApiError(404, "NotFound", f'namespaces "{target.namespace}" not found',
                               {"name": target.namespace, "kind": "namespaces"})
        return resource, target


def _quoted(name: str | None) -> str:
    return f' "{name}"' if name else ""


def _json_body(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad_request(f"the request body is not valid JSON: {exc}") from exc


def _dry_run(request: Request, body: bytes) -> bool:
    """`?dryRun=All` (or `dryRun: [All]` in DeleteOptions): validate and answer, change nothing."""
    values = request.query_params.getlist("dryRun")
    if request.method == "DELETE" and body.strip():
        try:
            options = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            options = None
        if isinstance(options, dict) and isinstance(options.get("dryRun"), list):
            values += [str(v) for v in options["dryRun"]]
    for value in values:
        if value != "All":
            raise bad_request(f'dryRun: Unsupported value: "{value}": supported values: "All"')
    return bool(values)
