"""Run kubectl for the engine and the runbooks: policy first, argv without a shell, bounded output."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from app.policy import check_kubectl

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
    def __init__(
        self,
        kubeconfig: Path | None,
        context: str | None,
        home: Path,
        timeout_s: float = 30.0,
        max_chars: int = 12000,
    ) -> None:
        self.kubeconfig = kubeconfig
        self.context = context
        self.home = home
        self.timeout_s = timeout_s
        self.max_chars = max_chars

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

    def run(self, command: str, timeout_s: float | None = None) -> CommandResult:
        decision = check_kubectl(command.strip(), self.context)
        if decision.verdict != "allowed":
            status: ResultStatus = "denied" if decision.verdict == "denied" else "needs-approval"
            return CommandResult(command, status, decision.reason)
        argv = list(decision.argv)
        if self.context and not any(a.startswith("--context") for a in argv):
            argv.insert(1, f"--context={self.context}")
        self.home.mkdir(parents=True, exist_ok=True)
        try:
            proc = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout_s or self.timeout_s,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return CommandResult(command, "timeout", f"timed out after {timeout_s or self.timeout_s:g}s")
        except FileNotFoundError:
            return CommandResult(command, "error", "kubectl is not installed on this host")
        output = proc.stdout + (("\n" if proc.stdout else "") + proc.stderr if proc.stderr else "")
        text, truncated = truncate(output.strip(), self.max_chars)
        status = "success" if proc.returncode == 0 else "error"
        return CommandResult(command, status, text, truncated, proc.returncode)
