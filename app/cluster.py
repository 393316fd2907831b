"""Which cluster the tools talk to: a served snapshot, a kubeconfig, or kubectl's own defaults."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from app.errors import ConfigError
from app.tools.kube_calls import Version
from app.tools.kubectl import KubectlRunner

if TYPE_CHECKING:
    from app.settings import Settings
    from app.snapshot.server import RunningSnapshot

Source = Literal["snapshot", "kubeconfig", "default"]
HEALTH_CACHE_S = 5.0


@dataclass(frozen=True)
class ClusterStatus:
    reachable: bool
    source: Source
    server_version: str | None
    error: str | None
    snapshot: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "reachable": self.reachable,
            "source": self.source,
            "server_version": self.server_version,
            "error": self.error,
            "snapshot": self.snapshot,
        }


class Cluster:
    def __init__(
        self,
        source: Source,
        kubeconfig: Path | None,
        context: str | None,
        snapshot: RunningSnapshot | None = None,
        snapshot_dir: Path | None = None,
    ) -> None:
        self.source = source
        self.kubeconfig = kubeconfig
        self.context = context
        self.snapshot = snapshot
        self.snapshot_dir = snapshot_dir
        self._status: ClusterStatus | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    @classmethod
    def connect(cls, settings: Settings) -> Cluster:
        """Start the in-process snapshot server when one is configured; otherwise use kubeconfig."""
        if settings.cluster_snapshot is not None:
            from app.snapshot.errors import SnapshotError
            from app.snapshot.server import start_snapshot_server

            kubeconfig = settings.data_dir / "snapshot-kubeconfig.yaml"
            kubeconfig.parent.mkdir(parents=True, exist_ok=True)
            try:
                running = start_snapshot_server(settings.cluster_snapshot, kubeconfig_path=kubeconfig,
                                                writable=settings.cluster_snapshot_writable)
            except (SnapshotError, OSError) as exc:
                raise ConfigError(f"cannot serve snapshot {settings.cluster_snapshot}: {exc}") from exc
            return cls("snapshot", running.kubeconfig, None, running, settings.cluster_snapshot)
        if settings.kubeconfig is not None:
            return cls("kubeconfig", settings.kubeconfig, settings.kube_context, None)
        return cls("default", None, settings.kube_context, None)

    def runner(self, settings: Settings) -> KubectlRunner:
        return KubectlRunner(
            self.kubeconfig,
            self.context,
            home=settings.data_dir / "kube-home",
            timeout_s=settings.tool_timeout_s,
            max_chars=settings.tool_output_max_chars,
            unsafe_allow_all=settings.bash_tool_unsafe_allow_all,
        )

    def status(self, runner: KubectlRunner) -> ClusterStatus:
        """Whether the API server answers (`kubectl version`), cached for a few seconds."""
        with self._lock:
            if self._status is not None and time.monotonic() - self._checked_at < HEALTH_CACHE_S:
                return self._status
            result = runner.run(Version(json_output=True), timeout_s=6)
            version = None
            error = None
            if result.status == "success":
                try:
                    version = json.loads(result.output).get("serverVersion", {}).get("gitVersion")
                except json.JSONDecodeError:
                    error = "unexpected answer from kubectl version"
            else:
                error = result.output.splitlines()[-1] if result.output else result.status
            self._status = ClusterStatus(
                reachable=version is not None,
                source=self.source,
                server_version=version,
                error=None if version else error,
                snapshot=str(self.snapshot_dir) if self.snapshot_dir else None,
            )
            self._checked_at = time.monotonic()
            return self._status

    def close(self) -> None:
        if self.snapshot is not None:
            self.snapshot.stop()
