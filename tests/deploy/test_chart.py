"""deploy/chart: rendered by Helm's own engine (helm-python-sdk binds Helm's Go SDK; no helm binary here),
linted as `helm lint --strict`, validated against the Kubernetes schemas, and kept equal to deploy/."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.settings import load_settings
from deploy import gen_runbooks_configmap as gen
from deploy.render_chart import CHART, lint, render, render_templates
from tests.deploy.k8s_checks import (
    VERSION,
    by_kind,
    check_binding,
    check_namespaces,
    check_read_only,
    check_remediation,
    check_workload,
    load_docs,
    load_file,
    one,
    rules,
    validate_schema,
)
from tests.support.app import ROOT

RELEASE = "k8s-aiops-copilot"


def rendered(values: dict[str, Any] | None = None, namespace: str = "aiops") -> list[dict[str, Any]]:
    return load_docs(render(values, RELEASE, namespace))


def config_of(docs: list[dict[str, Any]]) -> dict[str, Any]:
    config_map = by_kind(docs)["ConfigMap", f"{RELEASE}-config"]
    loaded: dict[str, Any] = yaml.safe_load(config_map["data"]["config.yaml"])
    return loaded


def test_chart_version_and_app_version_follow_version_file() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2"
    assert chart["version"] == VERSION
    assert chart["appVersion"] == VERSION


def test_helm_lint_is_clean() -> None:
    assert lint() == []
    assert lint({"rbac": {"remediation": True}, "service": {"type": "ClusterIP"}}) == []


def test_default_render_is_valid_and_secure() -> None:
    docs = rendered()
    validate_schema(docs)
    check_namespaces(docs, "aiops")
    assert sorted(d["kind"] for d in docs) == sorted(
        ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "ConfigMap", "Deployment", "Service"])
    check_workload(
        one(docs, "Deployment"), one(docs, "Service"),
        image=f"docker.io/example/k8s-aiops-copilot:{VERSION}",  # the tag defaults to appVersion = VERSION
        node_port=30800, config_map=f"{RELEASE}-config", runbooks_map=f"{RELEASE}-runbooks",
        secret="aiops-core", service_account=RELEASE,
    )


def test_rbac_equals_the_plain_manifests() -> None:
    docs = by_kind(rendered())
    role = docs["ClusterRole", f"{RELEASE}-read"]
    check_read_only(role)
    check_binding(docs["ClusterRoleBinding", f"{RELEASE}-read"], role, RELEASE, "aiops")
    plain = by_kind(load_file(ROOT / "deploy" / "rbac.yaml"))["ClusterRole", "k8s-aiops-copilot-read"]
    assert rules(role) == rules(plain)
    assert not any(kind == "ClusterRole" and "remediation" in name for kind, name in docs)


def test_remediation_role_only_when_asked_for() -> None:
    docs = rendered({"rbac": {"remediation": True}})
    validate_schema(docs)
    objects = by_kind(docs)
    role = objects["ClusterRole", f"{RELEASE}-remediation"]
    check_remediation(role)
    check_binding(objects["ClusterRoleBinding", f"{RELEASE}-remediation"], role, RELEASE, "aiops")
    plain = by_kind(load_file(ROOT / "deploy" / "rbac-remediation.yaml"))
    assert rules(role) == rules(plain["ClusterRole", "k8s-aiops-copilot-remediation"])


def test_default_config_equals_the_plain_configmap_and_loads(tmp_path: Path) -> None:
    config = config_of(rendered())
    plain_map = by_kind(load_file(ROOT / "deploy" / "configmap" / "config.yaml"))["ConfigMap", "aiops-config"]
    assert config == yaml.safe_load(plain_map["data"]["config.yaml"])
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    assert load_settings(path).runbooks_dir == Path("/app/runbooks")


def test_values_reach_the_config(tmp_path: Path) -> None:
    mcp = {"elasticsearch": {"config": {"url": "http://mcp-server:8082/sse", "mode": "sse"}, "enabled": True}}
    docs = rendered({
        "llm": {"model": "deepseek/deepseek-chat", "apiBase": "https://api.deepseek.com", "timeoutSeconds": 60},
        "prometheus": {"url": "http://prometheus-server.monitoring:9090"},
        "mcpServers": mcp,
        "config": {"max_steps": 8},
    })
    validate_schema(docs)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config_of(docs)))
    settings = load_settings(path)
    assert settings.llm_model == "deepseek/deepseek-chat"
    assert settings.llm_api_base == "https://api.deepseek.com"
    assert settings.llm_timeout_s == 60
    assert settings.prometheus_url == "http://prometheus-server.monitoring:9090"
    assert settings.mcp_servers["elasticsearch"].config.url == "http://mcp-server:8082/sse"
    assert settings.max_steps == 8
    assert settings.tool_timeout_s == 30  # defaults kept


def test_a_config_change_rolls_the_pods_but_a_runbook_change_does_not() -> None:
    def checksum(values: dict[str, Any]) -> str:
        annotations = one(rendered(values), "Deployment")["spec"]["template"]["metadata"]["annotations"]
        value: str = annotations["checksum/config"]
        return value

    base = checksum({})
    assert checksum({"config": {"max_steps": 5}}) != base
    assert checksum({"runbooks": {"extra": {"mine.md": "---\nid: mine\n---\n"}}}) == base
    config_template = render_templates()[f"{RELEASE}/templates/configmap-config.yaml"]
    assert base == hashlib.sha256(config_template.encode()).hexdigest()


def test_bundled_runbooks_are_the_runbooks_dir() -> None:
    data = by_kind(rendered())["ConfigMap", f"{RELEASE}-runbooks"]["data"]
    assert data == gen.runbook_files(ROOT / "runbooks")
    assert gen.stale(gen.runbook_files(ROOT / "runbooks")) == [], "run `make runbooks-configmap`"


def test_extra_runbooks_add_to_or_replace_bundled_ones() -> None:
    files = gen.runbook_files(ROOT / "runbooks")
    name = sorted(files)[0]
    extra = {"my-runbook.md": "---\nid: my-runbook\n---\nbody\n", name: "replaced\n"}
    data = by_kind(rendered({"runbooks": {"extra": extra}}))["ConfigMap", f"{RELEASE}-runbooks"]["data"]
    assert set(data) == set(files) | {"my-runbook.md"}
    assert data[name] == "replaced\n"
    only = by_kind(rendered({"runbooks": {"bundled": False, "extra": extra}}))
    assert only["ConfigMap", f"{RELEASE}-runbooks"]["data"] == extra


def test_an_existing_runbooks_configmap_is_mounted_instead() -> None:
    docs = rendered({"runbooks": {"existingConfigMap": "team-runbooks"}})
    validate_schema(docs)
    assert ("ConfigMap", f"{RELEASE}-runbooks") not in by_kind(docs)
    volumes = {v["name"]: v for v in one(docs, "Deployment")["spec"]["template"]["spec"]["volumes"]}
    assert volumes["runbooks"]["configMap"]["name"] == "team-runbooks"


def test_secrets_existing_created_and_api_token() -> None:
    assert not [d for d in rendered() if d["kind"] == "Secret"]
    docs = rendered({"llm": {"createSecret": True, "secretValues": {"DEEPSEEK_API_KEY": "sk-x"}},
                     "apiToken": {"existingSecret": "copilot-token", "key": "token"}})
    validate_schema(docs)
    secret = one(docs, "Secret")
    assert secret["metadata"]["name"] == "aiops-core"
    assert secret["stringData"] == {"DEEPSEEK_API_KEY": "sk-x"}
    container = one(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["API_TOKEN"]["valueFrom"] == {"secretKeyRef": {"name": "copilot-token", "key": "token"}}
    no_secret = one(rendered({"llm": {"existingSecret": ""}}), "Deployment")
    assert "envFrom" not in no_secret["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize(
    ("values", "node_port", "image"),
    [
        ({"service": {"nodePort": 31234}, "image": {"tag": "0.0.9"}}, 31234,
         "docker.io/example/k8s-aiops-copilot:0.0.9"),
        ({"image": {"repository": "reg.example.com/copilot"}}, 30800, f"reg.example.com/copilot:{VERSION}"),
    ],
)
def test_service_and_image_values(values: dict[str, Any], node_port: int, image: str) -> None:
    docs = rendered(values)
    validate_schema(docs)
    assert one(docs, "Service")["spec"]["ports"][0]["nodePort"] == node_port
    assert one(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]["image"] == image


def test_cluster_ip_service_has_no_node_port_and_other_namespaces_work() -> None:
    docs = rendered({"service": {"type": "ClusterIP"}}, namespace="observability")
    validate_schema(docs)
    check_namespaces(docs, "observability")
    service = one(docs, "Service")
    assert service["spec"]["type"] == "ClusterIP"
    assert "nodePort" not in service["spec"]["ports"][0]
    role = by_kind(docs)["ClusterRole", f"{RELEASE}-read"]
    check_binding(by_kind(docs)["ClusterRoleBinding", f"{RELEASE}-read"], role, RELEASE, "observability")
