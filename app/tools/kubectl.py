"""Run typed cluster calls with kubectl: argv built by the service, output redacted where it is produced.

What a caller controls is a validated `KubeCall` (app/tools/kube_calls.py) and an optional in-process
`Shape`; never a command line. The service fixes everything else: the kubeconfig and context, an
environment holding only what kubectl needs (no LLM keys, kubectl's `kuberc` preferences off), a private
empty working directory, no stdin, and a process group of its own that is killed on timeout, on
cancellation (client gone) and at shutdown — no kubectl outlives its investigation.

Output is redacted once, here, before it goes anywhere: structured output (yaml/json) is parsed and
masked field by field, then rendered; text is masked line by line. Then it is shaped and truncated.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from app.redact import redact, redact_object
from app.tools.kube_calls import Action, KubeCall
from app.tools.shaping import Shape, ShapingError

log = logging.getLogger(__name__)

ResultStatus = Literal["success", "error", "denied", "needs-approval", "timeout", "cancelled"]
# Only what kubectl needs: the service's own secrets (LLM keys) never reach a subprocess.
_PASS_THROUGH_ENV = ("PATH", "LANG", "LC_ALL", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",
                     "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy")
_POLL_S = 0.1


@dataclass(frozen=True)
class CommandResult:
    command: str  # the call as a command line, for people
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


def render(call: KubeCall, stdout: str, shape: Shape) -> str:
    """kubectl's stdout, redacted (structurally when it is JSON), rendered as asked, then shaped."""
    if call.structured is not None or shape.filter is not None:
        try:
            document: Any = redact_object(json.loads(stdout))
        except json.JSONDecodeError:
            return shape.apply_lines(redact(stdout))
        if shape.filter is not None:
            return shape.apply_json(document)
        if call.structured == "yaml":
            return shape.apply_lines(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
        return shape.apply_lines(json.dumps(document, indent=2, ensure_ascii=False))
    return shape.apply_lines(redact(stdout))


class KubectlRunner:
    def __init__(
        self,
        kubeconfig: Path | None,
        context: str | None,
        home: Path,
        timeout_s: float = 30.0,
        max_chars: int = 12000,
        unsafe_allow_all: bool = False,
        kubectl: str = "kubectl",
    ) -> None:
        self.kubeconfig = kubeconfig
        self.context = context
        self.home = home
        self.timeout_s = timeout_s
        self.max_chars = max_chars
        self.unsafe_allow_all = unsafe_allow_all
        self.kubectl = kubectl
        self._live: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    def env(self) -> dict[str, str]:
        env = {k: os.environ[k] for k in _PASS_THROUGH_ENV if k in os.environ}
        # A private HOME keeps kubectl's discovery cache away from the user's ~/.kube.
        env["HOME"] = str(self.home)
        env["KUBECTL_KUBERC"] = "false"  # no user aliases or default flags (kubectl >= 1.33)
        if self.kubeconfig is not None:
            env["KUBECONFIG"] = str(self.kubeconfig)
        elif "KUBECONFIG" in os.environ:
            env["KUBECONFIG"] = os.environ["KUBECONFIG"]
        elif (Path.home() / ".kube" / "config").is_file():
            env["KUBECONFIG"] = str(Path.home() / ".kube" / "config")
        return env

    def argv(self, args: list[str]) -> list[str]:
        fixed = [f"--context={self.context}"] if self.context else []
        return [self.kubectl, *fixed, *args]

    def needs_approval(self, call: KubeCall) -> bool:
        return call.mutating and not self.unsafe_allow_all

    def run(self, call: KubeCall, shape: Shape | None = None, *, approved: bool = False,
            cancel: threading.Event | None = None, timeout_s: float | None = None) -> CommandResult:
        """Run `call`; an action runs only once a human `approved` it (or approval is waived by settings)."""
        shape = shape or Shape()
        shown = call.display()
        if call.mutating and not approved:
            if self.needs_approval(call):
                return CommandResult(shown, "needs-approval", f"'{call.verb}' changes the cluster and needs approval")
            log.warning("running a cluster-changing action without approval (BASH_TOOL_UNSAFE_ALLOW_ALL)",
                        extra={"command": shown})
        elif call.mutating:
            log.warning("running an approved cluster-changing action", extra={"command": shown})
        try:
            shape.compile()
        except ShapingError as exc:
            return CommandResult(shown, "denied", str(exc))
        status, code, stdout, stderr = self._execute(call.args(), cancel, timeout_s or self.timeout_s)
        if status != "success":
            return CommandResult(shown, status, redact(stderr or stdout), False, code)
        try:
            text = render(call, stdout, shape)
        except ShapingError as exc:
            return CommandResult(shown, "error", str(exc), False, code)
        if stderr.strip():
            text += ("\n" if text else "") + redact(stderr.strip())
        text, truncated = truncate(text.strip(), self.max_chars)
        return CommandResult(shown, "success" if code == 0 else "error", text, truncated, code)

    def preview(self, action: Action, cancel: threading.Event | None = None) -> CommandResult:
        """A server-side dry run of `action`: what the API server would do, nothing stored."""
        status, code, stdout, stderr = self._execute(action.preview_args(), cancel, self.timeout_s)
        text = redact("\n".join(part.strip() for part in (stdout, stderr) if part.strip()))
        return CommandResult(action.display() + " --dry-run=server", status if code == 0 else "error",
                             truncate(text, self.max_chars)[0], False, code)

    def _execute(self, args: list[str], cancel: threading.Event | None,
                 timeout_s: float) -> tuple[ResultStatus, int | None, str, str]:
        workdir = self.home / "work"  # empty and private: nothing kubectl could read by a relative path
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            proc = subprocess.Popen(self.argv(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env=self.env(), cwd=workdir, start_new_session=True)
        except FileNotFoundError:
            return "error", None, "", f"{self.kubectl} is not installed on this host"
        with self._lock:
            self._live.add(proc)
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                try:
                    out, err = proc.communicate(timeout=_POLL_S)
                    break
                except subprocess.TimeoutExpired:
                    if cancel is not None and cancel.is_set():
                        self._kill(proc)
                        return "cancelled", None, "", "cancelled: the investigation stopped"
                    if time.monotonic() >= deadline:
                        self._kill(proc)
                        return "timeout", None, "", f"timed out after {timeout_s:g}s"
        finally:
            with self._lock:
                self._live.discard(proc)
        status: ResultStatus = "success" if proc.returncode == 0 else "error"
        return status, proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):  # kubectl and what it started (the version dispatcher)
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()

    def kill_all(self) -> int:
        """Kill every running kubectl (shutdown). Returns how many were running."""
        with self._lock:
            live = list(self._live)
        for proc in live:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        return len(live)
