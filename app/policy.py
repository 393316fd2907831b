"""The one command policy: every kubectl command the engine or a runbook runs is judged here.

Verdicts: `allowed` (read-only, runs), `needs-approval` (mutating: a human must approve), `denied`
(never: secrets, identity/target overrides, shell tricks). Commands are parsed into argv and run
without a shell, so shell syntax is refused outright rather than interpreted.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["allowed", "needs-approval", "denied"]

READ_ONLY_VERBS = frozenset(
    {"get", "describe", "logs", "top", "events", "explain", "api-resources", "api-versions", "version",
     "cluster-info"}
)
MUTATING_VERBS = frozenset(
    {"delete", "apply", "create", "patch", "edit", "replace", "scale", "rollout", "set", "label",
     "annotate", "exec", "cp", "port-forward", "proxy", "drain", "cordon", "uncordon", "taint", "debug",
     "run", "expose", "autoscale", "attach", "certificate", "auth", "config", "plugin", "kustomize",
     "wait"}
)
# Read-only sub-commands of otherwise mutating verbs.
READ_ONLY_SUBCOMMANDS = {("rollout", "status"), ("rollout", "history"), ("auth", "can-i"),
                         ("config", "current-context"), ("config", "get-contexts")}
IDENTITY_FLAGS = ("--as", "--as-group", "--as-uid", "--token", "--server", "-s", "--kubeconfig",
                  "--user", "--cluster", "--username", "--password", "--client-certificate",
                  "--client-key", "--certificate-authority", "--insecure-skip-tls-verify", "--context")
_SHELL_CHARS = re.compile(r"[|;&<>`$\n\r\\]|\(\)")
_SECRET_RESOURCE = re.compile(r"^(secrets?|secrets?/.*|secrets?\..*)$", re.I)
_GLOBAL_FLAGS_WITH_VALUE = {"-n", "--namespace", "--request-timeout", "-l", "--selector", "-o", "--output",
                            "-c", "--container", "--field-selector", "--tail", "--since", "--sort-by",
                            "-L", "--label-columns", "--cache-dir", "--chunk-size", "--since-time",
                            "--for", "--types", "--limit-bytes", "-f", "--filename", "--template", "-p"}


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str
    argv: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.verdict == "allowed"


def _deny(reason: str) -> Decision:
    return Decision("denied", reason)


def _positionals(args: list[str]) -> list[str]:
    """Arguments that are not flags or flag values."""
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg.startswith("-"):
            if "=" not in arg and arg in _GLOBAL_FLAGS_WITH_VALUE:
                skip = True
            continue
        out.append(arg)
    return out


def _flag_name(arg: str) -> str:
    return arg.split("=", 1)[0]


def check_kubectl(command: str, configured_context: str | None = None) -> Decision:
    """Judge one kubectl command line."""
    if _SHELL_CHARS.search(command):
        return _deny("shell syntax (pipes, redirections, substitutions, separators) is not allowed")
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        return _deny(f"cannot parse the command: {exc}")
    if not argv:
        return _deny("empty command")
    if argv[0] != "kubectl":
        return _deny(f"only kubectl commands run here, not '{argv[0]}'")
    args = argv[1:]
    for arg in args:
        name = _flag_name(arg)
        if name == "--context" and configured_context is not None:
            value = arg.split("=", 1)[1] if "=" in arg else None
            if value == configured_context:
                continue
        if name in IDENTITY_FLAGS or (name.startswith("--as-") and name != "--as-"):
            return _deny(f"flag {name} changes identity or target cluster and is never allowed")
    # `--context X` (space separated) is only allowed when it names the configured context.
    for i, arg in enumerate(args[:-1]):
        if arg == "--context" and args[i + 1] != configured_context:
            return _deny("a --context other than the configured one is never allowed")
    words = _positionals(args)
    if not words:
        return _deny("no kubectl verb given")
    verb = words[0].lower()
    if words[0] != verb:
        return _deny(f"verbs are lowercase; '{words[0]}' is not a kubectl verb")
    if _touches_secrets(verb, words[1:], args):
        return _deny("reading Secrets is never allowed")
    if verb in READ_ONLY_VERBS:
        return Decision("allowed", f"read-only verb '{verb}'", tuple(argv))
    if len(words) > 1 and (verb, words[1]) in READ_ONLY_SUBCOMMANDS:
        return Decision("allowed", f"read-only '{verb} {words[1]}'", tuple(argv))
    if verb in MUTATING_VERBS:
        return Decision("needs-approval", f"'{verb}' changes the cluster and needs approval", tuple(argv))
    return _deny(f"unknown kubectl verb '{verb}'")


def _touches_secrets(verb: str, words: list[str], args: list[str]) -> bool:
    """Any Secret named as a resource (`secret`, `secrets`, `secret/x`, `secrets.v1`, in a comma list)."""
    for word in words:
        for part in word.split(","):
            if _SECRET_RESOURCE.match(part):
                return True
    return False
