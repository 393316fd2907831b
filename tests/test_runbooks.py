from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.classify import PROBLEM_TYPES
from app.runbooks import RunbookError, RunbookStore, parse_runbook
from tests.support.app import RUNBOOKS

GOOD = """---
id: {id}
title: {title}
problem_types: [pod_crash]
keywords: [crash, 重启]
description: When a container restarts.
diagnostics:
  - title: Pods
    command: kubectl get pods -A
remediation:
  - title: Roll back
    command: kubectl rollout undo deployment/{{deployment}} -n {{namespace}}
    safety: needs-approval
---
Body of {title}.
"""


def _step(command: str) -> str:
    return f"---\nid: x\ntitle: t\nproblem_types: [general]\ndiagnostics:\n  - title: s\n    command: {command}\n---\n"


def _fix(command: str, safety: str) -> str:
    return (f"---\nid: x\ntitle: t\nproblem_types: [general]\nremediation:\n  - title: s\n    command: {command}\n"
            f"    safety: {safety}\n---\n")


def test_manual_fixes_load_as_instructions_for_people() -> None:
    runbook = parse_runbook(_fix("kubectl drain {node} --ignore-daemonsets", "manual"), "x.md")
    assert runbook.remediation[0].call is None  # shown in answers, never run by the service
    typed = parse_runbook(_fix("kubectl cordon {node}", "needs-approval"), "x.md")
    assert typed.remediation[0].call is not None and typed.remediation[0].call.cls.mutating


def write(folder: Path, rid: str, title: str = "T") -> Path:
    path = folder / f"{rid}.md"
    path.write_text(GOOD.format(id=rid, title=title), encoding="utf-8")
    return path


def test_shipped_runbooks_all_load_and_cover_every_problem_type() -> None:
    store = RunbookStore(RUNBOOKS)
    current = store.current()
    assert current.errors == {}
    for name in ("disk-full", "crashloop-backoff", "port-conflict", "prometheus-metrics",
                 "helm-observability-install"):
        assert name in current.runbooks
    for ptype in PROBLEM_TYPES:
        assert current.for_type(ptype), f"no runbook for {ptype}"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no front matter", "missing YAML front matter"),
        ("---\n: [\n---\nbody", "not valid YAML"),
        ("---\n- a\n---\nbody", "must be a mapping"),
        ("---\nid: x\ntitle: t\nproblem_types: [nonsense]\n---\n", "unknown problem types"),
        ("---\nid: Bad ID\ntitle: t\nproblem_types: [general]\n---\n", "lowercase"),
        ("---\nid: other\ntitle: t\nproblem_types: [general]\n---\n", "does not match the file name"),
        ("---\nid: x\ntitle: t\nproblem_types: [general]\nsurprise: 1\n---\n", "surprise"),
        # steps must be typed calls: nothing inexpressible ever loads, let alone runs
        (_step("kubectl get pods -A | grep -v Running"), "not a typed call: shell syntax"),
        (_step("kubectl get secrets -A"), "Secrets are never read"),
        (_step("kubectl get pods -o go-template-file=/etc/passwd"), "not a typed call"),
        (_step("kubectl --profile get delete ns shop --profile=none"), "--profile"),
        (_step("kubectl exec -it {pod} -- sh"), "not a typed call"),
        (_step("kubectl rollout restart deployment/{deployment}"), "belongs under remediation"),
        (_step("kubectl logs {pod} -n {namespace} --tail=80 -v9"), "-v9"),
        (_fix("kubectl drain {node} --ignore-daemonsets", "needs-approval"), "not a typed call"),
        (_fix("kubectl scale deployment/{deployment} --replicas=0", "safe"), "cannot be marked safe"),
    ],
)
def test_parse_errors_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(RunbookError, match=problem):
        parse_runbook(text, "x.md")


def test_reload_on_change_and_broken_file_keeps_last_good(tmp_path: Path) -> None:
    path = write(tmp_path, "crash", "First")
    store = RunbookStore(tmp_path, reload_interval_s=0)
    assert store.current().runbooks["crash"].title == "First"
    write(tmp_path, "crash", "Second title")
    assert store.current().runbooks["crash"].title == "Second title"
    path.write_text("---\nid: crash\n: broken\n---\n", encoding="utf-8")
    current = store.current()
    assert "crash.md" in current.errors
    assert current.runbooks["crash"].title == "Second title"  # the last good copy keeps serving
    write(tmp_path, "new-one")
    assert set(store.current().runbooks) == {"crash", "new-one"}


def test_configmap_symlink_swap_is_picked_up(tmp_path: Path) -> None:
    """kubelet updates a ConfigMap volume by repointing `..data` at a new timestamped folder."""
    mount = tmp_path / "mount"
    mount.mkdir()
    v1 = mount / "..2026_11_22_10_00_00.000000001"
    v1.mkdir()
    write(v1, "crash", "Version one")
    os.symlink(v1.name, mount / "..data")
    os.symlink("..data/crash.md", mount / "crash.md")
    store = RunbookStore(mount, reload_interval_s=0)
    assert store.current().runbooks["crash"].title == "Version one"

    v2 = mount / "..2026_11_22_10_05_00.000000002"
    v2.mkdir()
    write(v2, "crash", "Version two")
    tmp_link = mount / "..data_tmp"
    os.symlink(v2.name, tmp_link)
    os.replace(tmp_link, mount / "..data")  # the atomic swap kubelet does
    assert store.current().runbooks["crash"].title == "Version two"
    assert store.current().errors == {}


def test_interval_limits_how_often_the_folder_is_checked(tmp_path: Path) -> None:
    write(tmp_path, "crash", "First")
    store = RunbookStore(tmp_path, reload_interval_s=3600)
    assert store.current().runbooks["crash"].title == "First"
    write(tmp_path, "crash", "Changed")
    assert store.current().runbooks["crash"].title == "First"
    assert store.refresh() is True
    assert store.current().runbooks["crash"].title == "Changed"
