"""Network exposure: namespaces without a default-deny NetworkPolicy, NodePort / LoadBalancer Services,
Ingresses without TLS.

References: NetworkPolicy "Default policies" (https://kubernetes.io/docs/concepts/services-networking/
network-policies/#default-policies), Service types (https://kubernetes.io/docs/concepts/services-networking/
service/#publishing-services-service-types), Ingress TLS (https://kubernetes.io/docs/concepts/
services-networking/ingress/#tls).
"""

from __future__ import annotations

from typing import Any

from app.analyzers.model import ObjectRef
from app.analyzers.view import ClusterView, name_of, namespace_of
from app.security.model import Evidence, Rule, SecurityFinding, show, to_yaml

_NET = "https://kubernetes.io/docs/concepts/services-networking/"
NO_DEFAULT_DENY = Rule("network/no-default-deny", "Namespace without a default-deny NetworkPolicy", "medium",
                       "network", "Every pod accepts traffic from every other pod in the cluster: one compromised pod "
                       "can reach all of them.", _NET + "network-policies/#default-deny-all-ingress-traffic")
NODE_PORT = Rule("network/node-port", "NodePort Service", "medium", "network",
                 "A NodePort opens the port on every node's address, usually outside any load balancer or firewall.",
                 _NET + "service/#type-nodeport")
LOAD_BALANCER = Rule("network/load-balancer", "LoadBalancer Service open to any source", "medium", "network",
                     "A LoadBalancer without loadBalancerSourceRanges is reachable from the internet.",
                     _NET + "service/#loadbalancer")
INGRESS_TLS = Rule("network/ingress-no-tls", "Ingress without TLS", "medium", "network",
                   "Traffic (credentials, session cookies) crosses the network in clear text.", _NET + "ingress/#tls")
RULES = (NO_DEFAULT_DENY, NODE_PORT, LOAD_BALANCER, INGRESS_TLS)
NETWORK_KINDS = ("networkpolicies", "services", "ingresses")
# Control-plane namespaces: their components need node networking, and a default-deny there breaks clusters.
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})


def _default_deny(policy: dict[str, Any]) -> bool:
    spec = policy.get("spec") or {}
    selector = spec.get("podSelector") or {}
    if selector.get("matchLabels") or selector.get("matchExpressions"):
        return False
    types = spec.get("policyTypes") or ["Ingress"]
    return "Ingress" in types and not spec.get("ingress")


def default_deny_findings(view: ClusterView, namespaces: list[str]) -> list[SecurityFinding]:
    if not view.has("networkpolicies"):
        return []
    covered = {namespace_of(p) for p in view.items("networkpolicies") if _default_deny(p)}
    out = []
    for ns in namespaces:
        if ns in covered or ns in SYSTEM_NAMESPACES:
            continue
        policies = [name_of(p) for p in view.items("networkpolicies") if namespace_of(p) == ns]
        manifest = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                    "metadata": {"name": "default-deny-ingress", "namespace": ns},
                    "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}
        out.append(SecurityFinding(
            NO_DEFAULT_DENY, ObjectRef("Namespace", None, ns), f"namespace {ns} has no default-deny ingress policy",
            (Evidence(f"NetworkPolicies in {ns}", show(policies) if policies else "<none>"),),
            "# then allow the flows each app needs with its own policy\n" + to_yaml(manifest)))
    return out


def service_findings(view: ClusterView, namespace: str | None) -> list[SecurityFinding]:
    out = []
    for svc in view.items("services"):
        ns = namespace_of(svc)
        if namespace and ns != namespace:
            continue
        spec = svc.get("spec") or {}
        kind = spec.get("type")
        ref = ObjectRef("Service", ns, name_of(svc))
        ports = [(i, p) for i, p in enumerate(spec.get("ports") or []) if isinstance(p, dict)]
        if kind == "NodePort":
            out.append(SecurityFinding(
                NODE_PORT, ref, f"{ref} is exposed on every node" + "".join(
                    f", port {p.get('nodePort', '?')}" for _, p in ports[:3]),
                (Evidence("spec.type", "NodePort"),
                 *(Evidence(f"spec.ports[{i}].nodePort", show(p.get("nodePort"))) for i, p in ports[:3])),
                "# expose it through an Ingress or a LoadBalancer with source ranges instead\n"
                + to_yaml({"spec": {"type": "ClusterIP"}})))
        elif kind == "LoadBalancer" and not spec.get("loadBalancerSourceRanges"):
            out.append(SecurityFinding(
                LOAD_BALANCER, ref, f"{ref} is a LoadBalancer with no source ranges",
                (Evidence("spec.type", "LoadBalancer"), Evidence("spec.loadBalancerSourceRanges", "<unset>")),
                to_yaml({"spec": {"loadBalancerSourceRanges": ["203.0.113.0/24"]}})))
    return out


def ingress_findings(view: ClusterView, namespace: str | None) -> list[SecurityFinding]:
    out = []
    for ing in view.items("ingresses"):
        ns = namespace_of(ing)
        if namespace and ns != namespace:
            continue
        spec = ing.get("spec") or {}
        hosts = [str(r.get("host")) for r in spec.get("rules") or [] if isinstance(r, dict) and r.get("host")]
        tls_hosts = {str(h) for t in spec.get("tls") or [] if isinstance(t, dict) for h in t.get("hosts") or []}
        uncovered = [h for h in hosts if h not in tls_hosts] if spec.get("tls") else hosts or ["*"]
        if not uncovered:
            continue
        ref = ObjectRef("Ingress", ns, name_of(ing))
        fix = to_yaml({"spec": {"tls": [{"hosts": uncovered, "secretName": f"{ref.name}-tls"}]}})
        out.append(SecurityFinding(
            INGRESS_TLS, ref, f"{ref} serves {', '.join(uncovered)} without TLS",
            (Evidence("spec.tls", show(spec.get("tls"))), Evidence("spec.rules[*].host", show(hosts))),
            "# e.g. with cert-manager: annotate cert-manager.io/cluster-issuer\n" + fix))
    return out
