"""Ingresses: backends, classes and TLS Secrets — Secrets checked by name only."""

from __future__ import annotations

from app.analyzers.ingresses import IngressesAnalyzer
from app.analyzers.model import Finding
from tests.analyzers.support import meta, only, view


def ingress(tls_secret: str | None = "web-tls", cls: str | None = "nginx", backend: str = "web") -> dict[str, object]:
    spec: dict[str, object] = {"rules": [{"host": "web.example.com", "http": {"paths": [
        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": backend, "port": {"number": 80}}}}]}}]}
    if cls:
        spec["ingressClassName"] = cls
    if tls_secret:
        spec["tls"] = [{"hosts": ["web.example.com"], "secretName": tls_secret}]
    return {"metadata": meta("web"), "spec": spec}


SERVICE = {"metadata": meta("web"), "spec": {"selector": {"app": "web"}}}
READY = {"metadata": meta("web"), "subsets": [{"addresses": [{"ip": "10.0.0.1"}]}]}
NGINX = {"metadata": meta("nginx", None)}


def test_demo_ingress_routes_to_a_service_without_endpoints(findings: list[Finding]) -> None:
    found = [f for f in findings if f.analyzer == "ingresses"]
    assert [(f.reason, f.object.name, f.targets["service"]) for f in found] == [
        ("BackendNoEndpoints", "shop", "checkout")]  # class nginx exists and Secret shop-tls exists (by name)


def test_missing_backend_class_and_tls_secret() -> None:
    found = IngressesAnalyzer().analyze(view(
        ingresses=[ingress(cls="traefik", backend="api")], ingressclasses=[NGINX], services=[SERVICE],
        endpoints=[READY], secret_names=[{"namespace": "ns", "names": ["other"]}]))
    assert {f.reason for f in found} == {"MissingIngressClass", "MissingBackendService", "MissingTLSSecret"}
    assert "ingressclasses: nginx" in only(found, "MissingIngressClass").evidence
    assert "secret ns/web-tls: not found (checked by name only)" in only(found, "MissingTLSSecret").evidence


def test_complete_ingress_is_fine_and_unknown_secret_names_are_not_guessed() -> None:
    names = [{"namespace": "ns", "names": ["web-tls"]}]
    good = IngressesAnalyzer().analyze(view(ingresses=[ingress()], ingressclasses=[NGINX], services=[SERVICE],
                                            endpoints=[READY], secret_names=names))
    assert good == []
    unknown = IngressesAnalyzer().analyze(view(ingresses=[ingress()], ingressclasses=[NGINX], services=[SERVICE],
                                               endpoints=[READY]))
    assert unknown == []  # no source to list Secret names: skip the TLS check rather than report it missing
