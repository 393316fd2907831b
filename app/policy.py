"""How a command line written by a person maps onto the typed calls: `python -m app policy check "..."`.

Nothing the service runs is judged here any more: the model and the runbooks call typed tools whose
arguments are validated values (app/tools/kube_calls.py), so there is no command text to judge. This
module only explains, for people, what a command line would become: a read that runs at once
(`allowed`), an action that waits for a human (`needs-approval`), or nothing at all (`denied`, with why).

`unsafe_allow_all` (BASH_TOOL_UNSAFE_ALLOW_ALL) waives approval for typed actions; it never makes an
inexpressible command runnable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.tools.command_text import NotATypedCall, parse_call
from app.tools.kube_calls import KubeCall

Verdict = Literal["allowed", "needs-approval", "denied"]


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str
    call: KubeCall | None = None

    @property
    def allowed(self) -> bool:
        return self.verdict == "allowed"


def check_command(command: str, unsafe_allow_all: bool = False) -> Decision:
    """What `command` would become as a typed call, and whether it would run, wait or be refused."""
    try:
        call = parse_call(command)
    except NotATypedCall as exc:
        return Decision("denied", str(exc))
    shown = call.display()
    if not call.mutating:
        return Decision("allowed", f"read-only typed call '{call.verb}': {shown}", call)
    if unsafe_allow_all:
        return Decision("allowed", f"typed action '{call.verb}' (approval waived: BASH_TOOL_UNSAFE_ALLOW_ALL): "
                        f"{shown}", call)
    return Decision("needs-approval", f"typed action '{call.verb}' changes the cluster: {shown}", call)
