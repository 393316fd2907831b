"""Redaction of text: two corpora, every seeded secret masked and every near miss left exactly as it was.

Near misses are real message shapes (kept short); where they come from upstream:
- kubelet: pkg/kubelet/kubelet_pods.go (makeEnvironmentVariables: `secret %q not found`, `couldn't find key %s
  in Secret %s/%s`, `configmap %q not found`), pkg/kubelet/kubelet_pods.go / images (`Unable to retrieve some
  image pull secrets (%s); attempting to pull the image may not succeed.`), pkg/volume/secret/secret.go
  (`MountVolume.SetUp failed for volume %q : secret %q not found`, `references non-existent secret key`),
  pkg/kubelet/secret (`failed to sync secret cache: timed out waiting for the condition`),
  pkg/kubelet/prober (`Liveness probe failed: …`), pkg/kubelet/kuberuntime (`Back-off restarting failed
  container`).
- kubectl describe: staging/src/k8s.io/kubectl/pkg/describe/describe.go (env `<set to the key '%s' in secret
  '%s'>`, `of config map`, volume `SecretName:`, projected `TokenExpirationSeconds:`, ServiceAccount `Image
  pull secrets:` / `Mountable secrets:` / `Tokens:`).
- containerd: core/remotes/docker/resolver.go and authorizer.go (`pull access denied, repository does not exist
  or may require authorization: server message: insufficient_scope: authorization failed`, `failed to fetch
  anonymous token: unexpected status: 401 Unauthorized`); Docker daemon (`pull access denied for %s, repository
  does not exist or may require 'docker login'`); the registry's `WWW-Authenticate: Bearer realm=…` header.
- kube-apiserver RBAC / NotFound errors as kubectl prints them (`Error from server (Forbidden): secrets is
  forbidden: User … cannot list resource "secrets"`); kubeadm's static-pod flags for kube-apiserver.
- PostgreSQL (src/backend/libpq/auth.c: `password authentication failed for user`), MySQL (ER_ACCESS_DENIED:
  `(using password: YES)`), ingress-nginx (`local SSL certificate %s was not found`).
"""

from __future__ import annotations

import logging

import pytest

from app.redact import MASK, RedactingFilter, redact, redact_data

JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6InNlZWQifQ.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLXNlZWRlZC12YWx1ZQ"

# (rendering: text containing the secret, the secret). Every value is distinct, so a leak names its case.
SEEDED: dict[str, tuple[str, str]] = {
    "describe env": ("    Environment:\n      DB_PASSWORD:  hunter2-describe\n      LOG_LEVEL:    info",
                     "hunter2-describe"),
    "yaml env": ("    - name: STRIPE_API_KEY\n      value: stripe-yaml-value-77", "stripe-yaml-value-77"),
    "yaml env quoted": ("    - name: REDIS_PASS\n      value: \"r3dis quoted pw\"", "r3dis quoted pw"),
    "json env": ('{"name": "GITHUB_TOKEN", "value": "tok-json-value-1"}', "tok-json-value-1"),
    "json env -o json layout": ('"env": [\n    {\n        "name": "SESSION_SECRET",\n'
                                '        "value": "sess-json-layout-9"\n    }\n]', "sess-json-layout-9"),
    "log password=": ("connecting with password=pa55word-pair user=app", "pa55word-pair"),
    "log token:": ("2026-12-01T10:00:00Z auth token: tkn-colon-value", "tkn-colon-value"),
    "json apiKey": ('{"level":"info","apiKey": "quoted-api-key-value"}', "quoted-api-key-value"),
    "python dict in log": ("loaded settings {'db_password': 'pydict-pw-31', 'debug': False}", "pydict-pw-31"),
    "flag --client-secret": ("oauth2-proxy --client-secret s3cr3t-flag-value --upstream=http://cart",
                             "s3cr3t-flag-value"),
    "flag --token=": ("kubectl get pods --token=flagtok-8841abc", "flagtok-8841abc"),
    "go flag -password": ("/bin/exporter -password go-flag-pw-5 -listen :9100", "go-flag-pw-5"),
    "describe args": ("    Args:\n      --db-password=argpw-describe-4\n      --port=8080", "argpw-describe-4"),
    "bearer in log": ("GET /api Authorization: Bearer abcDEF123456789.bearer", "abcDEF123456789.bearer"),
    "basic auth header": ("Authorization: Basic c2hvcDpiYXNpYy1wYXNzLTI=", "c2hvcDpiYXNpYy1wYXNzLTI="),
    "cookie header": ("Cookie: session=cookie-sess-77; theme=dark", "cookie-sess-77"),
    "jwt in table": (f"NAME   TOKEN\ncart   {JWT}", JWT),
    "aws access key id": ("found AKIAIOSFODNN7SEEDED1 in env", "AKIAIOSFODNN7SEEDED1"),
    "aws secret key": ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYSEEDEDKEY", "wJalrXUtnFEMI"),
    "google api key": ("key AIzaSyA1234567890abcdefghijklmnopqrstuv", "AIzaSyA1234567890abcdefghijklmnopqrstuv"),
    "github token": ("clone with ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    "gitlab token": ("CI used glpat-Abcdefghij0123456789xy", "glpat-Abcdefghij0123456789xy"),
    "openai key": ("using sk-proj-abcdefghijklmnopqrstuvwxyz12", "sk-proj-abcdefghijklmnopqrstuvwxyz12"),
    "stripe key": ("charge failed for sk_live_51Hseededstripe0000", "sk_live_51Hseededstripe0000"),
    "sendgrid key": ("mailer SG.abcdefghijklmnop1234.qrstuvwxyzABCDEF5678", "SG.abcdefghijklmnop1234"),
    "vault token": ("vault login hvs.CAESIseededvaulttoken012345", "hvs.CAESIseededvaulttoken012345"),
    "slack webhook": ("alert to https://hooks.slack.com/services/T000/B000/seededHookPath",
                      "seededHookPath"),
    "pem private key": ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
                        "MIIEvQIBADAN"),
    "pem cut short": ("tls.key: -----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAseededcut", "MIIEpAIBAAKCAQEA"),
    "pem in json string": ('{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEjsonpem\\n'
                           '-----END PRIVATE KEY-----\\n"}', "MIIEjsonpem"),
    "base64 pem": ("ca.key: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2", "LS0tLS1CRUdJTiBQUklWQVRF"),
    "url credentials": ("dial redis://default:r3dis-pass@redis:6379/0", "r3dis-pass"),
    "url empty user": ("REDIS_URL=redis://:emptyuser-pw-2@cache:6379", "emptyuser-pw-2"),
    "url password with @": ("mongodb+srv://app:p@ss-w0rd-mongo@cluster0.example.net/shop", "ss-w0rd-mongo"),
    "sentry dsn user only": ("SENTRY https://a1b2c3d4e5f6a7b8c9d0sentry@o1.ingest.sentry.io/5",
                             "a1b2c3d4e5f6a7b8c9d0sentry"),
    "jdbc query password": ("jdbc:postgresql://db:5432/shop?user=app&password=jdbc-pw-66&ssl=true", "jdbc-pw-66"),
    "ado.net string": ("Server=db;Database=shop;User Id=sa;Password=adonet-pw-12;", "adonet-pw-12"),
    "go mysql dsn": ("dsn app:gomysql-pw-3@tcp(db:3306)/shop?parseTime=true", "gomysql-pw-3"),
    "azure account key": ("DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=azkey0Seeded+abc==;",
                          "azkey0Seeded"),
    "signed url": ("GET https://bucket.s3.amazonaws.com/x?X-Amz-Credential=AKIDSEED&X-Amz-Signature=f00dsig42",
                   "f00dsig42"),
    "describe configmap data": ("Data\n====\nDB_PASSWORD:\n----\ncm-describe-pw\nmulti-line\n\n"
                                "LOG_LEVEL:\n----\ninfo\n", "cm-describe-pw"),
    "java properties": ("spring.datasource.password = props-pw-19\nspring.datasource.url=jdbc:h2:mem", "props-pw-19"),
    "yaml config": ("database:\n  host: db\n  password: \"yaml-cfg-pw\"\n", "yaml-cfg-pw"),
    "xml config": ("<datasource><password>xml-pw-88</password></datasource>", "xml-pw-88"),
    "dotenv export": ("export API_KEY=dotenv-key-4471", "dotenv-key-4471"),
    "mysql -p": ("sh -c mysql -h db -u root -pMysqlSeed99 shop < dump.sql", "MysqlSeed99"),
    "event message": ("Warning  Unhealthy  kubelet  Readiness probe failed: sent Authorization: Bearer evtB3arer0001x",
                      "evtB3arer0001x"),
    "random string in log": ("handshake ok, session key material Zx8Qm2Lr7Vb4Nc1Kp9Ts6Wd3Yf5Hg0Ja", "Zx8Qm2Lr7Vb4"),
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
    "json in json": ('{"log": "{\\"password\\":\\"nested-json-pw\\"}"}', "nested-json-pw"),
}

# Real message shapes that mention secrets, tokens and keys by name: they must come through unchanged.
NEAR_MISSES: list[str] = [
    'Error: secret "orders-db-secret" not found',
    'MountVolume.SetUp failed for volume "db-creds" : secret "db-creds" not found',
    "Error: couldn't find key password in Secret shop/db-creds",
    'Error: configmap "app-config" not found',
    "Error: couldn't find key DB_HOST in ConfigMap shop/app-config",
    'MountVolume.SetUp failed for volume "creds" : references non-existent secret key: password',
    "Error: failed to sync secret cache: timed out waiting for the condition",
    "Unable to retrieve some image pull secrets (regcred); attempting to pull the image may not succeed.",
    "    Environment:\n      DB_PASSWORD:  <set to the key 'password' in secret 'db-creds'>  Optional: false",
    "      API_KEY:   <set to the key 'api-key' of config map 'app-config'>  Optional: false",
    "      DB_TOKEN:\t<set to the key 'token' in secret 'db-creds'>\tOptional: false",
    "    Environment Variables from:\n      db-creds    Secret  Optional: false",
    "valueFrom:\n  secretKeyRef:\n    key: password\n    name: db-creds",
    "secretKeyRef: {name: db-creds, key: password}",
    '"secretKeyRef": {"key": "password", "name": "db-creds"}',
    "  creds:\n    Type:        Secret (a volume populated by a Secret)\n    SecretName:  db-creds\n"
    "    Optional:    false",
    "    Type:                    Projected (a volume that contains injected data from multiple sources)\n"
    "    TokenExpirationSeconds:  3607\n    ConfigMapName:           kube-root-ca.crt",
    "Image pull secrets:  regcred\nMountable secrets:   <none>\nTokens:              <none>",
    "automountServiceAccountToken: false",
    "- serviceAccountToken:\n    expirationSeconds: 3607\n    path: token",
    'Failed to pull image "registry.example.com/shop/cart:1.4.2": rpc error: code = Unknown desc = failed to pull '
    'and unpack image "registry.example.com/shop/cart:1.4.2": failed to resolve reference '
    '"registry.example.com/shop/cart:1.4.2": pull access denied, repository does not exist or may require '
    "authorization: server message: insufficient_scope: authorization failed",
    "failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized",
    "failed to fetch oauth token: unexpected status from GET request to https://auth.example.com/token: 401",
    "Error response from daemon: pull access denied for cart, repository does not exist or may require "
    "'docker login': denied: requested access to the resource is denied",
    'WWW-Authenticate: Bearer realm="https://auth.docker.io/token",service="registry.docker.io"',
    "basic authentication required",
    'MountVolume.SetUp failed for volume "kube-api-access-7xq2k" : failed to fetch token: serviceaccounts '
    '"cart" is forbidden',
    'Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:copilot:reader" cannot '
    'list resource "secrets" in API group "" in the namespace "shop"',
    'Error from server (NotFound): secrets "db-creds" not found',
    'FATAL:  password authentication failed for user "shop"',
    "ERROR 1045 (28000): Access denied for user 'root'@'10.0.0.5' (using password: YES)",
    "tokens: 3",
    "TOKEN_TTL: 3600",
    "max_tokens: 512",
    "token_count=42 token_limit=4096",
    "kube-apiserver --authorization-mode=Node,RBAC --enable-bootstrap-token-auth=true "
    "--service-account-key-file=/etc/kubernetes/pki/sa.pub --tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
    "--password-file=/run/secrets/db-password --token-ttl 1h",
    "NAME                    READY   STATUS                       RESTARTS   AGE\n"
    "cart-7f9c6d5b8-x2x9k    0/1     CreateContainerConfigError   0          2m\n"
    "catalog-5d8f7c9b-qw7rt  0/1     ImagePullBackOff             0          5m",
    "image: registry.example.com/shop/cart@sha256:9b2c5d1e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c",
    "containerID: containerd://4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e",
    "uid: 3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b",
    'Liveness probe failed: Get "http://10.0.0.5:8080/healthz": dial tcp 10.0.0.5:8080: connect: connection refused',
    "Back-off restarting failed container cart in pod cart-7f9c6d5b8-x2x9k_shop(3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b)",
    "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
    "2 Insufficient memory.",
    'kubectl.kubernetes.io/restartedAt: "2026-11-30T10:00:00Z"',
    "https://registry.example.com/v2/shop/catalog/manifests/1.4.2",
    'level=error msg="token refresh failed" error="token expired"',
    "Using token from /var/run/secrets/kubernetes.io/serviceaccount/token",
    "kubernetes.io/service-account.name: default",
    "vault.hashicorp.com/agent-inject-secret-db: database/creds/app",
    'Error getting SSL certificate "shop/shop-tls": local SSL certificate shop/shop-tls was not found. Using '
    "default certificate",
    "x509: certificate signed by unknown authority",
    "error: You must be logged in to the server (Unauthorized)",
    "E1201 10:00:00.000000       1 reflector.go:147] k8s.io/client-go@v0.29.0/tools/cache/reflector.go:229: "
    "Failed to watch *v1.Secret: failed to list *v1.Secret: secrets is forbidden",
    "\tat com.example.shop.CartService.loadCredentials(CartService.java:42)",
    "Last State:     Terminated\n      Reason:       OOMKilled\n      Exit Code:    137",
    "panic: invalid config: missing DATABASE_URL",
    "secretName: tls-cert",
    "pod-template-hash=7f9c6d5b8 commit=4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e",
    "POST /api/v1/namespaces/shop/serviceaccounts/cart/token 201",
    "Warning  FailedMount  kubelet  MountVolume.SetUp failed for volume \"creds\"",
    "listen tcp 0.0.0.0:8080: bind: address already in use",
    "password: ***REDACTED***",
    "PWD=/app",
]


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_a_seeded_secret_is_masked(name: str) -> None:
    text, secret = SEEDED[name]
    out = redact(text)
    assert secret not in out, out
    assert MASK in out


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_a_near_miss_comes_through_unchanged(text: str) -> None:
    assert redact(text) == text


def test_the_corpora_are_large_enough() -> None:
    assert len(SEEDED) >= 40
    assert len(NEAR_MISSES) >= 40


def test_what_surrounds_a_secret_survives() -> None:
    assert redact(SEEDED["last-applied yaml"][0]).endswith("    team: shop")
    assert redact("connecting with password=pa55word-pair user=app") == f"connecting with password={MASK} user=app"
    assert redact("dial redis://default:r3dis-pass@redis:6379/0") == f"dial redis://default:{MASK}@redis:6379/0"
    masked = redact(SEEDED["describe configmap data"][0])
    assert masked.endswith("LOG_LEVEL:\n----\ninfo\n") and "multi-line" not in masked


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_redaction_is_idempotent(name: str) -> None:
    once = redact(SEEDED[name][0])
    assert redact(once) == once


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
        try:
            raise ValueError("request body: {'api_key': 'exc-key-12345'}")
        except ValueError:
            logger.exception("call failed")
    record = caplog.records[-2]
    assert "logpass1" not in record.getMessage()
    assert "logtoken99" not in record.detail  # type: ignore[attr-defined]
    failed = caplog.records[-1]
    assert failed.exc_info is None and failed.exc_text is not None
    assert "ValueError" in failed.exc_text and "exc-key-12345" not in failed.exc_text
