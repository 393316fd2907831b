"""deploy/: the plain manifests `make deploy` applies, validated offline against the Kubernetes schemas."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from app.settings import Settings, load_settings
from deploy import gen_runbooks_configmap as gen
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
    validate_schema,
)
from tests.support.app import ROOT

DEPLOY = ROOT / "deploy"
FILES = ["namespace.yaml", "rbac.yaml", "rbac-remediation.yaml", "k8s-simple.yaml", "configmap/config.yaml",
         "configmap/runbooks.yaml", "secrets/core.yaml.example"]


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return [doc for name in FILES for doc in load_file(DEPLOY / name)]


def test_every_manifest_is_valid_for_the_kubernetes_schema(docs: list[dict]) -> None:
    validate_schema(docs)
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == sorted(["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ClusterRole",
                            "ClusterRoleBinding", "Deployment", "Service", "ConfigMap", "ConfigMap", "Secret"])


def test_the_validator_rejects_what_kubernetes_would(docs: list[dict]) -> None:
    deployment = one(docs, "Deployment")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFileSystem"] = True
    with pytest.raises(AssertionError, match="readOnlyRootFileSystem"):
        validate_schema([broken])


def test_everything_lives_in_the_aiops_namespace(docs: list[dict]) -> None:
    check_namespaces(docs, "aiops")
    assert one(docs, "Namespace")["metadata"]["name"] == "aiops"


def test_deployment_and_service(docs: list[dict]) -> None:
    check_workload(
        one(docs, "Deployment"), one(docs, "Service"),
        image=f"docker.io/example/k8s-aiops-copilot:{VERSION}", node_port=30800,
        config_map="aiops-config", runbooks_map="aiops-runbooks", secret="aiops-core",
        service_account="k8s-aiops-copilot",
    )
    assert one(docs, "Deployment")["metadata"]["name"] == "k8s-aiops-copilot"  # make restart / logs


def test_rbac_reads_what_the_tools_need_and_nothing_secret_or_writable() -> None:
    objects = by_kind(load_file(DEPLOY / "rbac.yaml"))
    role = objects["ClusterRole", "k8s-aiops-copilot-read"]
    check_read_only(role)
    check_binding(objects["ClusterRoleBinding", "k8s-aiops-copilot-read"], role, "k8s-aiops-copilot", "aiops")
    assert ("ServiceAccount", "k8s-aiops-copilot") in objects


def test_the_read_only_check_catches_secrets_and_writes() -> None:
    role = by_kind(load_file(DEPLOY / "rbac.yaml"))["ClusterRole", "k8s-aiops-copilot-read"]
    for bad_rule in ({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]},
                     {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["get"]},
                     {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["patch"]}):
        with pytest.raises(AssertionError):
            check_read_only({**role, "rules": [*role["rules"], bad_rule]})


def test_remediation_rbac_is_separate_and_narrow() -> None:
    objects = by_kind(load_file(DEPLOY / "rbac-remediation.yaml"))
    role = objects["ClusterRole", "k8s-aiops-copilot-remediation"]
    check_remediation(role)
    check_binding(objects["ClusterRoleBinding", "k8s-aiops-copilot-remediation"], role, "k8s-aiops-copilot",
                  "aiops")
    planned = subprocess.run(["make", "-s", "-n", "deploy", "KUBECTL=false"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
    assert "deploy/k8s-simple.yaml" in planned
    assert "rbac-remediation" not in planned  # opt-in: `make deploy` never applies it


def test_config_is_a_valid_settings_file_matching_the_mounts(docs: list[dict], tmp_path: Path) -> None:
    config = by_kind(docs)["ConfigMap", "aiops-config"]
    path = tmp_path / "config.yaml"
    path.write_text(config["data"]["config.yaml"])
    raw = yaml.safe_load(path.read_text())
    assert set(raw) <= set(Settings.model_fields), set(raw) - set(Settings.model_fields)
    settings = load_settings(path)
    container = one(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert str(settings.runbooks_dir) == mounts["runbooks"]
    assert str(settings.data_dir) == mounts["data"]
    assert settings.log_format == "json"
    assert settings.llm_api_key is None and settings.deepseek_api_key is None  # keys live in the Secret


def test_runbooks_configmap_is_the_generation_of_runbooks_dir() -> None:
    files = gen.runbook_files(ROOT / "runbooks")
    assert len(files) >= 10
    assert (DEPLOY / "configmap" / "runbooks.yaml").read_text() == gen.render_configmap(files), (
        "deploy/configmap/runbooks.yaml is stale: run `make runbooks-configmap`"
    )
    assert gen.stale(files) == [], "run `make runbooks-configmap`"
    data = yaml.safe_load((DEPLOY / "configmap" / "runbooks.yaml").read_text())["data"]
    assert data == files  # byte for byte, front matter included


def test_generation_is_deterministic_and_notices_drift() -> None:
    files = gen.runbook_files(ROOT / "runbooks")
    assert gen.render_configmap(files) == gen.render_configmap(dict(reversed(list(files.items()))))
    changed = dict(files)
    name = next(iter(changed))
    changed[name] += "\nOne more line.\n"
    assert gen.render_configmap(changed) != gen.render_configmap(files)
    assert str(gen.CONFIGMAP.relative_to(ROOT)) in gen.stale(changed)


def test_secret_example_names_every_key_and_the_real_one_is_git_ignored() -> None:
    secret = one(load_file(DEPLOY / "secrets" / "core.yaml.example"), "Secret")
    assert secret["metadata"]["name"] == "aiops-core"
    assert set(secret["stringData"]) == {"DEEPSEEK_API_KEY", "LLM_API_KEY", "LLM_MODEL", "LLM_API_BASE",
                                         "API_TOKEN", "APPROVER_TOKEN"}
    ignored = subprocess.run(["git", "check-ignore", "-q", "deploy/secrets/core.yaml"], cwd=ROOT)
    assert ignored.returncode == 0


def test_make_manifests_sets_the_image_and_changes_nothing_else() -> None:
    image = "registry.example.com/team/k8s-aiops-copilot"
    out = subprocess.run(["make", "-s", "manifests", f"IMAGE={image}"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    rendered = load_docs(out)
    sources = [d for name in ("rbac.yaml", "configmap/config.yaml", "configmap/runbooks.yaml",
                              "k8s-simple.yaml") for d in load_file(DEPLOY / name)]
    assert len(rendered) == len(sources)
    deployment = one(rendered, "Deployment")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == f"{image}:{VERSION}"
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = one(sources, "Deployment")[
        "spec"]["template"]["spec"]["containers"][0]["image"]
    assert rendered == sources
