"""Configuration: one `Settings` object, built once at startup and passed to whoever needs it.

Sources, highest priority first: explicit arguments, environment variables, the YAML config file
(`CONFIG_FILE`, default `config/config.yaml`), then the defaults below. Field names are the YAML keys;
environment variables are the same names in upper case (`LLM_MODEL`, `PROMETHEUS_URL`, ...).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from app.errors import ConfigError

DEFAULT_CONFIG_FILE = Path("config/config.yaml")
DEEPSEEK_DEFAULT_MODEL = "deepseek/deepseek-chat"


class McpServerConfig(BaseModel):
    """How to reach one MCP server (the original deployment's `config:` block)."""

    url: str | None = Field(None, description="Server URL (sse / streamable-http modes).")
    mode: Literal["sse", "streamable-http", "stdio"] = Field("sse", description="Transport.")
    headers: dict[str, str] = Field(default_factory=dict, description="HTTP headers, e.g. auth.")
    command: str | None = Field(None, description="Executable to start (stdio mode).")
    args: list[str] = Field(default_factory=list, description="Arguments for `command` (stdio mode).")
    env: dict[str, str] = Field(default_factory=dict, description="Extra environment (stdio mode).")


class McpServer(BaseModel):
    config: McpServerConfig
    enabled: bool = Field(True, description="Switch the server off without deleting its entry.")
    description: str = Field("", description="What the server offers; shown to the model.")


class Settings(BaseSettings):
    """Every knob of the service. Each field documents itself; `config/config.yaml` lists them all."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, env_ignore_empty=True)

    # LLM
    llm_model: str | None = Field(
        None, description="litellm model string, e.g. openai/gpt-4o-mini, deepseek/deepseek-chat."
    )
    llm_api_key: SecretStr | None = Field(None, description="API key for the LLM provider.")
    llm_api_base: str | None = Field(None, description="Base URL of an OpenAI-compatible endpoint.")
    deepseek_api_key: SecretStr | None = Field(
        None, description="DeepSeek key; selects deepseek/deepseek-chat when no model is named."
    )
    llm_timeout_s: float = Field(120.0, gt=0, description="Timeout of one LLM request, in seconds.")
    llm_max_retries: int = Field(
        2, ge=0, le=10,
        description="Retries of one LLM request after a transient failure (connection error, timeout, HTTP 408, "
                    "409, 429, 5xx), with exponential backoff (Retry-After honoured); 0 = none.",
    )
    classifier_timeout_s: float = Field(
        20.0, gt=0, description="Budget for the LLM classifier before the rules answer instead."
    )
    # Cluster
    kubeconfig: Path | None = Field(None, description="kubeconfig file (default: kubectl's own rules).")
    kube_context: str | None = Field(None, description="kubeconfig context to use.")
    cluster_snapshot: Path | None = Field(
        None, description="Serve this snapshot directory in-process and point every tool at it."
    )
    cluster_snapshot_writable: bool = Field(
        False, description="Serve cluster_snapshot writable: approved changes are applied in memory (never to the "
                           "directory) and recorded at /_snapshot/writes on the snapshot server.",
    )
    # Tools
    prometheus_url: str | None = Field(None, description="Prometheus base URL; enables metrics tools.")
    prometheus_headers: dict[str, str] = Field(
        default_factory=dict,
        description="HTTP headers sent with every Prometheus request, e.g. {Authorization: Bearer <token>}.",
    )
    prometheus_max_series: int = Field(
        20, ge=1, le=1000, description="Series shown per PromQL result in runbook steps; the rest are counted."
    )
    mcp_servers: dict[str, McpServer] = Field(
        default_factory=dict, description="External MCP servers, by name (original config format)."
    )
    tool_timeout_s: float = Field(30.0, gt=0, description="Timeout of one tool command, in seconds.")
    tool_output_max_chars: int = Field(
        12000, gt=200, description="Tool output beyond this is truncated (with a marker) for the LLM."
    )
    bash_tool_unsafe_allow_all: bool = Field(
        False, description="Run cluster-changing commands without approval (never lifts Secret/identity rules)."
    )
    approval_ttl_s: float = Field(900.0, gt=0, description="How long a pending approval stays valid, in seconds.")
    # Investigation
    max_steps: int = Field(20, ge=1, le=100, description="Default agent steps per investigation.")
    runbooks_dir: Path = Field(Path("runbooks"), description="Folder of runbook Markdown files.")
    runbooks_reload_interval_s: float = Field(
        2.0, ge=0, description="How often the runbook folder is checked for changes (0 = every use)."
    )
    data_dir: Path = Field(Path("data"), description="Writable folder for caches and state.")
    # Operations
    log_format: Literal["json", "text"] = Field(
        "json", description="json: one JSON object per line (for log pipelines); text: readable lines."
    )
    log_level: Literal["debug", "info", "warning", "error"] | None = Field(
        None, description="Root log level; unset keeps what `serve --log-level` chose."
    )
    shutdown_grace_s: float = Field(
        5.0, ge=0, description="On shutdown, time running SSE streams get to send their final events."
    )
    # Access and limits
    api_token: SecretStr | None = Field(
        None, description="When set, every endpoint but /health (and /metrics, see metrics_require_token) needs "
                          "`Authorization: Bearer <token>`.",
    )
    approver_token: SecretStr | None = Field(
        None, description="When set, only this token may decide approvals (POST /approvals/{id}); API_TOKEN holders "
                          "can ask and read but get 403 there. It is accepted wherever API_TOKEN is.",
    )
    metrics_require_token: bool = Field(
        False, description="Protect /metrics with API_TOKEN too (off: Prometheus scrapes it without a token).",
    )
    max_body_bytes: int = Field(
        65536, ge=1024, description="Largest request body accepted, in bytes; larger ones get 413.",
    )
    body_timeout_s: float = Field(
        10.0, gt=0, description="A request body must arrive whole within this many seconds, before an investigation "
                                "slot is taken; a slower one gets 408.",
    )
    forwarded_allow_ips: str = Field(
        "", description="Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (client address for the rate "
                        "limit and logs): comma-separated IPs or CIDRs, '*' for any. Empty (default): none.",
    )
    rate_limit_per_minute: int = Field(
        60, ge=0, description="Investigations (/ask, /q, POST /approvals/{id}) one client address may start per "
                              "minute (a token bucket); 0 = no limit.",
    )
    rate_limit_burst: int | None = Field(
        None, ge=1,
        description="Bucket size: investigations a client may start at once (default: the per-minute rate).",
    )
    max_concurrent_investigations: int = Field(
        32, ge=0, description="Investigations running at once, service-wide; more get 429 (0 = no cap).",
    )
    # Security audit (app/security/)
    security_allowed_registries: list[str] = Field(
        default_factory=list,
        description="Registries (or registry/path prefixes) images may come from; empty = no registry check.",
    )
    security_trivy: bool = Field(
        True, description="Scan images with the trivy CLI when it is on PATH and the cluster has no "
                          "trivy-operator VulnerabilityReports.",
    )
    security_trivy_timeout_s: float = Field(300.0, gt=0, description="Timeout of one `trivy image` scan, in seconds.")
    # Audit trail
    audit_max_investigations: int = Field(
        10000, ge=1, description="Investigations kept in the audit trail (data_dir/audit.db); older ones are pruned.",
    )

    # Alerts in (POST /api/v1/alerts, app/alerts*.py) and notifications out (app/notify.py)
    alert_cluster_label: str = Field(
        "cluster", min_length=1, description="The alert label naming the cluster an alert comes from.",
    )
    cluster_name: str | None = Field(
        None, description="This service's cluster: alerts whose cluster label names another cluster are recorded, "
                          "not investigated (unset: every alert is investigated).",
    )
    alert_dedup_window_s: float = Field(
        3600.0, ge=0, description="A firing alert (by fingerprint) is investigated once per window; its resends "
                                  "within the window are recorded as duplicates. Resolving it ends the window.",
    )
    alert_queue_size: int = Field(
        100, ge=1, description="Alert investigations waiting to run; beyond it a webhook gets 503 (Alertmanager "
                               "retries, and deduplication keeps the retry from investigating twice).",
    )
    alert_max_concurrent: int = Field(
        2, ge=1, description="Alert investigations running at once (separate from /ask's cap: a storm of alerts "
                             "never takes the slots of people asking).",
    )
    alert_mode: Literal["auto", "llm", "runbook"] = Field(
        "auto", description="Engine for alert investigations: auto | llm | runbook.",
    )
    notify_webhook_url: SecretStr | None = Field(
        None, description="Where an alert investigation's result is posted (a Slack incoming webhook or any "
                          "JSON endpoint); unset = no notifications.",
    )
    notify_webhook_format: Literal["slack", "json"] = Field(
        "slack", description="slack: Slack's incoming-webhook message; json: the result as one JSON document.",
    )
    notify_webhook_headers: dict[str, str] = Field(
        default_factory=dict, description="HTTP headers sent with each notification, e.g. {Authorization: ...}.",
    )
    public_url: str | None = Field(
        None, description="This service's URL as users reach it; notifications link to "
                          "<public_url>/investigations/<id> (unset: the path alone).",
    )

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for item in (part.strip() for part in value.split(",")):
            if item in ("", "*"):
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"{item!r} is not an IP address or CIDR (use commas between entries)") from exc
        return value.strip()

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @property
    def llm_configured(self) -> bool:
        return self.effective_llm_model is not None

    @property
    def effective_llm_model(self) -> str | None:
        if self.llm_model:
            return self.llm_model
        if self.deepseek_api_key is not None:
            return DEEPSEEK_DEFAULT_MODEL
        return None

    @property
    def effective_llm_api_key(self) -> str | None:
        for key in (self.llm_api_key, self.deepseek_api_key):
            if key is not None:
                return key.get_secret_value()
        return None

    @property
    def effective_api_token(self) -> str | None:
        """The token, or None when auth is off (an empty value counts as unset)."""
        token = self.api_token.get_secret_value().strip() if self.api_token is not None else ""
        return token or None

    @property
    def effective_approver_token(self) -> str | None:
        """The approver token, or None when anyone who may ask may also approve."""
        token = self.approver_token.get_secret_value().strip() if self.approver_token is not None else ""
        return token or None


class _FileSource(PydanticBaseSettingsSource):
    """Values from the YAML config file: below the environment, above the defaults."""

    def __init__(self, settings_cls: type[BaseSettings], values: Mapping[str, Any]) -> None:
        super().__init__(settings_cls)
        self.values = dict(values)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self.values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self.values.items() if k in self.settings_cls.model_fields}


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping of settings")
    return {str(k).lower(): v for k, v in data.items()}


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the Settings: overrides > environment > config file > defaults.

    `config_file` defaults to `$CONFIG_FILE`, else `config/config.yaml` when that file exists.
    """
    named = config_file or (Path(os.environ["CONFIG_FILE"]) if os.environ.get("CONFIG_FILE") else None)
    if named is not None and not named.is_file():
        raise ConfigError(f"config file {named} does not exist")
    path = named or DEFAULT_CONFIG_FILE
    file_values = read_config_file(path) if path.is_file() else {}

    class _LoadedSettings(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings, env_settings, _FileSource(settings_cls, file_values))

    try:
        return _LoadedSettings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid configuration: {problems}") from exc
