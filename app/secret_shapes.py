"""What a secret looks like: key names that hold one, and value shapes that are one.

Shared knowledge of the two maskers in app/redact.py (`redact` for text, `redact_object` for Kubernetes
objects). Everything here is a pure function over strings, precompiled and memoised: it runs on every
tool output and every log record.

Precision matters as much as recall: a name is not a secret. `secretName`, `secretKeyRef`, `TOKEN_TTL`,
`tokens: 3`, `secret "db-creds" not found` and a registry's `authorization failed` carry the diagnosis and
must come through intact, so a key name counts as secret only when its *words* say so (see
`is_secret_name`), and a value is masked under such a name only when it could be a credential
(`is_plain_value` lists what cannot).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

MASK = "***REDACTED***"

# -- key names --------------------------------------------------------------------------------------
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# A word that is, or ends with, one of these makes a name secret: DB_PASSWORD, PGPASSWORD, clientSecret,
# GITHUB_TOKEN, authtoken, x-api-key (as `apikey`), MYSQL_PASS, SENTRY_DSN.
_SECRET_WORDS = frozenset({
    "pass", "pw", "pwd", "passwd", "password", "passphrase", "passcode", "secret", "token", "auth",
    "authorization", "credential", "credentials", "creds", "dsn", "jwt", "bearer", "cookie", "apikey",
})
_SECRET_SUFFIXES = ("password", "passwd", "passphrase", "secret", "token", "apikey")
# `<modifier> key`: api key, access key, private key, signing key, AccountKey, SharedAccessKey...
_KEY_MODIFIERS = frozenset({
    "api", "access", "secret", "private", "signing", "encryption", "master", "license", "licence", "client",
    "auth", "service", "account", "storage", "shared", "hmac", "ssh", "deploy", "app", "session", "crypt",
    "crypto", "gpg", "pgp", "root", "admin", "webhook", "sas", "subscription", "consumer", "encrypt", "jwt",
})
# A word after the secret word that turns the name into a reference to, or a property of, a secret:
# secretName, secretKeyRef, TOKEN_TTL, password_file, tokenExpirationSeconds, authorization-mode.
_QUALIFIERS = frozenset({
    "name", "names", "ref", "refs", "reference", "file", "files", "path", "paths", "dir", "directory", "ttl",
    "timeout", "expiry", "expires", "expiration", "exp", "seconds", "secs", "sec", "ms", "minutes", "hours",
    "days", "duration", "period", "interval", "lifetime", "age", "length", "len", "size", "count", "limit",
    "max", "min", "enabled", "enable", "disabled", "disable", "required", "mode", "type", "kind", "url",
    "uri", "endpoint", "endpoints", "host", "hosts", "port", "header", "format", "version", "policy",
    "provider", "providers", "source", "store", "backend", "algorithm", "alg", "hash", "field", "label",
    "labels", "selector", "template", "prefix", "suffix", "env", "var", "volume", "volumes", "mount",
    "resource", "resources", "rotation", "renewal", "retries", "retry", "validity", "audience", "issuer",
    "scope", "scopes", "claim", "claims", "status", "ready", "valid", "location", "namespace", "annotation",
    "requests", "request", "generation", "keys", "id", "ids", "user", "username", "login", "method",
    "methods", "strategy", "plugin", "class", "manager", "config", "configuration", "cache", "sha",
    "fingerprint", "mechanism", "realm", "flow",
})
# `id` after these is still secret (Vault's secret_id, private_key_id).
_ID_SECRET_BEFORE = frozenset({"secret", "key"})
# Whole names that look secret but are not: the shell's working directory.
_NOT_SECRET_NAMES = frozenset({"pwd", "oldpwd"})


def _is_secret_word(word: str) -> bool:
    return word in _SECRET_WORDS or (word not in ("tokens", "secrets") and word.endswith(_SECRET_SUFFIXES)) \
        or "password" in word or "passwd" in word


@lru_cache(maxsize=8192)
def is_secret_name(name: str) -> bool:
    """Whether a key / env var / flag / annotation name says its value is a secret."""
    name = name.rsplit("/", 1)[-1].strip("\"'-_. ")  # annotation prefix, flag dashes, quotes
    if not name or name.lower() in _NOT_SECRET_NAMES:
        return False
    words = [w.lower() for w in _WORD.findall(name)]
    last = -1
    for i, word in enumerate(words):
        if _is_secret_word(word) or (word == "key" and i > 0 and words[i - 1] in _KEY_MODIFIERS) \
                or (word == "string" and i > 0 and words[i - 1] in ("connection", "conn")) \
                or (word == "str" and i > 0 and words[i - 1] == "conn"):
            last = i
    if last < 0:
        return False
    for i in range(last + 1, len(words)):
        word = words[i]
        if word == "id" and words[i - 1] in _ID_SECRET_BEFORE:
            continue
        if word in _QUALIFIERS:
            return False
    return True


# -- values that cannot be a credential ------------------------------------------------------------
_PLAIN_WORDS = frozenset({
    "", "true", "false", "yes", "no", "on", "off", "null", "nil", "none", "<none>", "<unset>", "-", "~",
    "''", '""', "redacted", "[redacted]", "<redacted>", "hidden", "masked", "*", "required", "optional",
    "unset", "set", "missing", "empty", "invalid", "expired", "revoked", "unexpected", "unknown", "denied",
    "failed", "error", "ok", "present", "absent", "provided", "found", "changed", "updated", "refreshed",
    "rotated", "incorrect", "wrong", "mismatch", "rejected", "unauthorized", "forbidden", "malformed",
    "undefined", "enabled", "disabled", "string", "bytes", "base64", "opaque", "|", ">", "|-", ">-", "bearer",
    "basic", "digest", "negotiate",
})
_PLAIN_SHAPES = re.compile(
    r"\d{1,5}(?:\.\d+)?(?:ms|s|m|h|d|[KMG]i?)?"  # small numbers, durations, sizes (tokens: 3, ttl 3600)
    r"|\$\(?\{?[A-Za-z_][A-Za-z0-9_]*\}?\)?"  # $(DB_PASSWORD), ${TOKEN}: references to a variable
    r"|\{\{.*\}\}"  # templates
    r"|<[^<>]*>"  # kubectl describe placeholders: <set to the key 'password' in secret 'db-creds'>
    r"|\*+(?:REDACTED\*+)?"  # already masked
    r"|/[\w.\-/]*"  # a path (where the secret lives, not the secret)
    r"|[a-z0-9.\-_]+(?:/[a-z0-9.\-_]+)+"  # a lower-case reference path (vault: database/creds/app)
    r"|\d+ bytes"  # kubectl describe secret's sizes
)


@lru_cache(maxsize=8192)
def is_plain_value(value: str) -> bool:
    """Whether a value under a secret-looking name cannot be a credential (empty, a boolean, a small number,
    a reference to a variable, a placeholder, a path, an ordinary status word)."""
    bare = value.strip().strip("\"'").strip()
    return bare.lower() in _PLAIN_WORDS or _PLAIN_SHAPES.fullmatch(bare) is not None


# -- value shapes -------------------------------------------------------------------------------------
def _entropy(text: str) -> float:
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


_HEX_OR_UUID = re.compile(r"[0-9a-fA-F\-]+")


@lru_cache(maxsize=8192)
def is_random_token(token: str) -> bool:
    """A long string that looks random (keys, passwords, base64 blobs) and not like an identifier.

    Digests, container ids, UIDs and git hashes are hex: never masked (they are diagnostic). Kubernetes
    names are lower case; identifiers in logs rarely mix upper, lower and digits in 24+ characters.
    """
    core = token.rstrip("=")
    if len(core) < 24 or _HEX_OR_UUID.fullmatch(core):
        return False
    upper = any(c.isupper() for c in core)
    lower = any(c.islower() for c in core)
    digit = any(c.isdigit() for c in core)
    if "/" in core:  # a path of words is not a key; an AWS secret key (…/K7MDENG/…) is
        segments = [s for s in core.split("/") if s]
        if all(s.islower() or s.isdigit() or len(s) < 12 for s in segments):
            return False
    if upper and lower and digit:
        return _entropy(core) >= 3.9
    if digit and (upper or lower) and len(core) >= 40 and "-" not in core and "_" not in core:
        return _entropy(core) >= 4.2
    return False


_RANDOM_CANDIDATE = re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{24,}={0,2}(?![A-Za-z0-9+/_\-=])")


def _mask_random(match: re.Match[str]) -> str:
    return MASK if is_random_token(match.group(0)) else match.group(0)


def _llm_key(match: re.Match[str]) -> str:
    # sk-proj-… / sk-ant-… always; a bare sk-… only when it is not a hyphenated name (sk-prod-node-pool)
    token = match.group(0)
    body = token[3:]
    if body.startswith(("proj-", "ant-")) or (any(c.isdigit() for c in body) and body.count("-") <= 1):
        return MASK
    return token


def _scheme_credentials(match: re.Match[str]) -> str:
    # `Bearer abc.def` / `Basic dXNlcjpwYXNz` — but not `basic authentication` or `Bearer realm="…"`.
    cred = match.group(2)
    if cred.isalpha() and cred.islower():
        return match.group(0)
    return f"{match.group(1)} {MASK}"


def _url_userinfo(match: re.Match[str]) -> str:
    scheme, user, password = match.group("scheme"), match.group("user"), match.group("password")
    if password is not None:
        return f"{scheme}{user}:{MASK}@" if password and not is_plain_value(password) else match.group(0)
    # user only: https://<token>@host (Sentry DSNs, git tokens) — masked when it looks like a key
    return f"{scheme}{MASK}@" if len(user) >= 16 and any(c.isdigit() for c in user) else match.group(0)


# Each rule: a precompiled pattern and its replacement. Patterns are linear (no nested quantifiers).
SHAPE_RULES: tuple[tuple[re.Pattern[str], object], ...] = (
    # PEM blocks: private keys and certificates, also cut short (no END) or inside JSON strings.
    (re.compile(r"-----BEGIN ([A-Z0-9 ]{1,40})-----.*?(?:-----END \1-----|\Z)", re.S),
     lambda m: f"-----BEGIN {m.group(1)}-----{MASK}-----END {m.group(1)}-----"),
    (re.compile(r"LS0tLS1CRUdJ[A-Za-z0-9+/=]*"), MASK),  # a base64-encoded PEM block
    (re.compile(r"\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}"), MASK),  # JWT
    (re.compile(r"(?i)\b(bearer|basic)[ \t]+([A-Za-z0-9._~+/\-]{8,}=*)"), _scheme_credentials),
    (re.compile(r"(?i)\b(?P<scheme>[a-z][a-z0-9+.\-]{1,20}://)(?P<user>[^/\s:@?#\"'<>]*)"
                r"(?::(?P<password>[^/\s?#\"'<>]*))?@(?=[^@/\s]*(?:[/?#\s\"'<>]|$))"), _url_userinfo),
    (re.compile(r"\b([A-Za-z0-9_.\-]{1,64}):([^\s:@/]{1,200})@(tcp|unix)\("),  # Go MySQL DSN
     lambda m: f"{m.group(1)}:{MASK}@{m.group(3)}("),
    (re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA)[0-9A-Z]{16}\b"), MASK),  # AWS access key ids
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b|\bya29\.[0-9A-Za-z_\-]{20,}"), MASK),  # Google keys, tokens
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}\b"), MASK),  # GitHub
    (re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}\b|\bdckr_pat_[A-Za-z0-9_\-]{20,}\b"), MASK),  # GitLab, Docker
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}\b|\bxapp-[A-Za-z0-9\-]{10,}\b"), MASK),  # Slack tokens
    (re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/_\-]+"), MASK),  # Slack webhooks
    (re.compile(r"\bsk-(?:proj-|ant-(?:api\d\d-)?)?[A-Za-z0-9_\-]{20,}"), _llm_key),  # LLM keys
    (re.compile(r"\b[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}\b"), MASK),  # Stripe
    (re.compile(r"\bSG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}"), MASK),  # SendGrid
    (re.compile(r"\bnpm_[A-Za-z0-9]{36}\b|\bhvs\.[A-Za-z0-9_\-]{24,}"), MASK),  # npm, Vault
    (re.compile(r"\b\d{8,10}:AA[A-Za-z0-9_\-]{33}\b"), MASK),  # Telegram bot tokens
    # Signed URLs: the signature and credentials in the query string.
    (re.compile(r"(?i)([?&](?:sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|"
                r"x-goog-signature|x-goog-credential|key|apikey|api_key|access_token|token)=)([^&\s\"'<>#]+)"),
     lambda m: m.group(0) if is_plain_value(m.group(2)) else f"{m.group(1)}{MASK}"),
)
RANDOM_RULE = (_RANDOM_CANDIDATE, _mask_random)
