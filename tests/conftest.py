from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sse_starlette.sse import AppStatus

from app.main import create_app
from tests.support.app import llm_settings, service_settings
from tests.support.fake_llm import FakeLLM
from tests.support.prometheus import PROMETHEUS_BIN, PrometheusServer, prometheus_binary
from tests.support.server import ServerThread

_ENV_TO_CLEAR = ("LLM_MODEL", "LLM_API_KEY", "LLM_API_BASE", "DEEPSEEK_API_KEY", "CONFIG_FILE", "KUBECONFIG",
                 "CLUSTER_SNAPSHOT", "PROMETHEUS_URL", "OPENAI_API_KEY", "API_TOKEN", "KUBE_CONTEXT")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A missing system package stops the run at once with one line, instead of an error per test."""
    if prometheus_binary() is None and any("prometheus" in getattr(item, "fixturenames", ()) for item in items):
        pytest.exit("prometheus is not installed: the Prometheus tests run a real one. "
                    "Install it with `make deps` (or `apt-get install -y prometheus`).", returncode=4)


@pytest.fixture(scope="session", autouse=True)
def _session_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep tests off the developer's ~/.kube, ~/.holmes, ~/.dspy_cache and real LLM keys."""
    home = tmp_path_factory.mktemp("home")
    saved = dict(os.environ)
    os.environ["HOME"] = str(home)
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    for name in _ENV_TO_CLEAR:
        os.environ.pop(name, None)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    # create_app configures the process's logging, as the service does at startup; a later test that runs a
    # CLI command (which leaves logging alone) must see the process as the user's shell would.
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    yield
    root.handlers[:], root.level = saved[0], saved[1]


@pytest.fixture(autouse=True)
def _reset_sse_exit_flag() -> None:
    # sse-starlette's process-global flag stays set after any uvicorn shutdown in this process.
    AppStatus.should_exit = False


@pytest.fixture(scope="session")
def fake_llm_server() -> Iterator[FakeLLM]:
    with FakeLLM() as llm:
        yield llm


@pytest.fixture
def fake_llm(fake_llm_server: FakeLLM) -> FakeLLM:
    fake_llm_server.reset()
    fake_llm_server.classify = lambda _q: "general"
    fake_llm_server.classify_status = 200
    fake_llm_server.classify_delay_s = 0.0
    return fake_llm_server


@pytest.fixture
def service(tmp_path: Path) -> Iterator[str]:
    """A real uvicorn serving the app without an LLM, against the demo snapshot."""
    with ServerThread(create_app(service_settings(tmp_path))) as server:
        yield server.url


@pytest.fixture
def llm_service(tmp_path: Path, fake_llm: FakeLLM) -> Iterator[str]:
    """A real uvicorn serving the app with the scripted LLM, against the demo snapshot."""
    with ServerThread(create_app(llm_settings(tmp_path, fake_llm))) as server:
        yield server.url


@pytest.fixture(scope="session")
def prometheus() -> Iterator[PrometheusServer]:
    """One real Prometheus for the session (tests/support/prometheus.py)."""
    server = PrometheusServer(prometheus_binary() or PROMETHEUS_BIN)
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()
