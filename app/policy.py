"""The one command policy: every command the engine or a runbook runs is judged here first.

Verdicts: `allowed` (read-only: runs), `needs-approval` (changes the cluster: a human decides),
`denied` (never: Secrets, identity or target overrides, shell escapes). A command is a kubectl call,
optionally piped through allow-listed text filters. It is executed as argv processes joined by pipes,
never by a shell, so shell syntax is refused rather than interpreted.

`unsafe_allow_all` (BASH_TOOL_UNSAFE_ALLOW_ALL) turns `needs-approval` into `allowed`; it never lifts a
`denied` verdict.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Literal

from app.policy_filters import check_filter

Verdict = Literal["allowed", "needs-approval", "denied"]

READ_ONLY_VERBS = frozenset({"get", "describe", "logs", "top", "events", "explain", "api-resources",
                             "api-versions", "version", "cluster-info"})
MUTATING_VERBS = frozenset({"delete", "apply", "create", "patch", "edit", "replace", "scale", "rollout", "set",
                            "label", "annotate", "exec", "cp", "port-forward", "proxy", "drain", "cordon",
                            "uncordon", "taint", "debug", "run", "expose", "autoscale", "attach", "wait",
                            "certificate"})
READ_ONLY_SUBCOMMANDS = frozenset({("rollout", "status"), ("rollout", "history"), ("auth", "can-i"),
                                   ("config", "current-context"), ("config", "get-contexts")})
# Never, approval or not: they read credentials or mint them.
DENIED_SUBCOMMANDS = frozenset({("config", "view"), ("create", "token"), ("create", "secret"),
                                ("certificate", "approve")})
IDENTITY_FLAGS = frozenset({"--as", "--as-group", "--as-uid", "--token", "--server", "-s", "--kubeconfig",
                            "--user", "--cluster", "--username", "--password", "--client-certificate",
                            "--client-key", "--certificate-authority", "--insecure-skip-tls-verify",
                            "--tls-server-name", "--auth-provider", "--exec-command"})
# Flags that read local files or raise verbosity to where request headers are logged.
LOCAL_OR_LEAKY_FLAGS = frozenset({"-f", "--filename", "-k", "--kustomize", "-v", "--v", "--vmodule",
                                  "--log-file", "--log-dir", "--profile-output", "--kuberc"})
FLAGS_WITH_VALUE = frozenset({"-n", "--namespace", "--request-timeout", "-l", "--selector", "-o", "--output",
                              "-c", "--container", "--field-selector", "--tail", "--since", "--sort-by", "-L",
                              "--label-columns", "--cache-dir", "--chunk-size", "--since-time", "--for",
                              "--types", "--limit-bytes", "--template", "--raw", "--context", "--type",
                              "--max-log-requests", "--pod-running-timeout", "--api-group", "--field-manager",
                              "--replicas", "--image", "--containers", "--subresource"})
_SECRET_RESOURCE = re.compile(r"^secrets?(\..*)?(/.*)?$", re.I)
_FORBIDDEN_TEXT = ("`", "$(", "${", "\n", "\r", "\x00")
_OPERATORS = frozenset({";", "&", "&&", "||", "|&", ">", ">>", "<", "<<", "<<<", ">&", "<&", "&>", "(", ")",
                        ">|", "<>"})


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str
    argvs: tuple[tuple[str, ...], ...] = field(default=())  # the pipeline, when it may run

    @property
    def allowed(self) -> bool:
        return self.verdict == "allowed"


def _deny(reason: str) -> Decision:
    return Decision("denied", reason)


def split_pipeline(command: str) -> list[list[str]] | str:
    """The command as argv segments joined by `|`, or the reason it cannot be one."""
    for text in _FORBIDDEN_TEXT:
        if text in command:
            shown = {"\n": "a newline", "\r": "a carriage return", "\x00": "a NUL byte"}.get(text, f"'{text}'")
            return f"{shown} (command substitution or a second command) is not allowed"
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError as exc:
        return f"cannot parse the command: {exc}"
    segments: list[list[str]] = [[]]
    for token in tokens:
        if token == "|":
            segments.append([])
        elif token in _OPERATORS or (set(token) <= set(";&<>()|") and token):
            return f"shell operator '{token}' is not allowed (no redirections, separators or subshells)"
        else:
            segments[-1].append(token)
    if any(not seg for seg in segments):
        return "empty command in the pipeline"
    return segments


def check_command(command: str, configured_context: str | None = None, unsafe_allow_all: bool = False) -> Decision:
    """Judge a command line: `kubectl ...` optionally piped through allow-listed filters."""
    pipeline = split_pipeline(command.strip())
    if isinstance(pipeline, str):
        return _deny(pipeline)
    first, *filters = pipeline
    decision = check_kubectl_argv(first, configured_context)
    if decision.verdict == "denied":
        return decision
    for argv in filters:
        problem = check_filter(argv)
        if problem is not None:
            return _deny(problem)
    argvs = tuple(tuple(a) for a in pipeline)
    if decision.verdict == "needs-approval":
        if unsafe_allow_all:
            return Decision("allowed", f"{decision.reason} (approval waived: BASH_TOOL_UNSAFE_ALLOW_ALL)", argvs)
        return Decision("needs-approval", decision.reason, argvs)
    return Decision("allowed", decision.reason, argvs)


def _flag_name(arg: str) -> str:
    return arg.split("=", 1)[0]


def check_kubectl_argv(argv: list[str], configured_context: str | None = None) -> Decision:
    if argv[0] != "kubectl":
        return _deny(f"only kubectl runs here (optionally piped through text filters), not '{argv[0]}'")
    args = argv[1:]
    words: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        name = _flag_name(arg)
        value: str | None = arg.split("=", 1)[1] if "=" in arg else None
        if arg.startswith("-") and len(arg) > 1:
            if name in IDENTITY_FLAGS or name.startswith("--as-"):
                return _deny(f"{name} changes identity or target cluster and is never allowed")
            if name in LOCAL_OR_LEAKY_FLAGS or re.fullmatch(r"-v\d+", arg):
                return _deny(f"{name} reads local files or logs credentials and is not allowed")
            if name in FLAGS_WITH_VALUE and value is None:
                if i + 1 >= len(args):
                    return _deny(f"{name} needs a value")
                value = args[i + 1]
                i += 1
            if name == "--context" and value != configured_context:
                return _deny("a --context other than the configured one is never allowed")
            if name == "--raw" and value is not None and re.search(r"/secrets\b", value, re.I):
                return _deny("reading Secrets is never allowed")
        else:
            words.append(arg)
        i += 1
    if not words:
        return _deny("no kubectl verb given")
    verb = words[0]
    if verb != verb.lower():
        return _deny(f"'{verb}' is not a kubectl verb (verbs are lowercase)")
    sub = (verb, words[1]) if len(words) > 1 else None
    if any(_SECRET_RESOURCE.match(part) for word in words[1:] for part in word.split(",")):
        return _deny("reading Secrets is never allowed")
    if sub in DENIED_SUBCOMMANDS:
        return _deny(f"'{verb} {words[1]}' exposes or creates credentials and is never allowed")
    if verb in READ_ONLY_VERBS:
        return Decision("allowed", f"read-only verb '{verb}'")
    if sub in READ_ONLY_SUBCOMMANDS:
        return Decision("allowed", f"read-only '{verb} {words[1]}'")
    if verb in MUTATING_VERBS:
        return Decision("needs-approval", f"'{verb}' changes the cluster and needs approval")
    return _deny(f"'{verb}' is not a kubectl verb this service runs")
