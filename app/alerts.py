"""Alertmanager's webhook payload (version 4), and the question an alert becomes.

Alertmanager POSTs a group of alerts: `{version: "4", status, receiver, groupLabels, commonLabels,
commonAnnotations, externalURL, alerts: [{status, labels, annotations, startsAt, endsAt, generatorURL,
fingerprint}]}` (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). Unknown fields
are ignored (newer Alertmanagers add some); a missing or wrong field is a 422.

Labels and annotations are text from the monitored system: they become the investigation's *question*
(what a user would have typed), never part of a system prompt, and they are redacted like any question.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.settings import Settings

# One label or annotation value; Alertmanager imposes no limit, we keep what makes a sensible question.
LabelValue = Annotated[str, StringConstraints(max_length=8000)]
Labels = Annotated[dict[Annotated[str, StringConstraints(max_length=200)], LabelValue], Field(max_length=200)]
MAX_ALERTS_PER_PAYLOAD = 1000
# A DNS label (the namespace label of an alert may hold anything; only a real namespace scopes the run).
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# Labels naming the object an alert is about, in the order they are shown.
_TARGET_LABELS = ("pod", "container", "deployment", "statefulset", "daemonset", "job_name", "service",
                  "persistentvolumeclaim", "node", "instance")


class Alert(BaseModel):
    """One alert of the group."""

    model_config = ConfigDict(extra="ignore")

    status: Literal["firing", "resolved"]
    labels: Labels
    annotations: Labels = Field(default_factory=dict)
    startsAt: datetime | None = None  # Alertmanager spells its fields in camelCase
    endsAt: datetime | None = None
    generatorURL: str | None = Field(None, max_length=4000)
    fingerprint: str | None = Field(None, max_length=200)

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "unnamed alert")

    @property
    def key(self) -> str:
        """Alertmanager's fingerprint; for a sender that leaves it out, a hash of the sorted labels."""
        if self.fingerprint:
            return self.fingerprint
        canonical = "\x00".join(f"{k}\x01{v}" for k, v in sorted(self.labels.items()))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    @property
    def namespace(self) -> str | None:
        value = self.labels.get("namespace", "").strip()
        return value if _NAMESPACE.match(value) else None

    def cluster(self, label: str) -> str | None:
        return self.labels.get(label) or None

    def summary(self) -> dict[str, object]:
        """What the history and the notifications keep of the alert."""
        return {
            "name": self.name, "status": self.status, "fingerprint": self.key, "labels": self.labels,
            "annotations": self.annotations,
            "starts_at": self.startsAt.isoformat() if self.startsAt else None,
            "generator_url": self.generatorURL,
        }


class AlertmanagerPayload(BaseModel):
    """The webhook body (version 4)."""

    model_config = ConfigDict(extra="ignore")

    version: Literal["4"]
    status: Literal["firing", "resolved"]
    receiver: str = Field("", max_length=1000)
    groupKey: str = Field("", max_length=8000)
    truncatedAlerts: int = Field(0, ge=0)
    groupLabels: Labels = Field(default_factory=dict)
    commonLabels: Labels = Field(default_factory=dict)
    commonAnnotations: Labels = Field(default_factory=dict)
    externalURL: str = Field("", max_length=4000)
    alerts: list[Alert] = Field(min_length=1, max_length=MAX_ALERTS_PER_PAYLOAD)


def question_for(alert: Alert, settings: Settings) -> str:
    """The question an alert asks: what fired, where, on what, and what its annotations say."""
    labels, notes = alert.labels, alert.annotations
    parts = [f"Alert {alert.name} is firing"]
    severity = labels.get("severity")
    if severity:
        parts[0] += f" (severity {severity})"
    cluster = alert.cluster(settings.alert_cluster_label)
    where = []
    if cluster:
        where.append(f"cluster {cluster}")
    if labels.get("namespace"):
        where.append(f"namespace {labels['namespace']}")
    if where:
        parts[0] += " in " + ", ".join(where)
    targets = [f"{name} {labels[name]}" for name in _TARGET_LABELS if labels.get(name)]
    if targets:
        parts[0] += " on " + ", ".join(targets)
    parts[0] += "."
    for key in ("summary", "description", "message"):
        text = notes.get(key, "").strip()
        if text:
            parts.append(f"{key.capitalize()}: {text}")
    if notes.get("runbook_url"):
        parts.append(f"Runbook: {notes['runbook_url']}")
    parts.append("What is the root cause, and how do I fix it?")
    # /ask's own limit on a question: an alert with a novel for a description still fits.
    return "\n".join(parts)[:4000]
