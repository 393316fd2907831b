"""Redaction: every kind of secret the issue names is masked; ordinary cluster text is left alone."""

from __future__ import annotations

import logging

import pytest

from app.redact import MASK, RedactingFilter, redact, redact_data

SECRETS = {
    "env in describe": ("    DB_PASSWORD:  hunter2-describe\n    LOG_LEVEL: info", "hunter2-describe"),
    "env in yaml": ("    - name: STRIPE_API_KEY\n      value: sk_live_yamlvalue123", "sk_live_yamlvalue123"),
    "env in json": ('{"name": "GITHUB_TOKEN", "value": "tok-json-value-1"}', "tok-json-value-1"),
    "password= pair": ("connecting with password=pa55word-pair user=app", "pa55word-pair"),
    "token: pair": ("auth token: tkn-colon-value", "tkn-colon-value"),
    "quoted api key": ('{"apiKey": "quoted-api-key-value"}', "quoted-api-key-value"),
    "client secret flag": ("--client-secret s3cr3t-flag-value", "s3cr3t-flag-value"),
    "bearer": ("Authorization: Bearer abcDEF123456789.bearer", "abcDEF123456789.bearer"),
    "jwt": ("session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXZhbHVl here",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXZhbHVl"),
    "aws key id": ("found AKIAIOSFODNN7EXAMPLE in env", "AKIAIOSFODNN7EXAMPLE"),
    "aws secret": ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"),
    "google key": ("key AIzaSyA1234567890abcdefghijklmnopqrstuv", "AIzaSyA1234567890abcdefghijklmnopqrstuv"),
    "github token": ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    "openai key": ("using sk-proj-abcdefghijklmnopqrstuvwxyz12", "sk-proj-abcdefghijklmnopqrstuvwxyz12"),
    "pem": ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----", "MIIEvQIBADAN"),
    "pem certificate": ("-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----", "MIIDdzCCAl"),
    "url credentials": ("dial redis://default:r3dis-pass@redis:6379/0", "r3dis-pass"),
    "last-applied yaml": (
        "  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n"
        "      {\"kind\":\"Secret\",\"data\":{\"pw\":\"bGFzdC1hcHBsaWVk\"}}\n    team: shop",
        "bGFzdC1hcHBsaWVk",
    ),
    "last-applied describe": (
        "Annotations:  kubectl.kubernetes.io/last-applied-configuration:\n"
        "                {\"spec\":{\"env\":[{\"value\":\"describe-applied\"}]}}\n              team: shop",
        "describe-applied",
    ),
    "last-applied json": (
        '{"kubectl.kubernetes.io/last-applied-configuration": "{\\"data\\":\\"json-applied\\"}", "a": "b"}',
        "json-applied",
    ),
}


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_secret_is_masked(name: str) -> None:
    text, secret = SECRETS[name]
    out = redact(text)
    assert secret not in out
    assert MASK in out


@pytest.mark.parametrize(
    "text",
    [
        "NAME   READY   STATUS             RESTARTS   AGE\ncart-abc   0/1   CrashLoopBackOff   9   38m",
        "panic: invalid config: missing DATABASE_URL",
        "secretName: tls-cert",
        "valueFrom:\n  secretKeyRef:\n    name: db-creds\n    key: password",
        "max_tokens: 3",
        "Warning  FailedMount  kubelet  MountVolume.SetUp failed for volume \"creds\"",
        "listen tcp 0.0.0.0:8080: bind: address already in use",
        "https://registry.example.com/v2/shop/catalog/manifests/1.4.2",
    ],
)
def test_ordinary_text_is_untouched(text: str) -> None:
    assert redact(text) == text


def test_the_rest_of_a_last_applied_manifest_survives() -> None:
    text = SECRETS["last-applied yaml"][0]
    assert redact(text).endswith("    team: shop")


def test_structures_are_redacted_recursively() -> None:
    data = {"args": {"command": "kubectl get pods --token=abcdefgh123"}, "list": ["password=zzzzzz9"], "n": 3}
    out = redact_data(data)
    assert "abcdefgh123" not in str(out)
    assert "zzzzzz9" not in str(out)
    assert out["n"] == 3


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redact")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="test.redact"):
        logger.info("dsn %s", "postgres://u:logpass1@db/x", extra={"detail": "token=logtoken99"})
    record = caplog.records[-1]
    assert "logpass1" not in record.getMessage()
    assert "logtoken99" not in record.detail  # type: ignore[attr-defined]
