"""`snapshot` CLI: serve a snapshot directory as an API server (read-only or writable in memory), or capture one."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn

from app.snapshot.capture import CaptureOptions, capture_cluster
from app.snapshot.errors import SnapshotError
from app.snapshot.server import start_snapshot_server
from app.snapshot.store import format_time

snapshot_app = typer.Typer(help="Investigate clusters offline: serve or capture snapshots.",
                           no_args_is_help=True)
_KUBECONFIG_OUT = "Where to write the kubeconfig (default: a temp file)."
_KUBECONFIG_IN = "Kubeconfig file (default: $KUBECONFIG / ~/.kube/config)."


@snapshot_app.command()
def serve(
    snapshot_dir: Annotated[Path, typer.Argument(help="Snapshot directory (with manifest.yaml).")],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 = any free port).")] = 0,
    kubeconfig: Annotated[Path | None, typer.Option(help=_KUBECONFIG_OUT)]
    = None,
    writable: Annotated[bool, typer.Option(
        "--writable", help="Apply writes in memory (never to SNAPSHOT_DIR) and record them.")] = False,
) -> None:
    """Serve SNAPSHOT_DIR as a Kubernetes API on 127.0.0.1 until Ctrl-C (read-only unless --writable)."""
    console = Console(soft_wrap=True)
    try:
        running = start_snapshot_server(snapshot_dir, port=port, kubeconfig_path=kubeconfig, writable=writable)
    except SnapshotError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    except OSError as exc:
        console.print(f"[red]error:[/red] cannot listen on 127.0.0.1:{port}: {exc}")
        raise typer.Exit(2) from exc
    manifest = running.snapshot.manifest
    console.print(f"Serving snapshot [bold]{snapshot_dir}[/bold] (context {manifest.source_context}, "
                  f"Kubernetes {manifest.kubernetes_version}, captured {format_time(manifest.captured_at)})")
    mode = "writable in memory" if writable else "read-only"
    console.print(f"API server: {running.url}   ({mode}; ages are relative to the capture time)")
    if writable:
        console.print(f"Writes are applied in memory only and recorded: {running.url}/_snapshot/writes "
                      f"(DELETE it to clear; POST {running.url}/_snapshot/reset to start over)", highlight=False)
    console.print(f"Kubeconfig: {running.kubeconfig}\n")
    console.print(f"  export KUBECONFIG={running.kubeconfig}\n  kubectl get pods -A\n", highlight=False)
    console.print("Press Ctrl-C to stop.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        console.print("stopping")
    finally:
        running.stop()


class _RichReporter:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def phase(self, name: str, total: int) -> None:
        self.task = self.progress.add_task(name, total=total)

    def advance(self, description: str) -> None:
        if self.task is not None:
            self.progress.update(self.task, advance=1, description=description)


@snapshot_app.command()
def capture(
    out: Annotated[Path, typer.Argument(help="New directory to write the snapshot into.")],
    context: Annotated[str | None, typer.Option(help="Kubeconfig context (default: current).")] = None,
    kubeconfig: Annotated[Path | None, typer.Option(help=_KUBECONFIG_IN)]
    = None,
    namespace: Annotated[list[str] | None,
                         typer.Option("--namespace", "-n", help="Namespace (repeat); default all.")] = None,
    log_tail_lines: Annotated[int, typer.Option(help="Keep at most this many lines per container log.")]
    = 1000,
    log_limit_bytes: Annotated[int, typer.Option(help="Keep at most this many bytes per container log.")]
    = 256 * 1024,
    logs: Annotated[bool, typer.Option(help="Capture container logs.")] = True,
) -> None:
    """Record a live cluster into OUT (secret values are masked; logs are bounded)."""
    console = Console(soft_wrap=True)
    options = CaptureOptions(out=out, context=context, kubeconfig=kubeconfig,
                             namespaces=list(namespace or []), log_tail_lines=log_tail_lines,
                             log_limit_bytes=log_limit_bytes, include_logs=logs)
    columns = (SpinnerColumn(), TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, console=console, transient=True) as progress:
            result = capture_cluster(options, _RichReporter(progress))
    except SnapshotError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"Captured {result.objects} objects and {result.logs} logs into [bold]{result.out}[/bold]"
                  f"{'' if result.metrics else ' (no metrics API)'}.")
    if result.skipped:
        console.print(f"Skipped (not served or forbidden): {', '.join(result.skipped)}")
    console.print(f"Serve it with: python -m app snapshot serve {result.out}", highlight=False)
