"""The grammar of every value a typed cluster tool accepts.

Each value a model (or a runbook) chooses is checked against the Kubernetes grammar it claims to be — a
name, a namespace, a label selector — before any process starts. None of these grammars admits a leading
`-`, whitespace, `=`-smuggled flags, path separators or shell syntax, so a validated value can never become
a kubectl flag, a file path or a second command. The service writes every flag itself as `--flag=value`.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

# metadata.name of most objects: a DNS-1123 subdomain; RBAC names also allow ':' (system:node).
_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9.:-]{0,251}[a-z0-9])?$")
# Namespaces and container names: DNS-1123 labels.
_LABEL = re.compile(r"^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$")
# A resource as kubectl accepts it: plural, singular, short name or kind, optionally `.version.group`.
_KIND = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,62}(?:\.[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?){0,6}\.?$")
# Label selector terms (k8s.io/apimachinery/pkg/labels): key, !key, key=v, key==v, key!=v, key in (a,b).
_LABEL_KEY = r"(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_LABEL_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?"
_SELECTOR_TERM = re.compile(
    rf"^(?:!?{_LABEL_KEY}|{_LABEL_KEY}\s*(?:==?|!=)\s*{_LABEL_VALUE}"
    rf"|{_LABEL_KEY}\s+(?:in|notin)\s+\(\s*{_LABEL_VALUE}(?:\s*,\s*{_LABEL_VALUE})*\s*\))$"
)
# Field selector terms (k8s.io/apimachinery/pkg/fields): path=value, path==value, path!=value.
_FIELD_TERM = re.compile(r"^[A-Za-z][A-Za-z0-9.]{0,99}(?:==?|!=)[A-Za-z0-9._:/-]{0,253}$")
# A JSONPath as custom-columns and --sort-by take it: .a.b[0].c[*].d (no filters, no functions).
_JSONPATH = re.compile(r"^(?:\.[A-Za-z_][A-Za-z0-9_-]{0,99}(?:\[(?:\*|\d{1,4})\])?){1,12}$")
_COLUMN_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")
_DURATION = re.compile(r"^[1-9][0-9]{0,5}[smh]$")
# An OCI image reference: [registry[:port]/]path[:tag][@sha256:digest].
_IMAGE = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9.-]{0,252}[a-z0-9])?(?::[0-9]{1,5})?/)?[a-z0-9]+(?:[._-]{1,2}[a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:[._-]{1,2}[a-z0-9]+)*){0,8}(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@sha256:[a-f0-9]{64})?$"
)
# Resource quantities (k8s.io/apimachinery/pkg/api/resource): 250m, 1.5Gi, 2e3.
_QUANTITY = re.compile(r"^(?:\d{1,12}(?:\.\d{1,9})?)(?:m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE]\d{1,2})?$")
_REASON = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
_EXPLAIN_PATH = re.compile(r"^[a-z][a-z0-9]{0,62}(?:\.[A-Za-z][A-Za-z0-9]{0,62}){0,10}$")
_API_GROUP = re.compile(r"^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$")

# Every spelling of the core Secret resource: `secret`, `secrets`, `Secret`, `secrets.v1.`, `secret.v1`.
_SECRET_KIND = re.compile(r"^secrets?(?:\.v1)?\.?$", re.I)


def _check(pattern: re.Pattern[str], what: str, example: str) -> AfterValidator:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"not a valid {what} (e.g. {example})")
        return value

    return AfterValidator(check)


def _kind(value: str) -> str:
    for part in value.split(","):
        if not _KIND.fullmatch(part):
            raise ValueError("not a valid resource kind (e.g. pods, deployments.apps, ingress)")
        if _SECRET_KIND.fullmatch(part) or part.lower().split(".")[0] in ("secret", "secrets"):
            raise ValueError("Secrets are never read by this service")
    return value


def _label_selector(value: str) -> str:
    if len(value) > 1000:
        raise ValueError("label selector is too long")
    depth = 0
    terms, start = [], 0
    for i, ch in enumerate(value):  # split on commas outside `in (...)` lists
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            terms.append(value[start:i])
            start = i + 1
    terms.append(value[start:])
    if any(not _SELECTOR_TERM.fullmatch(t.strip()) for t in terms):
        raise ValueError("not a valid label selector (e.g. app=cart,tier!=db or env in (prod,staging))")
    return value


def _field_selector(value: str) -> str:
    if len(value) > 1000 or any(not _FIELD_TERM.fullmatch(t) for t in value.split(",")):
        raise ValueError("not a valid field selector (e.g. status.phase!=Running,spec.nodeName=node-1)")
    return value


def _columns(value: list[str]) -> list[str]:
    if not 1 <= len(value) <= 12:
        raise ValueError("give 1 to 12 columns")
    for column in value:
        name, _, path = column.partition(":")
        if not _COLUMN_NAME.fullmatch(name) or not _JSONPATH.fullmatch(path):
            raise ValueError("each column is NAME:.json.path (e.g. NODE:.spec.nodeName)")
    return value


def _quantities(value: dict[str, str]) -> dict[str, str]:
    for resource, quantity in value.items():
        if resource not in ("cpu", "memory", "ephemeral-storage"):
            raise ValueError("resources are cpu, memory or ephemeral-storage")
        if not _QUANTITY.fullmatch(quantity):
            raise ValueError(f"'{quantity}' is not a quantity (e.g. 250m, 512Mi, 1Gi)")
    return value


Name = Annotated[str, _check(_NAME, "object name", "cart-7f9c4-x2x7p")]
Namespace = Annotated[str, _check(_LABEL, "namespace", "shop")]
ContainerName = Annotated[str, _check(_LABEL, "container name", "app")]
Kind = Annotated[str, AfterValidator(_kind)]
LabelSelector = Annotated[str, AfterValidator(_label_selector)]
FieldSelector = Annotated[str, AfterValidator(_field_selector)]
JsonPath = Annotated[str, _check(_JSONPATH, "JSONPath", ".status.containerStatuses[0].restartCount")]
Columns = Annotated[list[str], AfterValidator(_columns)]
Duration = Annotated[str, _check(_DURATION, "duration", "10m")]
Image = Annotated[str, _check(_IMAGE, "image reference", "registry.example.com/shop/cart:1.4.2")]
Quantities = Annotated[dict[str, str], AfterValidator(_quantities)]
Reason = Annotated[str, _check(_REASON, "event reason", "FailedScheduling")]
ExplainPath = Annotated[str, _check(_EXPLAIN_PATH, "field path", "deployment.spec.strategy")]
ApiGroup = Annotated[str, _check(_API_GROUP, "API group", "monitoring.coreos.com")]
