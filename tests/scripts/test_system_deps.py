"""scripts/system-deps.sh on a "fresh machine": PATH holds only stand-ins, so every package looks missing.

The stand-ins: `id` (root or not), `apt-get` (records its arguments and "installs" a package by creating the
commands it provides), and python3 (the real one, so the venv check passes).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "system-deps.sh"
PACKAGES = ["kubernetes-client", "prometheus", "prometheus-alertmanager", "postgresql", "chromium",
            "chromium-driver"]

FAKE_APT = """#!/bin/sh
PATH=/usr/bin:/bin
echo "$*" >> "{log}"
[ "$1" = install ] || exit 0
[ "{fail}" = yes ] && {{ echo "E: Unable to locate package"; exit 100; }}
for pkg in "$@"; do
  case "$pkg" in
    kubernetes-client) cmd=kubectl;;
    prometheus|prometheus-alertmanager|chromium) cmd=$pkg;;
    chromium-driver) cmd=chromedriver;;
    postgresql) mkdir -p "{pg}/15/bin"; cmd="../pg/15/bin/initdb";;
    *) continue;;
  esac
  printf '#!/bin/sh\\n' > "{bin}/$cmd"; chmod +x "{bin}/$cmd"
done
"""


def fresh_machine(tmp_path: Path, uid: int, apt_fails: bool = False) -> tuple[dict[str, str], Path]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (bin_dir / "apt-get").write_text(FAKE_APT.format(log=log, bin=bin_dir, pg=tmp_path / "pg",
                                                     fail="yes" if apt_fails else "no"))
    for name in ("id", "apt-get"):
        (bin_dir / name).chmod(0o755)
    (bin_dir / "python3").symlink_to(sys.executable)
    env = {"PATH": str(bin_dir), "PG_LIB_DIR": str(tmp_path / "pg"), "HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
    return env, log


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["/bin/bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60,
                          check=False)


def test_as_root_it_installs_every_missing_package_then_passes(tmp_path: Path) -> None:
    env, log = fresh_machine(tmp_path, uid=0)
    result = run(env)
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "update -qq"
    assert calls[1].split() == ["install", "-y", "-qq", "--no-install-recommends", *PACKAGES]
    assert result.stderr.splitlines() == [f"installing system packages for the tests: {' '.join(PACKAGES)}"]
    # Now everything is there: a second run says nothing and installs nothing.
    again = run(env)
    assert (again.returncode, again.stderr, again.stdout) == (0, "", "")
    assert len(log.read_text().splitlines()) == 2


def test_without_root_it_stops_with_one_line_naming_the_packages(tmp_path: Path) -> None:
    env, log = fresh_machine(tmp_path, uid=1000)
    result = run(env)
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("missing system packages for the tests: " + " ".join(PACKAGES))
    assert "sudo apt-get install -y --no-install-recommends " + " ".join(PACKAGES) in line
    assert not log.exists()  # apt-get was never run


def test_check_only_never_installs_even_as_root(tmp_path: Path) -> None:
    env, log = fresh_machine(tmp_path, uid=0)
    result = run(env, "--check")
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1
    assert not log.exists()


def test_a_failed_install_is_one_line_pointing_at_apt_output(tmp_path: Path) -> None:
    env, _ = fresh_machine(tmp_path, uid=0, apt_fails=True)
    result = run(env)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("installing system packages")
    assert len(lines) == 2 and lines[1].startswith("apt-get could not install: ")
    assert "Unable to locate package" in Path(lines[1].rsplit("(its output: ", 1)[1].rstrip(")")).read_text()


@pytest.mark.parametrize("present", ["kubectl", "chromedriver"])
def test_only_what_is_missing_is_named(tmp_path: Path, present: str) -> None:
    env, _ = fresh_machine(tmp_path, uid=1000)
    tool = Path(env["PATH"]) / present
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    line = run(env).stderr
    provided_by = {"kubectl": "kubernetes-client", "chromedriver": "chromium-driver"}[present]
    named = line.split(" — ")[0].removeprefix("missing system packages for the tests: ").split()
    assert named == [p for p in PACKAGES if p != provided_by]
