"""The Dockerfile, checked statically (there is no Docker engine here; the image is built elsewhere):
parsed instruction by instruction, linted with hadolint, and its kubectl download step run for real
against a local server."""

from __future__ import annotations

import hashlib
import re
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from deploy.docker import fetch_kubectl
from tests.deploy.k8s_checks import VERSION
from tests.support.app import ROOT

DOCKERFILE = ROOT / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"


@dataclass(frozen=True)
class Instruction:
    stage: int
    keyword: str
    args: str


def parse(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped; `stage` counts FROMs."""
    instructions: list[Instruction] = []
    stage = -1
    pending = ""
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if pending and line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        if keyword.upper() == "FROM":
            stage += 1
        instructions.append(Instruction(stage, keyword.upper(), " ".join(args.split())))
    return instructions


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse(DOCKERFILE.read_text(encoding="utf-8"))


def of(instructions: list[Instruction], keyword: str, stage: int | None = None) -> list[str]:
    return [i.args for i in instructions if i.keyword == keyword and (stage is None or i.stage == stage)]


def args_of(instructions: list[Instruction]) -> dict[str, str]:
    out = {}
    for arg in of(instructions, "ARG"):
        name, _, default = arg.partition("=")
        out[name] = default
    return out


def final_stage(instructions: list[Instruction]) -> int:
    return max(i.stage for i in instructions)


def test_base_images_are_slim_python_311_pinned_by_tag(instructions: list[Instruction]) -> None:
    bases = [re.sub(r"\s+AS\s+\S+$", "", f, flags=re.I) for f in of(instructions, "FROM")]
    assert len(bases) >= 2  # multi-stage
    for base in bases:
        assert re.fullmatch(r"python:3\.11\.\d+-slim-[a-z]+", base), base
    assert len(set(bases)) == 1


def test_runs_as_a_numeric_non_root_user(instructions: list[Instruction]) -> None:
    users = of(instructions, "USER", final_stage(instructions))
    assert users, "the runtime stage sets USER"
    user = users[-1]
    assert re.fullmatch(r"\d+(:\d+)?", user), "numeric, so runAsNonRoot can verify it"
    assert all(int(part) != 0 for part in user.split(":"))
    deployment = (ROOT / "deploy" / "k8s-simple.yaml").read_text()
    assert f"runAsUser: {user.split(':')[0]}" in deployment


def test_no_remote_add_no_curl_and_runtime_requirements_only(instructions: list[Instruction]) -> None:
    assert not of(instructions, "ADD")
    text = " ".join(i.args for i in instructions)
    assert "requirements-dev" not in text
    assert not re.search(r"\b(curl|wget)\b", text)
    runs = of(instructions, "RUN")
    assert any("pip install --no-cache-dir -r requirements.txt" in r for r in runs)
    assert any("pip install --no-cache-dir --no-deps ." in r for r in runs)


def test_kubectl_version_pinned_and_checksum_verified_per_arch(instructions: list[Instruction]) -> None:
    args = args_of(instructions)
    assert re.fullmatch(r"v1\.\d+\.\d+", args["KUBECTL_VERSION"])
    for arch in ("AMD64", "ARM64"):
        assert re.fullmatch(r"[0-9a-f]{64}", args[f"KUBECTL_SHA256_{arch}"]), arch
    assert args["KUBECTL_SHA256_AMD64"] != args["KUBECTL_SHA256_ARM64"]
    assert "TARGETARCH" in args
    (fetch,) = [r for r in of(instructions, "RUN") if "fetch_kubectl.py" in r]
    assert '--arch "${TARGETARCH}"' in fetch and '--sha256 "${sum}"' in fetch
    assert 'sum="${KUBECTL_SHA256_AMD64}"' in fetch and 'sum="${KUBECTL_SHA256_ARM64}"' in fetch
    assert "exit 1" in fetch  # an unknown architecture fails the build
    assert fetch_kubectl.DEFAULT_BASE_URL == "https://dl.k8s.io/release"
    assert any(c.startswith("--from=kubectl /out/kubectl /usr/local/bin/kubectl") for c in of(instructions, "COPY"))


def test_label_version_expose_healthcheck_and_cmd(instructions: list[Instruction]) -> None:
    last = final_stage(instructions)
    assert args_of(instructions)["VERSION"] == VERSION  # `make build` passes it; the default matches too
    assert any('org.opencontainers.image.version="${VERSION}"' in label for label in of(instructions, "LABEL", last))
    assert of(instructions, "EXPOSE", last) == ["8000"]
    (health,) = of(instructions, "HEALTHCHECK", last)
    assert "CMD" in health and '"python"' in health and "/health" in health
    (cmd,) = of(instructions, "CMD", last)
    assert cmd == '["python", "-m", "app", "serve", "--host", "0.0.0.0", "--port", "8000"]'


def test_writable_paths_match_the_read_only_root_filesystem(instructions: list[Instruction]) -> None:
    last = final_stage(instructions)
    env = " ".join(of(instructions, "ENV", last))
    assert "HOME=/tmp" in env  # /tmp is an emptyDir in the manifests
    assert any("mkdir -p /app/data" in r and "chown 10001:10001 /app/data" in r for r in of(instructions, "RUN", last))
    assert of(instructions, "WORKDIR", last) == ["/app"]


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run([str(HADOLINT), "--no-color", str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_flag_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN pip install requests\nUSER root\n")
    result = subprocess.run([str(HADOLINT), "--no-color", str(bad)], capture_output=True, text=True)
    assert result.returncode != 0
    assert "DL3006" in result.stdout  # untagged base image


# -- .dockerignore ------------------------------------------------------------------------------------
def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw[1:] if negate else raw
        regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        if any(re.fullmatch(regex, c) for c in candidates):
            result = not negate
    return result


def test_dockerignore_lets_in_only_what_the_image_copies(instructions: list[Instruction]) -> None:
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert patterns[0] == "*"  # an allow-list
    for copy in of(instructions, "COPY"):
        if copy.startswith("--from="):
            continue
        for source in shlex.split(copy)[:-1]:
            assert not ignored(source, patterns), source
            assert (ROOT / source).exists(), source
    for secret in ("deploy/secrets/core.yaml", ".venv/bin/python", "data/approvals.db", "tests/conftest.py",
                   ".git/config", "app/__pycache__/main.cpython-311.pyc", "requirements-dev.txt"):
        assert ignored(secret, patterns), secret
    assert not ignored("app/main.py", patterns)


# -- the kubectl download step ------------------------------------------------------------------------
@pytest.fixture
def release_server() -> Iterator[tuple[str, bytes]]:
    payload = b"\x7fELF fake kubectl for the checksum test\n" * 100

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            if self.path == "/v1.36.3/bin/linux/arm64/kubectl":
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            else:
                self.send_error(404)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}", payload
    server.shutdown()
    server.server_close()


def test_fetch_kubectl_installs_a_binary_whose_checksum_matches(release_server: tuple[str, bytes],
                                                                tmp_path: Path) -> None:
    base, payload = release_server
    out = tmp_path / "out" / "kubectl"
    code = fetch_kubectl.main(["--version", "v1.36.3", "--arch", "arm64", "--sha256",
                               hashlib.sha256(payload).hexdigest(), "--out", str(out), "--base-url", base])
    assert code == 0
    assert out.read_bytes() == payload
    assert out.stat().st_mode & 0o111


def test_fetch_kubectl_refuses_a_wrong_checksum_and_leaves_nothing(release_server: tuple[str, bytes],
                                                                  tmp_path: Path) -> None:
    base, _ = release_server
    out = tmp_path / "kubectl"
    code = fetch_kubectl.main(["--version", "v1.36.3", "--arch", "arm64", "--sha256", "0" * 64,
                               "--out", str(out), "--base-url", base])
    assert code == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_fetch_kubectl_fails_on_a_missing_release(release_server: tuple[str, bytes], tmp_path: Path) -> None:
    base, _ = release_server
    code = fetch_kubectl.main(["--version", "v9.9.9", "--arch", "arm64", "--sha256", "0" * 64,
                               "--out", str(tmp_path / "kubectl"), "--base-url", base])
    assert code == 1
    with pytest.raises(SystemExit):  # only the architectures the Dockerfile pins
        fetch_kubectl.main(["--version", "v1.36.3", "--arch", "s390x", "--sha256", "0" * 64, "--out", "x"])
