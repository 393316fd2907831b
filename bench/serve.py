"""`python -m app serve` as a subprocess on 127.0.0.1: start, wait for /health, read its memory, stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import DEMO_SNAPSHOT, ROOT, RUNBOOKS, child_env

# The service's per-client rate limit and concurrency cap would turn a benchmark's burst from one
# address into 429s: benchmarks measure capacity, so they lift them (unknown names are ignored).
NO_LIMITS = {"RATE_LIMIT_PER_MINUTE": "0", "MAX_CONCURRENT_INVESTIGATIONS": "0"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def machine_cpu() -> tuple[float, float]:
    """(all CPU seconds, idle CPU seconds) of the machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    return sum(values) / tick, (values[3] + values[4]) / tick


def llm_env(api_base: str) -> dict[str, str]:
    return {"LLM_MODEL": "openai/fake-model", "LLM_API_BASE": api_base, "LLM_API_KEY": "sk-bench"}


class ServeProcess:
    """The service as a user runs it: demo snapshot, shipped runbooks, a private data dir."""

    def __init__(self, extra_env: dict[str, str] | None = None, limits: bool = False) -> None:
        self.port = free_port()
        self.data_dir = Path(tempfile.mkdtemp(prefix="bench-serve-"))
        self.log_path = self.data_dir / "serve.log"
        self.env = child_env(
            CLUSTER_SNAPSHOT=str(DEMO_SNAPSHOT), RUNBOOKS_DIR=str(RUNBOOKS), DATA_DIR=str(self.data_dir / "data"),
            LOG_LEVEL="warning",  # and the shipped config/config.yaml (cwd), as `make run` uses it
            **({} if limits else NO_LIMITS), **(extra_env or {}),
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> ServeProcess:
        self.started_at = time.monotonic()
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        return self

    def health(self, timeout: float = 2.0) -> dict[str, Any] | None:
        try:
            response = httpx.get(f"{self.url}/health", timeout=timeout)
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        body: dict[str, Any] = response.json()
        return body

    def wait_health(self, timeout_s: float = 60.0) -> tuple[float, dict[str, Any]]:
        """Seconds from start until /health first answered, and that first answer."""
        deadline = self.started_at + timeout_s
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"the service exited ({self.proc.returncode}):\n{self.log_tail()}")
            body = self.health(timeout=1.0)
            if body is not None:
                return time.monotonic() - self.started_at, body
            time.sleep(0.01)
        raise RuntimeError(f"/health did not answer within {timeout_s}s:\n{self.log_tail()}")

    def wait_engine_ready(self, timeout_s: float = 120.0) -> float:
        """Seconds from start until /health says the LLM engine is loaded."""
        deadline = self.started_at + timeout_s
        while time.monotonic() < deadline:
            body = self.health()
            if body is not None and body["llm"]["engine_ready"]:
                return time.monotonic() - self.started_at
            time.sleep(0.05)
        raise RuntimeError(f"the LLM engine was not ready within {timeout_s}s:\n{self.log_tail()}")

    def proc_status(self) -> dict[str, int]:
        """VmHWM (peak RSS), VmRSS in KiB, threads and open file descriptors of the server process."""
        out: dict[str, int] = {}
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    out[key] = int(value.split()[0])
                elif key == "Threads":
                    out[key] = int(value)
            out["fds"] = len(os.listdir(f"/proc/{self.pid}/fd"))
        except (FileNotFoundError, ProcessLookupError):
            pass
        return out

    def cpu_seconds(self) -> tuple[float, float]:
        """CPU time of the server process (all threads) and of its exited, reaped children (kubectl)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            return 0.0, 0.0
        tick = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick

    def children(self) -> int:
        """How many child processes (kubectl) the server has right now (children hang off the thread that
        started them, so every thread's list counts)."""
        count = 0
        try:
            tasks = os.listdir(f"/proc/{self.pid}/task")
        except FileNotFoundError:
            return 0
        for tid in tasks:
            try:
                count += len(Path(f"/proc/{self.pid}/task/{tid}/children").read_text().split())
            except (FileNotFoundError, ProcessLookupError):
                continue
        return count

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
