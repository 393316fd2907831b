"""Table cells: kubectl's duration format and the pod STATUS/RESTARTS rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.snapshot.humanize import human_duration
from app.snapshot.tables import build_table

NOW = datetime(2026, 11, 18, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (45, "45s"),
        (119, "119s"),
        (330, "5m30s"),
        (600, "10m"),
        (11400, "3h10m"),
        (3 * 3600, "3h"),
        (20 * 3600, "20h"),
        (52 * 3600, "2d4h"),
        (367 * 86400, "367d"),
        (800 * 86400, "2y70d"),
        (3000 * 86400, "8y"),
    ],
)
def test_human_duration(seconds: int, expected: str) -> None:
    assert human_duration(timedelta(seconds=seconds)) == expected


def _pod(**status: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "p", "creationTimestamp": "2026-11-18T11:00:00Z"},
        "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
        "status": {"phase": "Running", **status},
    }


def _cells(pod: dict[str, Any]) -> list[Any]:
    return list(build_table("Pod", [pod], NOW, "1")["rows"][0]["cells"])


def test_pod_status_rules() -> None:
    running = {"state": {"running": {}}, "ready": True, "restartCount": 0}
    crashing = {
        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
        "ready": False,
        "restartCount": 4,
        "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-18T11:58:00Z"}},
    }
    cells = _cells(_pod(containerStatuses=[running, crashing]))
    assert cells[:5] == ["p", "1/2", "CrashLoopBackOff", "4 (2m ago)", "60m"]
    signal = {"state": {"terminated": {"exitCode": 0, "signal": 9}}, "ready": False, "restartCount": 0}
    assert _cells(_pod(containerStatuses=[running, signal]))[2] == "Signal:9"
    init = _pod(
        initContainerStatuses=[{"state": {"waiting": {"reason": "PodInitializing"}}, "restartCount": 0}]
    )
    init["spec"]["initContainers"] = [{"name": "setup"}]
    assert _cells(init)[2] == "Init:0/1"
    deleting = _pod(containerStatuses=[running])
    deleting["metadata"]["deletionTimestamp"] = "2026-11-18T11:59:00Z"
    assert _cells(deleting)[2] == "Terminating"
    evicted = _pod(phase="Failed", reason="Evicted")
    assert _cells(evicted)[2] == "Evicted"


def test_unknown_kinds_get_name_and_age() -> None:
    table = build_table(
        "Widget", [{"metadata": {"name": "w", "creationTimestamp": "2026-11-18T11:30:00Z"}}], NOW, "1"
    )
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Age"]
    assert table["rows"][0]["cells"] == ["w", "30m"]
