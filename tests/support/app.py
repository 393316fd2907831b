"""Settings for services under test."""

from __future__ import annotations

from pathlib import Path

from app.settings import Settings
from tests.support.fake_llm import FakeLLM

ROOT = Path(__file__).resolve().parent.parent.parent
DEMO_SNAPSHOT = ROOT / "examples" / "demo-snapshot"
RUNBOOKS = ROOT / "runbooks"


def service_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings for a test service: the demo snapshot, the shipped runbooks, a private data dir."""
    values: dict[str, object] = {
        "cluster_snapshot": DEMO_SNAPSHOT,
        "runbooks_dir": RUNBOOKS,
        "data_dir": tmp_path / "data",
        "runbooks_reload_interval_s": 0,
        "llm_timeout_s": 10,
        "classifier_timeout_s": 5,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def llm_settings(tmp_path: Path, fake: FakeLLM, **overrides: object) -> Settings:
    return service_settings(
        tmp_path, llm_model="openai/fake-model", llm_api_base=fake.base_url, llm_api_key="sk-test", **overrides
    )

