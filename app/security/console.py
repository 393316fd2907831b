"""`python -m app audit`: read the cluster (or serve a snapshot for the run) and audit it."""

from __future__ import annotations

from contextlib import ExitStack
from functools import partial
from pathlib import Path

from app.analyzers.reader import ClusterReader
from app.errors import ConfigError
from app.security.engine import AUDIT_KINDS, AuditOptions, AuditReport, run_audit
from app.security.trivy import scan_images, trivy_binary
from app.settings import Settings


def options_from(settings: Settings, namespace: str | None, workload: tuple[str, str] | None,
                 trivy: bool = True) -> AuditOptions:
    binary = trivy_binary() if trivy and settings.security_trivy else None
    scan = partial(scan_images, binary, timeout_s=settings.security_trivy_timeout_s) if binary else None
    return AuditOptions(namespace, workload, tuple(settings.security_allowed_registries), scan)


def audit_with_reader(reader: ClusterReader, options: AuditOptions) -> AuditReport:
    """One reading of the audit's kinds (shared with investigations running at the same moment)."""
    view = reader.read(AUDIT_KINDS, options.namespace)
    return run_audit(view, options)


def audit_cluster(settings: Settings, options: AuditOptions, snapshot: Path | None) -> AuditReport:
    """Raises ConfigError for a bad snapshot, ClusterUnreachable when the API server cannot be read."""
    from app.snapshot.errors import SnapshotError

    snapshot = snapshot or settings.cluster_snapshot
    with ExitStack() as stack:
        if snapshot is not None:
            from app.snapshot.server import start_snapshot_server

            try:
                running = stack.enter_context(start_snapshot_server(snapshot))
            except (SnapshotError, OSError) as exc:
                raise ConfigError(f"cannot serve snapshot {snapshot}: {exc}") from exc
            reader = ClusterReader(running.kubeconfig, None, timeout_s=settings.tool_timeout_s)
        else:
            reader = ClusterReader(settings.kubeconfig, settings.kube_context, timeout_s=settings.tool_timeout_s)
        stack.callback(reader.close)
        return audit_with_reader(reader, options)
