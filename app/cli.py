"""Command line: `k8s-copilot` / `python -m app` — serve, classify, analyze, snapshot, policy."""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.errors import CopilotError

cli = typer.Typer(
    help="K8s AIOps Copilot: ask about your Kubernetes cluster, get an evidence-backed investigation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(
        help="Interface to listen on (0.0.0.0: every interface, as the container image does).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    config: Annotated[Path | None, typer.Option(help="Config file (default $CONFIG_FILE).")] = None,
    log_level: Annotated[
        str | None, typer.Option(help="debug, info, warning, error (default: LOG_LEVEL / config).")
    ] = None,
) -> None:
    """Start the HTTP service (on 127.0.0.1 unless --host says otherwise)."""
    import logging

    import uvicorn

    from app.auth import exposure_warning
    from app.main import create_app
    from app.observability import configure_logging
    from app.settings import load_settings

    try:
        settings = load_settings(config, **({"log_level": log_level} if log_level else {}))
    except CopilotError as exc:
        raise _fail(exc.message) from None
    # Our handler from the first line on: uvicorn's own startup lines are JSON (and redacted) too.
    level = settings.log_level or "info"
    configure_logging(settings.log_format, level)
    warning = exposure_warning(host, settings)
    if warning:
        logging.getLogger("app.serve").warning(warning)
    # proxy_headers off: uvicorn would believe X-Forwarded-For from 127.0.0.1; app/proxies.py decides instead.
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, log_level=level,
                timeout_graceful_shutdown=10, proxy_headers=False)


@cli.command()
def classify(
    questions: Annotated[list[str] | None, typer.Argument(help="Questions to classify.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="One question per line ('-': stdin).")
    ] = None,
    rules_only: Annotated[bool, typer.Option("--rules", help="Use the rules even if an LLM is set.")] = False,
) -> None:
    """Classify questions into problem types (DSPy when an LLM is configured, rules otherwise)."""
    from app.classify import Classifier, RuleClassifier
    from app.settings import load_settings

    items = list(questions or [])
    if file is not None:
        try:
            text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _fail(f"cannot read {file}: {exc}") from None
        items += [line.strip() for line in text.splitlines() if line.strip()]
    if not items:
        raise _fail("give questions as arguments or --file FILE")
    try:
        classifier = RuleClassifier() if rules_only else None
        full = None if rules_only else Classifier.from_settings(load_settings())
    except CopilotError as exc:
        raise _fail(exc.message) from None

    async def run() -> None:
        for question in items:
            if classifier is not None:
                found = classifier.classify(question)
            else:
                assert full is not None
                found = await full.classify(question)
            if as_json:
                typer.echo(json.dumps({"question": question, **found.as_dict()}, ensure_ascii=False))
            else:
                typer.echo(f"{found.problem_type}\t{found.confidence:.2f}\t{found.method}\t{question}")

    asyncio.run(run())


@cli.command()
def analyze(
    namespace: Annotated[str | None, typer.Option("--namespace", "-n", help="Only this namespace.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as a JSON array.")] = False,
    snapshot: Annotated[
        Path | None, typer.Option("--snapshot", help="Serve this snapshot directory in-process for the run.")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="Config file (default $CONFIG_FILE).")] = None,
) -> None:
    """Find what is broken, without an LLM: every analyzer's findings, grouped by severity."""
    from app.analyzers.console import analyze_cluster, print_table, to_json
    from app.settings import load_settings

    try:
        analysis = analyze_cluster(load_settings(config), namespace, snapshot)
    except CopilotError as exc:  # config errors, and ClusterUnreachable
        raise _fail(exc.message, 1) from None
    if as_json:
        typer.echo(to_json(analysis))
    else:
        print_table(analysis)


policy_app = typer.Typer(help="See how a kubectl command line maps onto the typed tools.", no_args_is_help=True)


@policy_app.command("check")
def policy_check(
    command: Annotated[list[str], typer.Argument(help="The command line (quote it, or put it after --).")],
    unsafe_allow_all: Annotated[
        bool, typer.Option("--unsafe-allow-all", help="As with BASH_TOOL_UNSAFE_ALLOW_ALL=true.")
    ] = False,
) -> None:
    """Print how a command line would be parsed into a typed call (`allowed` read, `needs-approval` action)
    or why it can't (`denied`). Exit code 0, 3 or 4 respectively."""
    from app.policy import check_command

    line = command[0] if len(command) == 1 else shlex.join(command)
    decision = check_command(line, unsafe_allow_all)
    typer.echo(f"{decision.verdict}: {decision.reason}")
    raise typer.Exit({"allowed": 0, "needs-approval": 3, "denied": 4}[decision.verdict])


def _mount_subcommands() -> None:
    from app.snapshot.cli import snapshot_app

    cli.add_typer(snapshot_app, name="snapshot", help="Serve or capture cluster snapshots.")
    cli.add_typer(policy_app, name="policy")


def main() -> None:
    _mount_subcommands()
    cli()
