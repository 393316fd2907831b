"""Run kubectl for the engine and the runbooks: policy first, argv pipelines without a shell, bounded output."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from app.policy import Decision, check_command

log = logging.getLogger(__name__)

ResultStatus = Literal["success", "error", "denied", "needs-approval", "timeout"]
# Only what kubectl needs: the service's own secrets (LLM keys) never reach a subprocess.
_PASS_THROUGH_ENV = ("PATH", "LANG", "LC_ALL", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",
                     "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy")


@dataclass(frozen=True)
class CommandResult:
    command: str
    status: ResultStatus
    output: str
    truncated: bool = False
    exit_code: int | None = None


def truncate(text: str, max_chars: int) -> tuple[str, bool]:
    """Keep the head and the tail (headers and the latest log lines), with a marker in between."""
    if len(text) <= max_chars:
        return text, False
    head = max_chars * 2 // 3
    tail = max_chars - head
    dropped = len(text) - head - tail
    return f"{text[:head]}\n… [truncated {dropped} characters] …\n{text[-tail:]}", True


class KubectlRunner:
    """Runs commands that pass the policy: kubectl, optionally piped through allow-listed filters."""

    def __init__(
        self,
        kubeconfig: Path | None,
        context: str | None,
        home: Path,
        timeout_s: float = 30.0,
        max_chars: int = 12000,
        unsafe_allow_all: bool = False,
    ) -> None:
        self.kubeconfig = kubeconfig
        self.context = context
        self.home = home
        self.timeout_s = timeout_s
        self.max_chars = max_chars
        self.unsafe_allow_all = unsafe_allow_all

    def env(self) -> dict[str, str]:
        env = {k: os.environ[k] for k in _PASS_THROUGH_ENV if k in os.environ}
        # A private HOME keeps kubectl's discovery cache away from the user's ~/.kube.
        env["HOME"] = str(self.home)
        if self.kubeconfig is not None:
            env["KUBECONFIG"] = str(self.kubeconfig)
        elif "KUBECONFIG" in os.environ:
            env["KUBECONFIG"] = os.environ["KUBECONFIG"]
        elif (Path.home() / ".kube" / "config").is_file():
            env["KUBECONFIG"] = str(Path.home() / ".kube" / "config")
        return env

    def check(self, command: str) -> Decision:
        return check_command(command.strip(), self.context, self.unsafe_allow_all)

    def run(self, command: str, timeout_s: float | None = None, approved: bool = False) -> CommandResult:
        """Run `command` if the policy allows it (or it needs approval and a human `approved` it)."""
        decision = self.check(command)
        if decision.verdict == "denied" or (decision.verdict == "needs-approval" and not approved):
            status: ResultStatus = "denied" if decision.verdict == "denied" else "needs-approval"
            return CommandResult(command, status, decision.reason)
        if decision.verdict == "needs-approval" or "BASH_TOOL_UNSAFE_ALLOW_ALL" in decision.reason:
            log.warning("running a cluster-changing command", extra={"command": command, "why": decision.reason})
        argvs = [list(argv) for argv in decision.argvs]
        if self.context and not any(a.startswith("--context") for a in argvs[0]):
            argvs[0].insert(1, f"--context={self.context}")
        self.home.mkdir(parents=True, exist_ok=True)
        limit = timeout_s or self.timeout_s
        try:
            code, output = _run_pipeline(argvs, self.env(), limit)
        except subprocess.TimeoutExpired:
            return CommandResult(command, "timeout", f"timed out after {limit:g}s")
        except FileNotFoundError as exc:
            return CommandResult(command, "error", f"{exc.filename or 'a program'} is not installed on this host")
        text, truncated = truncate(output.strip(), self.max_chars)
        return CommandResult(command, "success" if code == 0 else "error", text, truncated, code)


def _pipeline_exit_code(codes: list[int]) -> int:
    """kubectl's failure counts even when a filter after it succeeds. A stage killed by SIGPIPE (`| head`
    stopped reading) is not a failure, and a final grep exiting 1 only means "no match"."""
    ok = (0, -signal.SIGPIPE)
    if codes[0] not in ok:
        return codes[0]
    for code in codes[1:-1]:
        if code not in (*ok, 1):
            return code
    last = codes[-1]
    return 0 if last in ok or (len(codes) > 1 and last == 1) else last


def _run_pipeline(argvs: list[list[str]], env: dict[str, str], timeout_s: float) -> tuple[int, str]:
    """Run argv processes joined by pipes (no shell). Returns the first failing exit code (else the last
    one's) and stdout followed by every stage's stderr."""
    with tempfile.TemporaryFile() as errors:
        procs: list[subprocess.Popen[bytes]] = []
        stdin: int | IO[bytes] = subprocess.DEVNULL
        try:
            for argv in argvs:
                proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=errors, env=env)
                if procs and procs[-1].stdout is not None:
                    procs[-1].stdout.close()  # the next stage owns it now: SIGPIPE reaches the writer
                procs.append(proc)
                stdin = proc.stdout if proc.stdout is not None else subprocess.DEVNULL
            out, _ = procs[-1].communicate(timeout=timeout_s)
            for proc in procs[:-1]:
                proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            for proc in procs:
                proc.kill()
            raise
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        errors.seek(0)
        err = errors.read()
    failing = _pipeline_exit_code([p.returncode for p in procs])
    text = out.decode("utf-8", "replace")
    if err:
        text += ("\n" if text else "") + err.decode("utf-8", "replace")
    return failing, text
