"""Services without ready endpoints: the selector and the pods whose labels nearly match."""

from __future__ import annotations

from app.analyzers.model import Finding, ObjectRef
from app.analyzers.services import ServicesAnalyzer, near_misses
from tests.analyzers.support import CART, meta, only, pod, view


def service_findings(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.analyzer == "services"]


def test_service_without_endpoints_shows_selector_and_near_matching_pods(findings: list[Finding]) -> None:
    checkout = only(service_findings(findings), "NoEndpoints", "checkout")
    assert checkout.severity == "critical"
    assert "spec.selector=app=checkout-api" in checkout.evidence
    near = [e for e in checkout.evidence if e.startswith("near match")]
    assert near == ["near match: 2 pod(s) (checkout-fdxxc8z28v-gt6g4, checkout-fdxxc8z28v-w7q6c) have "
                    "app=checkout (selector wants app=checkout-api)"]
    assert {r.name for r in checkout.related} == {"checkout-fdxxc8z28v-gt6g4", "checkout-fdxxc8z28v-w7q6c"}
    assert checkout.runbook == "service-connectivity"
    assert checkout.targets["service"] == "checkout" and checkout.targets["namespace"] == "shop"


def test_service_whose_pods_are_not_ready_points_at_them(findings: list[Finding]) -> None:
    cart = only(service_findings(findings), "NoReadyEndpoints", "cart")
    assert cart.severity == "warning"
    assert cart.cause == "CrashLoopBackOff"
    assert cart.related == (ObjectRef("Pod", "shop", CART),)


def test_services_with_ready_endpoints_or_no_selector_are_fine(findings: list[Finding]) -> None:
    names = {f.object.name for f in service_findings(findings)}
    assert names == {"checkout", "cart", "ledger-db", "payment-gateway"}  # not frontend, redis, kube-dns, kubernetes


def test_near_misses() -> None:
    assert near_misses({"app": "checkout-api"}, {"app": "checkout"}) == [
        "app=checkout (selector wants app=checkout-api)"]
    assert near_misses({"app": "web", "tier": "frontend"}, {"app": "web", "tier": "front"}) == [
        "tier=front (selector wants tier=frontend)"]
    assert near_misses({"app": "web"}, {"name": "web"}) == ["name=web (selector wants the key app)"]
    assert near_misses({"app": "checkout"}, {"app": "frontend"}) is None
    assert near_misses({"app": "web"}, {"app": "web"}) is None


def test_no_pod_close_to_the_selector() -> None:
    svc = {"metadata": meta("api"), "spec": {"selector": {"app": "api"}, "type": "ClusterIP"}}
    found = ServicesAnalyzer().analyze(view(services=[svc], endpoints=[{"metadata": meta("api")}],
                                            pods=[pod("db-0", labels={"app": "postgres"})]))
    assert "no pod in namespace ns has labels close to app=api" in only(found, "NoEndpoints", "api").evidence
