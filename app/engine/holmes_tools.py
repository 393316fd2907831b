"""Our Kubernetes toolset for the HolmesGPT engine: kubectl and pod logs, through the command policy.

HolmesGPT's own bash toolset allows `kubectl get secret -o yaml` by default and passes the whole process
environment to a shell; these tools run argv without a shell, with a minimal environment, after
`app.policy` has judged the command.
"""

from __future__ import annotations

import shlex
from typing import Any

from holmes.core.tools import (
    ApprovalRequirement,
    StructuredToolResult,
    StructuredToolResultStatus,
    Tool,
    ToolInvokeContext,
    ToolParameter,
    Toolset,
    ToolsetTag,
)
from pydantic import PrivateAttr

from app.tools.kubectl import CommandResult, KubectlRunner

TOOLSET_NAME = "kubernetes"
_STATUS = {
    "success": StructuredToolResultStatus.SUCCESS,
    "error": StructuredToolResultStatus.ERROR,
    "denied": StructuredToolResultStatus.ERROR,
    "needs-approval": StructuredToolResultStatus.ERROR,
    "timeout": StructuredToolResultStatus.ERROR,
}


def to_structured(result: CommandResult, params: dict[str, Any]) -> StructuredToolResult:
    if result.status in ("denied", "needs-approval"):
        error = f"Command refused ({result.status}): {result.output}"
    elif result.status != "success":
        error = result.output or f"kubectl exited with {result.exit_code}"
    else:
        error = None
    data = result.output if result.status == "success" else result.output or None
    if result.status == "success" and not result.output:
        status = StructuredToolResultStatus.NO_DATA
    else:
        status = _STATUS[result.status]
    return StructuredToolResult(
        status=status,
        error=error,
        data=data,
        params={**params, "truncated": result.truncated},
        invocation=result.command,
        return_code=result.exit_code,
    )


class KubectlTool(Tool):
    _runner: KubectlRunner = PrivateAttr()

    def __init__(self, runner: KubectlRunner) -> None:
        super().__init__(
            name="kubectl",
            description=(
                "Run one read-only kubectl command (get, describe, logs, top, events, explain, "
                "api-resources, version). No pipes or shell syntax; Secrets cannot be read. "
                "Example: kubectl get pods -n shop -o wide"
            ),
            parameters={
                "command": ToolParameter(description="The full kubectl command line.", type="string")
            },
        )
        self._runner = runner

    @staticmethod
    def command(params: dict[str, Any]) -> str:
        command = str(params.get("command", "")).strip()
        return command if command.startswith("kubectl") else f"kubectl {command}"

    def requires_approval(self, params: dict[str, Any], context: ToolInvokeContext) -> ApprovalRequirement | None:
        # Called by HolmesGPT before _invoke: a cluster-changing command pauses for a human decision.
        decision = self._runner.check(self.command(params))
        if decision.verdict == "needs-approval":
            return ApprovalRequirement(needs_approval=True, reason=decision.reason)
        return None

    def _invoke(self, params: dict[str, Any], context: ToolInvokeContext) -> StructuredToolResult:
        # user_approved is only ever set by HolmesGPT after our /approvals endpoint recorded a human "yes";
        # the runner still refuses anything the policy denies.
        result = self._runner.run(self.command(params), approved=context.user_approved)
        return to_structured(result, params)

    def get_parameterized_one_liner(self, params: dict[str, Any]) -> str:
        return str(params.get("command", ""))


class PodLogsTool(Tool):
    _runner: KubectlRunner = PrivateAttr()

    def __init__(self, runner: KubectlRunner) -> None:
        super().__init__(
            name="pod_logs",
            description=(
                "Fetch a pod's logs. Use previous=true for the instance that crashed or was OOMKilled."
            ),
            parameters={
                "namespace": ToolParameter(description="Namespace of the pod.", type="string"),
                "pod": ToolParameter(description="Pod name.", type="string"),
                "container": ToolParameter(description="Container (multi-container pods).", required=False),
                "previous": ToolParameter(description="Logs of the previous instance.", type="boolean",
                                          required=False),
                "tail": ToolParameter(description="Last N lines (default 200).", type="integer",
                                      required=False),
            },
        )
        self._runner = runner

    def _invoke(self, params: dict[str, Any], context: ToolInvokeContext) -> StructuredToolResult:
        return to_structured(self._runner.run(self.command(params)), params)

    @staticmethod
    def command(params: dict[str, Any]) -> str:
        parts = ["kubectl", "logs", str(params.get("pod", "")), "-n", str(params.get("namespace", "default"))]
        if params.get("container"):
            parts += ["-c", str(params["container"])]
        if params.get("previous"):
            parts.append("--previous")
        parts.append(f"--tail={int(params.get('tail') or 200)}")
        return shlex.join(parts)

    def get_parameterized_one_liner(self, params: dict[str, Any]) -> str:
        return self.command(params)


class KubernetesToolset(Toolset):
    def __init__(self, runner: KubectlRunner) -> None:
        super().__init__(
            name=TOOLSET_NAME,
            description="Read-only kubectl and pod logs, checked by the command policy.",
            tools=[KubectlTool(runner), PodLogsTool(runner)],
            enabled=True,
            tags=[ToolsetTag.CORE],
        )
