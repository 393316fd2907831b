"""`python -m app analyze`: every finding of the cluster, like `k8sgpt analyze` (table or JSON)."""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from app.analyzers.model import Finding
from app.analyzers.reader import ClusterReader
from app.analyzers.registry import AnalyzerRun, all_findings, default_registry, run_analyzers
from app.analyzers.view import ClusterView
from app.errors import ConfigError
from app.runbooks import RunbookStore
from app.settings import Settings

SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


@dataclass(frozen=True)
class Analysis:
    view: ClusterView
    runs: list[AnalyzerRun]

    @property
    def findings(self) -> list[Finding]:
        return all_findings(self.runs)


def analyze_cluster(settings: Settings, namespace: str | None, snapshot: Path | None) -> Analysis:
    """Read the cluster named by the settings (or serve `snapshot` for the run) and run every analyzer.

    Raises ConfigError for a bad snapshot, ClusterUnreachable when the API server cannot be read.
    """
    from app.snapshot.errors import SnapshotError

    snapshot = snapshot or settings.cluster_snapshot
    runbooks = RunbookStore(settings.runbooks_dir, settings.runbooks_reload_interval_s)
    runbooks.refresh()
    registry = default_registry()
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
        view = reader.read(registry.kinds(), namespace, registry.kind_specs())
        runs = run_analyzers(view, registry, runbooks.current())
        view.source = None  # the server is about to stop: nothing more is fetched on demand
    return Analysis(view, runs)


def to_json(analysis: Analysis) -> str:
    return json.dumps([f.as_dict() for f in analysis.findings], ensure_ascii=False, indent=2)


def print_table(analysis: Analysis) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    findings = analysis.findings
    for severity in ("critical", "warning", "info"):
        rows = [f for f in findings if f.severity == severity]
        if not rows:
            continue
        table = Table(title=Text(f"{severity.upper()} ({len(rows)})", style=SEVERITY_STYLE[severity]),
                      title_justify="left", show_lines=True, expand=True)
        table.add_column("Object", overflow="fold", ratio=2)
        table.add_column("Reason", overflow="fold", ratio=1)
        table.add_column("Finding and evidence", overflow="fold", ratio=5)
        table.add_column("Runbook", overflow="fold", ratio=1)
        for f in rows:
            body = Text(f.message)
            for line in f.evidence[:6]:
                body.append("\n  " + line, style="dim")
            table.add_row(str(f.object), Text(f.reason, style=SEVERITY_STYLE[severity]), body, f.runbook or "-")
        console.print(table)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("critical", "warning", "info")}
    scope = f"namespace {analysis.view.namespace}" if analysis.view.namespace else "all namespaces"
    console.print(f"{len(findings)} finding(s) in {scope}: {counts['critical']} critical, {counts['warning']} "
                  f"warning, {counts['info']} info", highlight=False)
    for kind, why in sorted(analysis.view.unavailable.items()):
        console.print(f"[dim]not read: {kind} ({why})[/dim]", highlight=False)
    for run in analysis.runs:
        if run.error:
            console.print(f"[red]analyzer {run.name} failed: {run.error}[/red]", highlight=False)
