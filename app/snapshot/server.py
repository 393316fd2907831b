"""A read-only Kubernetes API server over a snapshot: the ASGI app and an in-process runner."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.snapshot import discovery
from app.snapshot.kubeconfig import write_kubeconfig
from app.snapshot.logs import (
    LogRequestError,
    choose_container,
    missing_log_message,
    parse_log_options,
    render_log,
)
from app.snapshot.resources import METRICS_RESOURCES, ResourceType
from app.snapshot.selectors import (
    SelectorError,
    matches_fields,
    parse_field_selector,
    parse_label_selector,
)
from app.snapshot.store import Obj, Snapshot, format_time, load_snapshot
from app.snapshot.tables import build_table

READ_METHODS = ("GET", "HEAD")
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
RESOURCE_VERSION = "1"


def _json(body: Obj, code: int = 200) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), code, media_type="application/json")


def _status(code: int, reason: str, message: str, details: Obj | None = None) -> Response:
    return _json(discovery.status(code, reason, message, details), code)


def _not_found(resource: ResourceType | None = None, name: str = "") -> Response:
    return _json(discovery.not_found(resource, name), 404)


@dataclass
class _Target:
    """A parsed resource URL: /api/v1/namespaces/<ns>/<resource>/<name>/<subresource>."""

    group: str
    version: str
    namespace: str | None
    resource: str
    name: str | None = None
    subresource: str | None = None


def _parse_target(group: str, version: str, rest: list[str]) -> _Target | None:
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    if len(rest) > 3:
        return None
    return _Target(group, version, namespace, rest[0], *rest[1:])


class SnapshotApi:
    """Request handling over one loaded Snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.now = snapshot.manifest.captured_at

    async def handle(self, request: Request) -> Response:
        if request.method not in READ_METHODS:
            manifest = self.snapshot.manifest
            return _status(405, "MethodNotAllowed",
                           f"this is a read-only snapshot captured at {format_time(manifest.captured_at)} "
                           f"from context {manifest.source_context!r}: {request.method} is not allowed")
        parts = [p for p in request.url.path.split("/") if p]
        try:
            return self._route(request, parts)
        except (SelectorError, LogRequestError) as exc:
            return _status(400, "BadRequest", str(exc))

    def _route(self, request: Request, parts: list[str]) -> Response:
        if not parts:
            return _json({"paths": ["/api", "/api/v1", "/apis", "/healthz", "/version"]})
        head = parts[0]
        if head == "version" and len(parts) == 1:
            return _json(discovery.version_info(self.snapshot))
        if head in ("healthz", "livez", "readyz"):
            return Response("ok", media_type="text/plain")
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
            doc = discovery.resource_list(self.snapshot, group, version)
            return _json(doc) if doc else _not_found()
        target = _parse_target(group, version, rest)
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
        if target.subresource == "log" and resource.kind == "Pod":
            return self._log(request, obj)
        return _not_found()

    def _list(self, request: Request, resource: ResourceType, namespace: str | None) -> Response:
        params = request.query_params
        if params.get("watch") in ("true", "1"):
            return Response(b"", media_type="application/json")  # nothing ever changes: end the watch
        labels = parse_label_selector(params["labelSelector"]) if params.get("labelSelector") else None
        items = self.snapshot.list(resource, namespace, labels, params.get("fieldSelector") or None)
        if _wants_table(request):
            return _json(build_table(resource.kind, items, self.now, RESOURCE_VERSION,
                                     params.get("includeObject", "Metadata")))
        return _json({"kind": f"{resource.kind}List", "apiVersion": resource.group_version,
                      "metadata": {"resourceVersion": RESOURCE_VERSION}, "items": items})

    def _one(self, request: Request, resource: ResourceType, obj: Obj) -> Response:
        if _wants_table(request):
            return _json(build_table(resource.kind, [obj], self.now, RESOURCE_VERSION,
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
        return Response(render_log(path, options, self.now), media_type="text/plain")

    def _metrics(self, request: Request, target: _Target) -> Response:
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


def _wants_table(request: Request) -> bool:
    return "as=Table" in request.headers.get("accept", "")


def create_snapshot_app(snapshot: Snapshot) -> Starlette:
    """An ASGI app serving `snapshot` as a read-only Kubernetes API (use with httpx for in-memory tests)."""
    api = SnapshotApi(snapshot)
    return Starlette(routes=[Route("/{path:path}", api.handle, methods=ALL_METHODS)])


@dataclass
class RunningSnapshot:
    """A snapshot API server running on 127.0.0.1 in a daemon thread."""

    url: str
    kubeconfig: Path
    snapshot: Snapshot
    _server: uvicorn.Server
    _thread: threading.Thread
    _cleanup: list[Path] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

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
                          startup_timeout: float = 15.0) -> RunningSnapshot:
    """Load `snapshot_dir` (SnapshotError if invalid), serve it on 127.0.0.1:`port` (0 = any free
    port) and write a kubeconfig pointing at it (a temp file removed on stop() unless a path is given)."""
    snapshot = load_snapshot(Path(snapshot_dir))
    config = uvicorn.Config(create_snapshot_app(snapshot), host="127.0.0.1", port=port, log_level="warning",
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
    return RunningSnapshot(url, Path(kubeconfig_path), snapshot, server, thread, cleanup)
