"""A Kubernetes API server over a snapshot (read-only, or writable in memory): ASGI app and in-process runner."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.snapshot import discovery
from app.snapshot.errors import QueryError
from app.snapshot.kubeconfig import write_kubeconfig
from app.snapshot.logs import (
    bool_param,
    choose_container,
    missing_log_message,
    parse_log_options,
    render_log,
)
from app.snapshot.mutations import ClusterState, scale_of
from app.snapshot.paths import Target, parse_target
from app.snapshot.resources import METRICS_RESOURCES, ResourceType
from app.snapshot.selectors import (
    SelectorError,
    matches_fields,
    parse_field_selector,
    parse_label_selector,
)
from app.snapshot.store import Obj, Snapshot, load_snapshot
from app.snapshot.tables import build_table
from app.snapshot.write_api import WRITE_METHODS, WriteApi
from app.snapshot.write_log import WriteLog, WriteRecord

READ_METHODS = ("GET", "HEAD")
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
PRIVATE_PREFIX = "_snapshot"  # /_snapshot/...: the write record; no real API server has this path


def _json(body: Obj, code: int = 200) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), code, media_type="application/json")


def _status(code: int, reason: str, message: str, details: Obj | None = None) -> Response:
    return _json(discovery.status(code, reason, message, details), code)


def _not_found(resource: ResourceType | None = None, name: str = "") -> Response:
    return _json(discovery.not_found(resource, name), 404)


class SnapshotApi:
    """Request handling over one loaded Snapshot; `writable` applies writes in memory instead of refusing
    them. Every write request is recorded in `writes` either way."""

    def __init__(self, snapshot: Snapshot, writable: bool = False) -> None:
        self.snapshot = snapshot
        self.now = snapshot.manifest.captured_at
        self.state = ClusterState(snapshot) if writable else None
        self.writes = WriteLog()
        self.write_api = WriteApi(snapshot, self.state, self.writes)

    @property
    def writable(self) -> bool:
        return self.state is not None

    @property
    def resource_version(self) -> str:
        return str(self.state.revision) if self.state is not None else "1"

    async def handle(self, request: Request) -> Response:
        parts = [p for p in request.url.path.split("/") if p]
        if parts[:1] == [PRIVATE_PREFIX]:
            return self._private(request, parts[1:])
        if request.method in WRITE_METHODS:
            return await self.write_api.handle(request, parts)
        if request.method not in READ_METHODS:
            return _status(405, "MethodNotAllowed", f"{request.method} is not allowed")
        try:
            if self.state is not None:
                with self.state.lock:
                    return self._route(request, parts)
            return self._route(request, parts)
        except (SelectorError, QueryError) as exc:
            return _status(400, "BadRequest", str(exc))

    def _private(self, request: Request, parts: list[str]) -> Response:
        """GET /_snapshot/writes (the record), DELETE /_snapshot/writes (clear it),
        POST /_snapshot/reset (back to the snapshot as loaded, record cleared)."""
        if parts == ["writes"] and request.method in READ_METHODS:
            records = [record.to_json() for record in self.writes.records()]
            return _json({"writable": self.writable, "count": len(records), "writes": records})
        if parts == ["writes"] and request.method == "DELETE":
            self.writes.clear()
            return _json({"cleared": True})
        if parts == ["reset"] and request.method == "POST":
            self.reset()
            return _json({"reset": True})
        return _not_found()

    def reset(self) -> None:
        if self.state is not None:
            self.state.reset()
        self.writes.clear()

    def _route(self, request: Request, parts: list[str]) -> Response:
        if not parts:
            return _json({"paths": ["/api", "/api/v1", "/apis", "/healthz", "/version"]})
        head = parts[0]
        if head == "version" and len(parts) == 1:
            return _json(discovery.version_info(self.snapshot))
        if head in ("healthz", "livez", "readyz"):
            return Response("ok", media_type="text/plain")
        if head == "openapi" and parts[1:2] == ["v3"]:
            return self._openapi(parts[2:])
        if head == "api":
            if len(parts) == 1:
                return _json(discovery.api_versions(request.url.netloc))
            return self._group_version(request, "", parts[1], parts[2:])
        if head == "apis":
            if len(parts) == 1:
                return _json(discovery.api_group_list(self.snapshot))
            if len(parts) == 2:
                group_doc = discovery.api_group(self.snapshot, parts[1])
                return _json(group_doc) if group_doc else _not_found()
            return self._group_version(request, parts[1], parts[2], parts[3:])
        return _not_found()

    def _group_version(self, request: Request, group: str, version: str, rest: list[str]) -> Response:
        if not rest:
            doc = discovery.resource_list(self.snapshot, group, version, self.writable)
            return _json(doc) if doc else _not_found()
        target = parse_target(group, version, rest)
        if target is None:
            return _not_found()
        if discovery.is_metrics(group, version):
            return self._metrics(request, target)
        resource = self.snapshot.resource(group, target.resource)
        if resource is None or resource.version != version:
            return _not_found()
        if target.namespace is not None and not resource.namespaced:
            return _not_found()
        if target.name is None:
            return self._list(request, resource, target.namespace)
        obj = self.snapshot.get(resource, target.namespace if resource.namespaced else None, target.name)
        if obj is None:
            return _not_found(resource, target.name)
        if target.subresource is None or target.subresource == "status":
            return self._one(request, resource, obj)
        if target.subresource == "scale" and "scale" in resource.subresources:
            return _json(scale_of(resource, obj))
        if target.subresource == "log" and resource.kind == "Pod":
            return self._log(request, obj)
        return _not_found()

    def _list(self, request: Request, resource: ResourceType, namespace: str | None) -> Response:
        params = request.query_params
        _check_list_params(params)
        if bool_param(params, "watch"):
            return Response(b"", media_type="application/json")  # nothing ever changes: end the watch
        labels = parse_label_selector(params["labelSelector"]) if params.get("labelSelector") else None
        items = self.snapshot.list(resource, namespace, labels, params.get("fieldSelector") or None)
        if _wants_table(request):
            return _json(build_table(resource.kind, items, self.now, self.resource_version,
                                     params.get("includeObject", "Metadata")))
        return _json({"kind": f"{resource.kind}List", "apiVersion": resource.group_version,
                      "metadata": {"resourceVersion": self.resource_version}, "items": items})

    def _one(self, request: Request, resource: ResourceType, obj: Obj) -> Response:
        _check_list_params(request.query_params)
        if _wants_table(request):
            return _json(build_table(resource.kind, [obj], self.now, self.resource_version,
                                     request.query_params.get("includeObject", "Metadata")))
        return _json(obj)

    def _log(self, request: Request, pod: Obj) -> Response:
        options = parse_log_options(dict(request.query_params))
        container = choose_container(pod, options.container)
        namespace = pod["metadata"].get("namespace", "default")
        path = self.snapshot.log_file(namespace, pod["metadata"]["name"], container, options.previous)
        if path is None:
            message = missing_log_message(pod, container, options.previous)
            if message:
                return _status(400, "BadRequest", message)
            return Response(b"", media_type="text/plain")
        try:
            return Response(render_log(path, options, self.now), media_type="text/plain")
        except OSError as exc:  # removed or made unreadable since the snapshot was loaded
            return _status(404, "NotFound", f"the log of container {container!r} cannot be read: {exc.strerror}")

    def _openapi(self, rest: list[str]) -> Response:
        if not rest:
            return _json(discovery.openapi_root(self.snapshot))
        if rest[0] == "api" and len(rest) == 2:
            doc = discovery.openapi_group_version(self.snapshot, "", rest[1])
        elif rest[0] == "apis" and len(rest) == 3:
            doc = discovery.openapi_group_version(self.snapshot, rest[1], rest[2])
        else:
            doc = None
        return _json(doc) if doc else _not_found()

    def _metrics(self, request: Request, target: Target) -> Response:
        if target.subresource is not None or target.resource not in ("pods", "nodes"):
            return _not_found()
        resource = next(rt for rt in METRICS_RESOURCES if rt.name == target.resource)
        items = self.snapshot.pod_metrics if target.resource == "pods" else self.snapshot.node_metrics
        if resource.namespaced and target.namespace is not None:
            items = [m for m in items if m["metadata"].get("namespace") == target.namespace]
        if target.name is not None:
            found = next((m for m in items if m["metadata"]["name"] == target.name), None)
            return _json(found) if found else _not_found(resource, target.name)
        params = request.query_params
        if params.get("labelSelector"):
            matcher = parse_label_selector(params["labelSelector"])
            items = [m for m in items if matcher(m["metadata"].get("labels") or {})]
        if params.get("fieldSelector"):
            requirements = parse_field_selector(params["fieldSelector"], resource)
            items = [m for m in items if matches_fields(m, requirements)]
        return _json({"kind": f"{resource.kind}List", "apiVersion": resource.group_version,
                      "metadata": {}, "items": items})


def _check_list_params(params: Mapping[str, str]) -> None:
    """The query values a real server parses (and refuses with 400) even where this server ignores them."""
    for name in ("limit", "timeoutSeconds", "resourceVersion"):
        value = params.get(name)
        if value and not value.isdigit():
            raise QueryError(f"{name}: invalid value {value!r}: must be a non-negative integer")
    include = params.get("includeObject")
    if include not in (None, "", "None", "Metadata", "Object"):
        raise QueryError(f'includeObject: Unsupported value: "{include}": supported values: "None", "Metadata", '
                         '"Object"')
    bool_param(params, "allowWatchBookmarks")


def _wants_table(request: Request) -> bool:
    return "as=Table" in request.headers.get("accept", "")


def create_snapshot_app(snapshot: Snapshot, writable: bool = False) -> Starlette:
    """An ASGI app serving `snapshot` as a Kubernetes API (use with httpx for in-memory tests); read-only
    unless `writable`. The SnapshotApi (its `writes`, `reset()`) is `app.state.snapshot_api`."""
    api = SnapshotApi(snapshot, writable)
    app = Starlette(routes=[Route("/{path:path}", api.handle, methods=ALL_METHODS)])
    app.state.snapshot_api = api
    return app


@dataclass
class RunningSnapshot:
    """A snapshot API server running on 127.0.0.1 in a daemon thread."""

    url: str
    kubeconfig: Path
    snapshot: Snapshot
    api: SnapshotApi
    _server: uvicorn.Server
    _thread: threading.Thread
    _cleanup: list[Path] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def writable(self) -> bool:
        return self.api.writable

    @property
    def writes(self) -> list[WriteRecord]:
        """Every write request received so far (applied, dry run or refused), oldest first."""
        return self.api.writes.records()

    def clear_writes(self) -> None:
        self.api.writes.clear()

    def reset(self) -> None:
        """Undo every applied write (back to the snapshot as loaded) and clear the record."""
        self.api.reset()

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        for path in self._cleanup:
            shutil.rmtree(path, ignore_errors=True)

    def __enter__(self) -> RunningSnapshot:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def start_snapshot_server(snapshot_dir: Path, port: int = 0, kubeconfig_path: Path | None = None,
                          startup_timeout: float = 15.0, writable: bool = False) -> RunningSnapshot:
    """Load `snapshot_dir` (SnapshotError if invalid), serve it on 127.0.0.1:`port` (0 = any free
    port) and write a kubeconfig pointing at it (a temp file removed on stop() unless a path is given).
    `writable` applies writes in memory (never to the directory) and records them."""
    snapshot = load_snapshot(Path(snapshot_dir))
    app = create_snapshot_app(snapshot, writable)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            access_log=False, lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="snapshot-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise OSError(f"snapshot API server failed to start on 127.0.0.1:{port}")
        time.sleep(0.02)
    bound_port = int(server.servers[0].sockets[0].getsockname()[1])
    url = f"http://127.0.0.1:{bound_port}"
    cleanup: list[Path] = []
    if kubeconfig_path is None:
        temp_dir = Path(tempfile.mkdtemp(prefix="k8s-snapshot-"))
        cleanup.append(temp_dir)
        kubeconfig_path = temp_dir / "kubeconfig"
    write_kubeconfig(Path(kubeconfig_path), url, snapshot.manifest.source_context)
    return RunningSnapshot(url, Path(kubeconfig_path), snapshot, app.state.snapshot_api, server, thread, cleanup)
