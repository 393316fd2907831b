"""Redaction of Kubernetes objects: by position (env, args, ConfigMap data, Secrets, last-applied) and shape."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

from app.redact import MASK, redact_object
from app.secret_shapes import is_plain_value, is_secret_name


def pod(env: list[dict[str, Any]], args: list[str], annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "orders-db-secret-reader", "namespace": "shop", "annotations": annotations or {},
                     "labels": {"app": "cart"}},
        "spec": {"containers": [{"name": "cart", "image": "registry.example.com/shop/cart:1.4.2", "env": env,
                                 "args": args, "command": ["/bin/cart"]}]},
        "status": {"containerStatuses": [{"name": "cart", "state": {"waiting": {
            "reason": "CreateContainerConfigError", "message": 'secret "orders-db-secret" not found'}}}]},
    }


def test_env_values_are_masked_by_name_and_by_shape() -> None:
    env = [
        {"name": "DB_PASSWORD", "value": "env-pw-1"},
        {"name": "TOKEN_TTL", "value": "3600"},
        {"name": "FEATURE_TOKEN_ENABLED", "value": "true"},
        {"name": "DATABASE_URL", "value": "postgres://cart:env-url-pw@db:5432/shop"},
        {"name": "GREETING", "value": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLWVudg"},
        {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "db-creds", "key": "api-key"}}},
        {"name": "LOG_LEVEL", "value": "info"},
    ]
    out = redact_object(pod(env, []))
    got = {e["name"]: e.get("value", e.get("valueFrom")) for e in out["spec"]["containers"][0]["env"]}
    assert got["DB_PASSWORD"] == MASK
    assert got["TOKEN_TTL"] == "3600"
    assert got["FEATURE_TOKEN_ENABLED"] == "true"
    assert got["DATABASE_URL"] == f"postgres://cart:{MASK}@db:5432/shop"
    assert got["GREETING"] == MASK
    assert got["API_KEY"] == {"secretKeyRef": {"name": "db-creds", "key": "api-key"}}
    assert got["LOG_LEVEL"] == "info"


def test_names_and_messages_come_through() -> None:
    out = redact_object(pod([], []))
    assert out["metadata"]["name"] == "orders-db-secret-reader"
    waiting = out["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting["message"] == 'secret "orders-db-secret" not found'


def test_args_after_sensitive_flags_are_masked() -> None:
    args = ["--password", "args-pw-1", "--token=args-tok-2", "-secret", "args-go-3", "--token-ttl", "3600",
            "--password-file", "/run/secrets/pw", "--dsn", "mysql://app:args-dsn-4@db/shop", "--verbose",
            "sh -c 'mysql -u root -pArgsMysql5 shop'", "--port", "8080"]
    out = redact_object(pod([], args))["spec"]["containers"][0]["args"]
    dumped = json.dumps(out)
    for seeded in ("args-pw-1", "args-tok-2", "args-go-3", "args-dsn-4", "ArgsMysql5"):
        assert seeded not in dumped
    assert out[0:2] == ["--password", MASK]
    assert out[5:9] == ["--token-ttl", "3600", "--password-file", "/run/secrets/pw"]
    assert out[-3] == f"sh -c 'mysql -u root -p{MASK} shop'"
    assert out[-2:] == ["--port", "8080"]


def test_a_secret_is_masked_entirely_but_keeps_its_keys() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
              "metadata": {"name": "db-creds", "namespace": "shop"},
              "data": {"password": base64.b64encode(b"sec-data-1").decode(), "user": "YXBw"},
              "stringData": {"token": "sec-string-2"}}
    out = redact_object(secret)
    assert out["data"] == {"password": MASK, "user": MASK}
    assert out["stringData"] == {"token": MASK}
    assert out["metadata"]["name"] == "db-creds" and out["type"] == "Opaque"


def test_configmap_values_are_masked_by_key_and_by_shape() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cart-settings", "namespace": "shop"},
          "data": {"db-password": "cm-pw-1", "DSN": "postgres://cart:cm-url-2@db/shop",
                   "app.properties": "db.url=jdbc:postgresql://db/shop\ndb.password=cm-props-3\n",
                   "TOKEN_TTL": "3600", "LOG_LEVEL": "debug", "tokens": "3"},
          "binaryData": {"keystore.jks": base64.b64encode(b"password=cm-binary-4\n").decode(),
                         "api-key": base64.b64encode(b"cm-binary-5").decode(),
                         "motd": base64.b64encode(b"hello").decode()}}
    out = redact_object(cm)
    dumped = json.dumps(out)
    for seeded in ("cm-pw-1", "cm-url-2", "cm-props-3", "cm-binary-4", "cm-binary-5"):
        assert seeded not in dumped
        assert base64.b64encode(seeded.encode()).decode()[:12] not in dumped
    assert out["data"]["db-password"] == MASK
    assert out["data"]["app.properties"] == f"db.url=jdbc:postgresql://db/shop\ndb.password={MASK}\n"
    assert {k: out["data"][k] for k in ("TOKEN_TTL", "LOG_LEVEL", "tokens")} == {
        "TOKEN_TTL": "3600", "LOG_LEVEL": "debug", "tokens": "3"}
    assert out["binaryData"]["motd"] == cm["binaryData"]["motd"]  # type: ignore[index]


def test_last_applied_is_redacted_structurally() -> None:
    manifest = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db-creds"},
                "stringData": {"password": "applied-pw-1"}}
    deployment = {"kind": "Deployment", "spec": {"template": {"spec": {"containers": [
        {"name": "cart", "image": "cart:1.4.2", "env": [{"name": "API_TOKEN", "value": "applied-tok-2"}]}]}}}}
    for inner, seeded in ((manifest, "applied-pw-1"), (deployment, "applied-tok-2")):
        obj = pod([], [], {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(inner) + "\n"})
        annotation = redact_object(obj)["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
        assert seeded not in annotation
        assert json.loads(annotation)["kind"] == inner["kind"]  # still the manifest, minus its secrets
    broken = pod([], [], {"kubectl.kubernetes.io/last-applied-configuration": "{not json password=x1y2z3"})
    assert redact_object(broken)["metadata"]["annotations"][
        "kubectl.kubernetes.io/last-applied-configuration"] == MASK


def test_annotations_by_name_and_by_shape() -> None:
    out = redact_object(pod([], [], {
        "example.com/db-password": "annot-pw-1",
        "ops/note": "call with Authorization: Bearer annotB3arer42x",
        "kubectl.kubernetes.io/restartedAt": "2026-11-30T10:00:00Z",
        "vault.hashicorp.com/agent-inject-secret-db": "database/creds/app",
    }))["metadata"]["annotations"]
    assert out["example.com/db-password"] == MASK
    assert out["ops/note"] == f"call with Authorization: Bearer {MASK}"
    assert out["kubectl.kubernetes.io/restartedAt"] == "2026-11-30T10:00:00Z"
    assert out["vault.hashicorp.com/agent-inject-secret-db"] == "database/creds/app"


def test_lists_and_typed_lists() -> None:
    cm = {"metadata": {"name": "c"}, "data": {"api_token": "list-tok-1"}}
    secret = {"metadata": {"name": "s"}, "data": {"k": "bGlzdC1zZWNyZXQ="}}
    typed = redact_object({"kind": "ConfigMapList", "apiVersion": "v1", "items": [cm]})
    assert typed["items"][0]["data"]["api_token"] == MASK
    generic = redact_object({"kind": "List", "items": [{**secret, "kind": "Secret"}, {**cm, "kind": "ConfigMap"}]})
    assert generic["items"][0]["data"]["k"] == MASK
    assert generic["items"][1]["data"]["api_token"] == MASK
    secrets = redact_object({"kind": "SecretList", "items": [secret]})
    assert secrets["items"][0]["data"]["k"] == MASK


def test_any_field_named_secret_in_a_custom_resource() -> None:
    cr = {"kind": "Database", "spec": {"password": "cr-pw-1", "passwordSecretRef": {"name": "db", "key": "pw"},
                                        "pin": 123456, "adminPassword": 98765432, "replicas": 3,
                                        "tls": {"privateKey": "cr-key-2"}, "auth": {"enabled": True}}}
    out = redact_object(cr)["spec"]
    assert out["password"] == MASK and out["tls"]["privateKey"] == MASK and out["adminPassword"] == MASK
    assert out["passwordSecretRef"] == {"name": "db", "key": "pw"}
    assert out["replicas"] == 3 and out["auth"] == {"enabled": True} and out["pin"] == 123456


def test_redact_object_is_pure_and_idempotent() -> None:
    obj = pod([{"name": "DB_PASSWORD", "value": "pure-pw-1"}], ["--token", "pure-tok-2"],
              {"kubectl.kubernetes.io/last-applied-configuration": json.dumps({"kind": "Pod"})})
    before = copy.deepcopy(obj)
    once = redact_object(obj)
    assert obj == before
    assert redact_object(once) == once
    assert "pure-pw-1" not in json.dumps(once) and "pure-tok-2" not in json.dumps(once)


def test_secret_names() -> None:
    secret = ["DB_PASSWORD", "PGPASSWORD", "clientSecret", "GITHUB_TOKEN", "x-api-key", "apiKey", "MYSQL_PASS",
              "SENTRY_DSN", "aws_secret_access_key", "AccountKey", "SECRET_KEY_BASE", "private_key_id",
              "spring.datasource.password", "--client-secret", "refresh_token", "authorization", "db-creds"]
    names = ["secretName", "secretKeyRef", "TOKEN_TTL", "tokens", "max_tokens", "password_file",
             "tokenExpirationSeconds", "authorization-mode", "serviceAccountName", "PWD", "key", "TOKEN_URL",
             "automountServiceAccountToken-enabled", "imagePullSecrets", "passwordSecretRef", "name"]
    assert [n for n in secret if not is_secret_name(n)] == []
    assert [n for n in names if is_secret_name(n)] == []
    assert all(is_plain_value(v) for v in ("", "true", "3600", "$(DB_PASSWORD)", "<none>", MASK, "/run/x"))
    assert not any(is_plain_value(v) for v in ("hunter2", "letmein", "s3cr3t-value"))
