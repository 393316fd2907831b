"""A real alerting chain for tests: Debian's Alertmanager (`/usr/bin/prometheus-alertmanager`) and a Prometheus
evaluating an alerting rule on one of its own series, on 127.0.0.1 with free ports and temporary state.

Alertmanager runs without gossip (`--cluster.listen-address=`) and routes every alert, at once, to one
webhook receiver (the service under test), with the bearer token if one is given. CI installs the package
(`.ci/run`); a missing binary fails the test with instructions, it never skips.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from tests.support.prometheus import PrometheusServer, free_port

ALERTMANAGER_BIN = "/usr/bin/prometheus-alertmanager"
START_TIMEOUT_S = 60.0

ALERTMANAGER_CONFIG = """\
route:
  receiver: copilot
  group_by: [alertname, namespace, pod]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: copilot
    webhook_configs:
      - url: "{url}"
        send_resolved: true
{auth}"""

# Prometheus: scrape itself, evaluate the rules every second, send alerts to Alertmanager.
PROMETHEUS_CONFIG = """\
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["{dir}/rules.yml"]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:ALERTMANAGER_PORT"]
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["127.0.0.1:{port}"]
"""


class Alertmanager:
    def __init__(self, webhook_url: str, bearer_token: str | None = None, binary: str = ALERTMANAGER_BIN) -> None:
        self.binary = binary
        self.webhook_url = webhook_url
        self.bearer_token = bearer_token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._dir = Path(tempfile.gettempdir())
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> str:
        path = self._dir / "alertmanager.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def start(self) -> Alertmanager:
        if not Path(self.binary).is_file():
            raise RuntimeError(
                f"{self.binary} not found: the alert tests run a real Alertmanager. Install Debian's package with "
                "`apt-get install -y prometheus-alertmanager` (.ci/run does this in CI)."
            )
        self._dir = Path(tempfile.mkdtemp(prefix="alertmanager-test-"))
        auth = (f"        http_config:\n          authorization:\n            credentials: \"{self.bearer_token}\"\n"
                if self.bearer_token else "")
        config = self._dir / "alertmanager.yml"
        config.write_text(ALERTMANAGER_CONFIG.format(url=self.webhook_url, auth=auth))
        log = (self._dir / "alertmanager.log").open("wb")
        self._process = subprocess.Popen(
            [self.binary, f"--config.file={config}", f"--storage.path={self._dir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=", "--log.level=warn"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        log.close()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        assert self._process is not None
        with httpx.Client(base_url=self.url, timeout=5, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise RuntimeError(f"alertmanager exited with {self._process.returncode}:\n{self.log}")
                try:
                    if client.get("/-/ready").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        raise RuntimeError(f"alertmanager not ready within {START_TIMEOUT_S:g}s:\n{self.log}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        if self._dir.name.startswith("alertmanager-test-"):
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> Alertmanager:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def alerting_prometheus(alertmanager: Alertmanager, rules: str) -> PrometheusServer:
    """A Prometheus (not yet started) that evaluates `rules` (a rule file's YAML) and alerts `alertmanager`."""
    config = PROMETHEUS_CONFIG.replace("ALERTMANAGER_PORT", str(alertmanager.port))
    return PrometheusServer(config=config, files={"rules.yml": rules})
