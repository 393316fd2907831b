"""The runbooks ConfigMap, mounted as kubelet mounts it, served by a real uvicorn: an edit of the
ConfigMap (kubelet's atomic `..data` symlink swap) shows in GET /runbooks without a restart."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import yaml

from app.main import create_app
from tests.support.app import ROOT, service_settings
from tests.support.server import ServerThread


class ConfigMapVolume:
    """A ConfigMap volume laid out the way kubelet's atomic writer does it:

        <dir>/..2026_11_22_10_00_00.000000001/<key>   the data of one version
        <dir>/..data -> ..2026_11_22_10_00_00.000000001
        <dir>/<key> -> ..data/<key>                   what the container sees
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir()
        self.version = 0

    def write(self, data: dict[str, str]) -> None:
        self.version += 1
        stamp = f"..2026_11_22_10_00_00.{self.version:09d}"
        version_dir = self.root / stamp
        version_dir.mkdir()
        for key, text in data.items():
            (version_dir / key).write_text(text, encoding="utf-8")
        previous = os.readlink(self.root / "..data") if (self.root / "..data").is_symlink() else None
        # The swap itself: a new link under a temporary name, renamed over `..data` atomically.
        (self.root / "..data_tmp").symlink_to(stamp)
        os.replace(self.root / "..data_tmp", self.root / "..data")
        for link in self.root.iterdir():
            if not link.name.startswith("..") and link.name not in data:
                link.unlink()  # a key removed from the ConfigMap
        for key in data:
            if not (self.root / key).is_symlink():
                (self.root / key).symlink_to(Path("..data") / key)
        if previous is not None:
            for old in (self.root / previous).iterdir():
                old.unlink()
            (self.root / previous).rmdir()


def configmap_data() -> dict[str, str]:
    doc = yaml.safe_load((ROOT / "deploy" / "configmap" / "runbooks.yaml").read_text(encoding="utf-8"))
    data: dict[str, str] = doc["data"]
    return data


def listing(url: str) -> dict[str, dict]:
    body = httpx.get(f"{url}/runbooks", timeout=30).json()
    assert body["errors"] == []
    return {r["id"]: r for r in body["runbooks"]}


def test_configmap_edits_reach_the_running_service_without_restart(tmp_path: Path) -> None:
    data = configmap_data()
    volume = ConfigMapVolume(tmp_path / "runbooks")
    volume.write(data)
    settings = service_settings(tmp_path, runbooks_dir=volume.root, runbooks_reload_interval_s=0)
    with ServerThread(create_app(settings)) as server:
        before = listing(server.url)
        assert set(before) == {Path(k).stem for k in data}  # the whole ConfigMap loads, without errors
        assert before["disk-full"]["title"] != "Disk full (edited in the ConfigMap)"

        edited = dict(data)
        edited["disk-full.md"] = data["disk-full.md"].replace(
            f"title: {before['disk-full']['title']}", "title: Disk full (edited in the ConfigMap)", 1)
        assert edited["disk-full.md"] != data["disk-full.md"]
        edited["team-notes.md"] = (
            "---\nid: team-notes\ntitle: Team notes\nproblem_types: [general]\n---\nAsk in #sre first.\n")
        removed = "dns-resolution.md"
        del edited[removed]
        volume.write(edited)

        after = listing(server.url)
        assert after["disk-full"]["title"] == "Disk full (edited in the ConfigMap)"
        assert "team-notes" in after
        assert "dns-resolution" not in after
        full = httpx.get(f"{server.url}/runbooks/team-notes", timeout=30).json()
        assert "Ask in #sre first." in full["body"]
        assert httpx.get(f"{server.url}/runbooks/dns-resolution", timeout=30).status_code == 404


def test_a_broken_edit_keeps_the_last_good_version_serving(tmp_path: Path) -> None:
    data = configmap_data()
    volume = ConfigMapVolume(tmp_path / "runbooks")
    volume.write(data)
    settings = service_settings(tmp_path, runbooks_dir=volume.root, runbooks_reload_interval_s=0)
    with ServerThread(create_app(settings)) as server:
        title = listing(server.url)["disk-full"]["title"]
        volume.write({**data, "disk-full.md": "no front matter any more\n"})
        body = httpx.get(f"{server.url}/runbooks", timeout=30).json()
        assert [e["file"] for e in body["errors"]] == ["disk-full.md"]
        kept = {r["id"]: r for r in body["runbooks"]}
        assert kept["disk-full"]["title"] == title
