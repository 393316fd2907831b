"""A real Prometheus server for tests: Debian's `/usr/bin/prometheus`, started here, scraping itself.

Not its systemd service: each test session starts its own on 127.0.0.1 with a free port, a temporary TSDB
and a generated config (self-scrape every second), and waits until `up` has a sample. `make deps`
installs the package; when the binary is missing the run stops at once with one line saying so, it never
skips (tests/conftest.py).

The `prometheus` fixture (tests/conftest.py) gives every test of the session the same server.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

PROMETHEUS_BIN = "/usr/bin/prometheus"


def prometheus_binary() -> str | None:
    """Debian's binary, or one on PATH."""
    found = shutil.which("prometheus")
    if found is None and Path(PROMETHEUS_BIN).is_file():
        found = PROMETHEUS_BIN
    return found


START_TIMEOUT_S = 90.0

CONFIG = """\
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["127.0.0.1:{port}"]
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrometheusServer:
    def __init__(self, binary: str = PROMETHEUS_BIN, config: str = CONFIG, files: dict[str, str] | None = None) -> None:
        """`config`: the prometheus.yml template (`{port}` and `{dir}` filled in); `files`: written next to it
        (rule files)."""
        self.binary = binary
        self.config = config
        self.files = dict(files or {})
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._dir = Path(tempfile.gettempdir())  # replaced by a private directory in start()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> str:
        path = self._dir / "prometheus.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def start(self) -> PrometheusServer:
        if not Path(self.binary).is_file():
            raise RuntimeError(
                f"{self.binary} not found: the Prometheus tests run a real Prometheus server. Install Debian's "
                "package with `make deps` (or `apt-get install -y prometheus`)."
            )
        self._dir = Path(tempfile.mkdtemp(prefix="prometheus-test-"))
        config = self._dir / "prometheus.yml"
        config.write_text(self.config.format(port=self.port, dir=self._dir))
        for name, text in self.files.items():
            (self._dir / name).write_text(text)
        log = (self._dir / "prometheus.log").open("wb")
        self._process = subprocess.Popen(
            [self.binary, f"--config.file={config}", f"--storage.tsdb.path={self._dir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=1h",
             "--log.level=warn"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        log.close()
        try:
            self._wait_for_first_sample()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_for_first_sample(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        assert self._process is not None
        with httpx.Client(base_url=self.url, timeout=5, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise RuntimeError(f"prometheus exited with {self._process.returncode}:\n{self.log}")
                try:
                    body = client.get("/api/v1/query", params={"query": 'up{job="prometheus"} == 1'}).json()
                    if body.get("status") == "success" and body["data"]["result"]:
                        return
                except (httpx.HTTPError, ValueError):
                    pass
                time.sleep(0.2)
        raise RuntimeError(f"prometheus had no `up` sample within {START_TIMEOUT_S:g}s:\n{self.log}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        if self._dir.name.startswith("prometheus-test-"):
            shutil.rmtree(self._dir, ignore_errors=True)
