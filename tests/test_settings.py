from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import ConfigError
from app.settings import load_settings


def test_env_beats_file_beats_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("max_steps: 7\nprometheus_url: http://file:9090\nllm_model: openai/from-file\n")
    monkeypatch.setenv("CONFIG_FILE", str(config))
    monkeypatch.setenv("PROMETHEUS_URL", "http://env:9090")
    settings = load_settings()
    assert settings.max_steps == 7
    assert settings.prometheus_url == "http://env:9090"
    assert settings.effective_llm_model == "openai/from-file"
    assert settings.tool_timeout_s == 30.0
    assert load_settings(max_steps=3).max_steps == 3


def test_deepseek_key_selects_deepseek(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-ds")
    settings = load_settings()
    assert settings.effective_llm_model == "deepseek/deepseek-chat"
    assert settings.effective_llm_api_key == "sk-ds"
    assert "sk-ds" not in repr(settings)


def test_no_llm_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings().llm_configured is False


def test_mcp_servers_in_the_original_format(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        'mcp_servers:\n  elasticsearch:\n    config: {url: "http://mcp-server:8082/sse", mode: "sse"}\n'
        "    enabled: true\n"
    )
    server = load_settings(config).mcp_servers["elasticsearch"]
    assert server.config.url == "http://mcp-server:8082/sse"
    assert server.config.mode == "sse"
    assert server.enabled


@pytest.mark.parametrize(
    ("content", "message"),
    [("max_steps: 0\n", "max_steps"), ("- a list\n", "mapping"), ("a: [\n", "cannot read"),
     ("mcp_servers:\n  x:\n    config: {mode: carrier-pigeon}\n", "mode")],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_settings(config)


def test_missing_named_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.yaml")


def test_shipped_config_file_loads() -> None:
    root = Path(__file__).resolve().parent.parent
    settings = load_settings(root / "config" / "config.yaml")
    assert settings.max_steps == 20
    assert settings.llm_configured is False
