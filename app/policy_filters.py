"""Text filters a kubectl command may be piped through, and the options of theirs that are refused.

Each filter reads standard input only (file arguments are refused: they would read the service's own
files) and writes standard output only (`sort -o`, `tee`, sed's `w`/`e` are refused).
"""

from __future__ import annotations

import re
from collections.abc import Callable

Checker = Callable[[list[str]], str | None]


def _options(argv: list[str], allowed: dict[str, bool], max_positionals: int, name: str) -> str | None:
    """Options must be in `allowed` (value: whether the option takes a value); positionals are capped."""
    positionals = 0
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            positionals += len(argv) - i - 1
            break
        if arg.startswith("-") and arg != "-" and not re.fullmatch(r"-\d+", arg):
            flag = arg.split("=", 1)[0]
            if flag not in allowed:
                if not flag.startswith("--") and allowed.get(flag[:2]) is True:
                    pass  # a short option with its value attached: `sort -k4`, `cut -d,`
                elif flag.startswith("--") or any(allowed.get(f"-{c}") is not False for c in flag[1:]):
                    # Bundled short flags (`grep -iv`) must each be a valueless allowed flag.
                    return f"{name} option '{flag}' is not allowed"
            elif allowed[flag] and "=" not in arg:
                i += 1
        elif arg == "-" or re.fullmatch(r"-\d+", arg):
            pass  # stdin, or `head -5` style counts
        else:
            positionals += 1
        i += 1
    if positionals > max_positionals:
        return f"{name} may only read the piped input (no file arguments)"
    return None


_GREP = {"-i": False, "-v": False, "-E": False, "-F": False, "-w": False, "-x": False, "-c": False,
         "-n": False, "-o": False, "-h": False, "-A": True, "-B": True, "-C": True, "-e": True, "-m": True,
         "--color": False, "--ignore-case": False, "--invert-match": False, "--count": False,
         "--extended-regexp": False, "--fixed-strings": False, "--max-count": True, "-P": False}


def _grep(argv: list[str]) -> str | None:
    has_e = any(a == "-e" or (a.startswith("-e") and len(a) > 2) for a in argv[1:])
    return _options(argv, _GREP, 0 if has_e else 1, argv[0])


def _head_tail(argv: list[str]) -> str | None:
    allowed = {"-n": True, "-c": True, "--lines": True, "--bytes": True, "-q": False}
    return _options(argv, allowed, 0, argv[0])


def _sort(argv: list[str]) -> str | None:
    allowed = {"-n": False, "-r": False, "-k": True, "-t": True, "-u": False, "-h": False, "-V": False,
               "-b": False, "-f": False, "-s": False, "--key": True, "--reverse": False, "--numeric-sort": False,
               "--human-numeric-sort": False, "--field-separator": True, "--unique": False}
    return _options(argv, allowed, 0, "sort")


def _uniq(argv: list[str]) -> str | None:
    return _options(argv, {"-c": False, "-d": False, "-u": False, "-i": False, "--count": False}, 0, "uniq")


def _wc(argv: list[str]) -> str | None:
    return _options(argv, {"-l": False, "-w": False, "-c": False, "-m": False, "--lines": False}, 0, "wc")


def _cut(argv: list[str]) -> str | None:
    allowed = {"-d": True, "-f": True, "-c": True, "-b": True, "-s": False, "--delimiter": True, "--fields": True}
    return _options(argv, allowed, 0, "cut")


def _tr(argv: list[str]) -> str | None:
    return _options(argv, {"-d": False, "-s": False, "-c": False}, 2, "tr")


def _column(argv: list[str]) -> str | None:
    return _options(argv, {"-t": False, "-s": True}, 0, "column")


# jq can read the process environment and files; those builtins and options are refused.
_JQ_FORBIDDEN = re.compile(r"\$ENV|\benv\b|\binput_filename\b|\$__loc__|\bgetpath\s*\(\s*\[\s*\"ENV|\$__prog")
_JQ = {"-r": False, "-c": False, "-S": False, "-e": False, "-j": False, "-a": False, "-M": False,
       "--raw-output": False, "--compact-output": False, "--sort-keys": False, "--exit-status": False,
       "--join-output": False, "--ascii-output": False, "--arg": True, "--tab": False, "--indent": True}


def _jq(argv: list[str]) -> str | None:
    for arg in argv[1:]:
        if _JQ_FORBIDDEN.search(arg):
            return "jq may not read the environment or file names (env, $ENV, input_filename)"
    if "--arg" in argv:
        i = argv.index("--arg")
        # --arg takes two values; treat them as such when counting positionals.
        argv = argv[:i] + argv[i + 3:]
    return _options(argv, _JQ, 1, "jq")


# sed: only substitutions (s/a/b/flags without e or w) and address + p/d/q, e.g. -n '/err/p', '1,20p'.
_SED_SCRIPT = re.compile(
    r"^(?:(?:\d+|\$|/[^/]*/)(?:,(?:\d+|\$|/[^/]*/))?[pdq]"
    r"|s(?P<d>[/|#:,])(?:(?!(?P=d)).)*(?P=d)(?:(?!(?P=d)).)*(?P=d)[gip0-9]*)$"
)


def _sed(argv: list[str]) -> str | None:
    scripts = [a for a in argv[1:] if not a.startswith("-")]
    for flag in (a for a in argv[1:] if a.startswith("-")):
        if flag not in ("-n", "-E", "-r", "--quiet", "--regexp-extended"):
            return f"sed option '{flag}' is not allowed"
    if len(scripts) != 1:
        return "sed takes exactly one script and reads only the piped input"
    for part in scripts[0].split(";"):
        if not _SED_SCRIPT.match(part.strip()):
            return "sed scripts are limited to s/// (no e or w flags) and address + p/d/q"
    return None


FILTERS: dict[str, Checker] = {
    "grep": _grep, "egrep": _grep, "fgrep": _grep, "head": _head_tail, "tail": _head_tail, "sort": _sort,
    "uniq": _uniq, "wc": _wc, "cut": _cut, "tr": _tr, "column": _column, "jq": _jq, "sed": _sed,
}


def check_filter(argv: list[str]) -> str | None:
    """None when `argv` is an allowed filter invocation, else why it is refused."""
    checker = FILTERS.get(argv[0])
    if checker is None:
        return f"'{argv[0]}' is not an allowed filter (allowed: {', '.join(sorted(FILTERS))})"
    return checker(argv)
