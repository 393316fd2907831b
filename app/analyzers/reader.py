"""ClusterReader: the lists one investigation needs, read in-process with the kubernetes client.

An HTTP GET from this process costs ~1 ms where spawning kubectl costs ~100 ms, so the analyzers read
the cluster here, concurrently, once per investigation. Runbook steps still go through kubectl and the
command policy. Secrets: only their *names* are ever requested (a server-side Table without objects).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.analyzers.view import ClusterView, KindSpec, LogRequest
from app.errors import CopilotError

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

log = logging.getLogger(__name__)

POOL_SIZE = 24  # list fetches and log fetches at once, without urllib3 discarding connections
PAGE_SIZE = 500
MAX_ITEMS = 5000  # per kind: a bound for very large clusters
LOG_TAIL_LINES = 50
LOG_LIMIT_BYTES = 64 * 1024
_TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


class ClusterUnreachable(CopilotError):
    code = "cluster_unreachable"
    status = 502


class ClusterReader:
    def __init__(
        self, kubeconfig: Path | None, context: str | None, timeout_s: float = 10.0,
        log_tail_lines: int = LOG_TAIL_LINES, view_ttl_s: float = 2.0,
    ) -> None:
        self.kubeconfig = kubeconfig
        self.context = context
        self.timeout_s = timeout_s
        self.log_tail_lines = log_tail_lines
        self._client: ApiClient | None = None
        self._lock = threading.Lock()
        # One long-lived pool for every investigation: starting threads per call serialises concurrent
        # investigations on the interpreter's thread-start lock (measured in bench/load.py).
        self._pool = ThreadPoolExecutor(max_workers=POOL_SIZE, thread_name_prefix="cluster-read")
        self.view_ttl_s = view_ttl_s
        self._views: dict[tuple[tuple[str, ...], str | None], tuple[float, Future[ClusterView]]] = {}
        self._views_lock = threading.Lock()

    # -- connection ---------------------------------------------------------------------------------
    def client(self) -> ApiClient:
        with self._lock:
            if self._client is None:
                self._client = self._build()
            return self._client

    def warm_up(self) -> None:
        """Import the kubernetes client and load the kubeconfig ahead of the first investigation."""
        try:
            self.client()
        except ClusterUnreachable as exc:
            log.warning("cluster client not ready", extra={"error": exc.message})

    def _build(self) -> ApiClient:
        from kubernetes import config
        from kubernetes.client import ApiClient, Configuration

        configuration = Configuration()
        configuration.retries = 1  # fail fast when the API server is down; kubectl does not retry either
        configuration.connection_pool_maxsize = POOL_SIZE
        config_file = str(self.kubeconfig) if self.kubeconfig else os.environ.get("KUBECONFIG")
        if config_file is None and not (Path.home() / ".kube" / "config").is_file():
            if os.environ.get("KUBERNETES_SERVICE_HOST"):
                try:
                    config.load_incluster_config(client_configuration=configuration)
                except config.ConfigException as exc:
                    raise ClusterUnreachable(f"in-cluster configuration failed: {exc}") from exc
                return ApiClient(configuration)
            raise ClusterUnreachable("no kubeconfig: set KUBECONFIG, kubeconfig or cluster_snapshot")
        try:
            config.load_kube_config(config_file=config_file, context=self.context,
                                    client_configuration=configuration, persist_config=False)
        except (config.ConfigException, OSError, ValueError) as exc:
            raise ClusterUnreachable(f"cannot load kubeconfig: {exc}") from exc
        return ApiClient(configuration)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _get(self, path: str, query: list[tuple[str, str]], accept: str = "application/json") -> bytes:
        """One GET; ApiException for HTTP errors, ClusterUnreachable when the server cannot be reached."""
        from urllib3.exceptions import HTTPError

        client = self.client()
        try:
            response = client.call_api(
                path, "GET", query_params=query, header_params={"Accept": accept},
                auth_settings=["BearerToken"], _preload_content=False, _return_http_data_only=True,
                _request_timeout=self.timeout_s,
            )
        except HTTPError as exc:
            host = client.configuration.host
            raise ClusterUnreachable(f"cannot reach the Kubernetes API at {host}: {_short(exc)}") from exc
        data: bytes = response.data
        return data

    # -- lists --------------------------------------------------------------------------------------
    def read(self, kinds: Iterable[str], namespace: str | None = None,
             specs: Mapping[str, KindSpec] | None = None) -> ClusterView:
        """The named lists, scoped to `namespace` where the kind is namespaced.

        Investigations running within `view_ttl_s` of each other share one read (and its fetched logs):
        under load the cluster is read once per moment, not once per question.
        """
        key = (tuple(sorted(set(kinds))), namespace)
        with self._views_lock:
            cached = self._views.get(key)
            if cached is not None and time.monotonic() - cached[0] < self.view_ttl_s:
                future = cached[1]
            else:
                future = Future()
                self._views[key] = (time.monotonic(), future)
                cached = None
        if cached is None:
            try:
                future.set_result(self._read(key[0], namespace, specs or _default_specs()))
            except BaseException as exc:  # noqa: BLE001 - handed to every waiter, then re-raised below
                with self._views_lock:
                    self._views.pop(key, None)  # a failed read is not cached
                future.set_exception(exc)
        return future.result()

    def _read(self, kinds: Iterable[str], namespace: str | None, specs: Mapping[str, KindSpec]) -> ClusterView:
        from kubernetes.client.exceptions import ApiException

        wanted = [k for k in dict.fromkeys(kinds) if k in specs]
        objects: dict[str, list[dict[str, Any]]] = {}
        unavailable: dict[str, str] = {}
        futures = {kind: self._pool.submit(self._list, specs[kind], namespace) for kind in wanted}
        for kind, future in futures.items():
            try:
                objects[kind] = future.result()
            except ApiException as exc:
                objects[kind] = []
                unavailable[kind] = _api_problem(exc)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                objects[kind] = []
                unavailable[kind] = f"unreadable answer: {exc}"
        return ClusterView(objects, namespace, unavailable, source=self, executor=self._pool)

    def _list(self, spec: KindSpec, namespace: str | None) -> list[dict[str, Any]]:
        scope = f"/namespaces/{namespace}" if namespace and spec.namespaced else ""
        path = f"{spec.prefix}{scope}/{spec.resource}"
        items: list[dict[str, Any]] = []
        token = ""
        while True:
            query = [*spec.query, ("limit", str(PAGE_SIZE))] + ([("continue", token)] if token else [])
            if spec.metadata_only:
                page = json.loads(self._get(path, [*query, ("includeObject", "Metadata")], _TABLE))
                items += [row["object"] for row in page.get("rows") or [] if isinstance(row.get("object"), dict)]
            else:
                page = json.loads(self._get(path, query))
                items += page.get("items") or []
            token = (page.get("metadata") or {}).get("continue") or ""
            if not token or len(items) >= MAX_ITEMS:
                return items[:MAX_ITEMS]

    # -- on demand (ViewSource) ------------------------------------------------------------------------
    def log(self, request: LogRequest) -> str | None:
        from kubernetes.client.exceptions import ApiException

        path = f"/api/v1/namespaces/{request.namespace}/pods/{request.pod}/log"
        query = [("container", request.container), ("tailLines", str(self.log_tail_lines)),
                 ("limitBytes", str(LOG_LIMIT_BYTES))]
        if request.previous:
            query.append(("previous", "true"))
        try:
            return self._get(path, query, "text/plain").decode("utf-8", errors="replace")
        except ApiException:
            return None  # no previous instance, container not started, or forbidden
        except ClusterUnreachable:
            return None

    def secret_names(self, namespace: str) -> set[str] | None:
        """A Table without objects: names, types and key counts — the server never sends the data."""
        from kubernetes.client.exceptions import ApiException

        try:
            table = json.loads(self._get(f"/api/v1/namespaces/{namespace}/secrets", [("includeObject", "None")],
                                         _TABLE))
        except (ApiException, ClusterUnreachable, json.JSONDecodeError):
            return None
        columns = [str(c.get("name", "")).lower() for c in table.get("columnDefinitions") or []]
        if table.get("kind") != "Table" or "name" not in columns:
            return None
        index = columns.index("name")
        return {str(row["cells"][index]) for row in table.get("rows") or [] if len(row.get("cells") or []) > index}


def _default_specs() -> Mapping[str, KindSpec]:
    from app.analyzers.registry import default_registry

    return default_registry().kind_specs()


def _api_problem(exc: Any) -> str:
    status = getattr(exc, "status", None)
    if status == 403:
        return "forbidden (RBAC)"
    if status == 404:
        return "not served by this cluster"
    return f"HTTP {status}: {getattr(exc, 'reason', '')}".strip()


def _short(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc).splitlines()[0][:200]
