"""NetworkPolicies that isolate the pods behind a Service: deny-all ingress, peers no pod matches, egress
that blocks DNS."""

from __future__ import annotations

from typing import ClassVar

from app.analyzers.common import labels_of, selects
from app.analyzers.model import Finding, ObjectRef, ReasonSpec, reasons
from app.analyzers.view import ClusterView, KindSpec, Obj, name_of, namespace_of

NAME = "netpol"
REASONS: dict[str, ReasonSpec] = reasons(0, ("network",), "IngressDenied", "EgressBlocksDNS")
MAX_SHOWN = 3


class NetworkPolicyAnalyzer:
    name = NAME
    kinds = frozenset({"networkpolicies", "pods", "services"})
    kind_specs: ClassVar[dict[str, KindSpec]] = {
        "networkpolicies": KindSpec("/apis/networking.k8s.io/v1", "networkpolicies", True),
    }
    reasons = REASONS
    problem_types = ("network",)

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings = []
        policies = view.items("networkpolicies")
        for policy in policies:
            ns = namespace_of(policy)
            spec = policy.get("spec") or {}
            selector = _match_labels(spec)
            pods = [p for p in view.pods_in(ns) if not selector or selects(selector, labels_of(p))]
            if not pods:
                continue
            types = _types(spec)
            # Policies add up: a pod another policy of its namespace admits traffic to is not isolated.
            denied = [p for p in pods if not any(
                other is not policy and namespace_of(other) == ns and _admits(view, other, p) for other in policies)]
            services = _services(view, ns, denied)
            if "Ingress" in types and denied and services:
                finding = _ingress(view, policy, denied, services, selector)
                if finding is not None:
                    findings.append(finding)
            if "Egress" in types and not _allows_dns(spec.get("egress") or []):
                findings.append(_egress(policy, pods, selector))
        return findings


def _match_labels(spec: Obj) -> dict[str, str]:
    return {str(k): str(v) for k, v in ((spec.get("podSelector") or {}).get("matchLabels") or {}).items()}


def _types(spec: Obj) -> list[str]:
    return list(spec.get("policyTypes") or (["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]))


def _admits(view: ClusterView, policy: Obj, pod: Obj) -> bool:
    """Whether this ingress policy selects the pod and lets some client in."""
    spec = policy.get("spec") or {}
    selector = _match_labels(spec)
    if "Ingress" not in _types(spec) or (selector and not selects(selector, labels_of(pod))):
        return False
    rules = spec.get("ingress") or []
    return any(not rule.get("from") or any(_peer_matches(view, namespace_of(policy), peer)
                                             for peer in rule.get("from") or []) for rule in rules)


def _services(view: ClusterView, ns: str | None, pods: list[Obj]) -> list[str]:
    out = []
    for svc in view.items("services"):
        sel = (svc.get("spec") or {}).get("selector") or {}
        if namespace_of(svc) == ns and sel and any(selects(sel, labels_of(p)) for p in pods):
            out.append(name_of(svc))
    return out


def _peer_matches(view: ClusterView, ns: str | None, peer: Obj) -> bool:
    if "ipBlock" in peer or "namespaceSelector" in peer:
        return True  # other namespaces / addresses: cannot judge from here, assume allowed
    wanted = {str(k): str(v) for k, v in ((peer.get("podSelector") or {}).get("matchLabels") or {}).items()}
    return any(not wanted or selects(wanted, labels_of(p)) for p in view.pods_in(ns))


def _selector(selector: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<all pods>"


def _ingress(view: ClusterView, policy: Obj, pods: list[Obj], services: list[str], selector: dict[str, str]
             ) -> Finding | None:
    ns, name = namespace_of(policy), name_of(policy)
    rules = (policy.get("spec") or {}).get("ingress") or []
    if any(not rule.get("from") for rule in rules):
        return None  # a rule without `from` admits everyone (on its ports)
    if rules and any(_peer_matches(view, ns, peer) for rule in rules for peer in rule.get("from") or []):
        return None
    if rules:
        peers = "; ".join(_selector({str(k): str(v) for k, v in ((p.get("podSelector") or {}).get("matchLabels")
                                                                  or {}).items()})
                          for rule in rules for p in rule.get("from") or [])
        how, how_zh = f"only admits pods labelled {peers}, and no pod has those labels", \
            f"只允许标签为 {peers} 的 Pod 访问，但没有 Pod 带这些标签"
    else:
        how, how_zh = "denies all ingress (no ingress rules)", "拒绝所有入站流量（没有 ingress 规则）"
    shown = ", ".join(name_of(p) for p in pods[:MAX_SHOWN])
    return Finding(
        NAME, "critical", ObjectRef("NetworkPolicy", ns, name), "IngressDenied",
        f"NetworkPolicy {ns}/{name} selects the pods behind Service {', '.join(services)} and {how}: clients time "
        "out.",
        (f"spec.podSelector={_selector(selector)} selects {len(pods)} pod(s): {shown}",
         f"spec.policyTypes includes Ingress; ingress rules: {len(rules)}",
         f"Service(s) backed by these pods: {', '.join(services)}"),
        message_zh=f"NetworkPolicy {ns}/{name} 选中了 Service {', '.join(services)} 背后的 Pod，并且{how_zh}："
        "客户端访问超时。",
        targets={"namespace": ns or "default", "service": services[0], "pod": name_of(pods[0])},
        related=(*(ObjectRef("Service", ns, s) for s in services), *(ObjectRef("Pod", ns, name_of(p))
                                                                    for p in pods[:MAX_SHOWN])),
        fix=f"Add an ingress rule admitting the real clients (their labels / namespace) to NetworkPolicy {name}, "
            f"or correct its peer selector: `kubectl edit networkpolicy {name} -n {ns}`",
        fix_zh=f"在 NetworkPolicy {name} 中添加允许真实客户端（其标签/命名空间）的 ingress 规则，或修正其选择器："
               f"`kubectl edit networkpolicy {name} -n {ns}`",
    )


def _allows_dns(rules: list[Obj]) -> bool:
    for rule in rules:
        ports = rule.get("ports") or []
        if not ports or any(str(p.get("port")) in ("53", "dns", "dns-tcp") for p in ports):
            return True
    return False


def _egress(policy: Obj, pods: list[Obj], selector: dict[str, str]) -> Finding:
    ns, name = namespace_of(policy), name_of(policy)
    return Finding(
        NAME, "warning", ObjectRef("NetworkPolicy", ns, name), "EgressBlocksDNS",
        f"NetworkPolicy {ns}/{name} restricts egress of {len(pods)} pod(s) ({_selector(selector)}) without allowing "
        "DNS (port 53): name lookups from them time out.",
        (f"spec.podSelector={_selector(selector)}", "spec.policyTypes includes Egress; no egress rule allows port 53"),
        message_zh=f"NetworkPolicy {ns}/{name} 限制了 {len(pods)} 个 Pod 的出站流量但没有放行 DNS（53 端口）："
        "域名解析会超时。",
        targets={"namespace": ns or "default", "pod": name_of(pods[0])},
        related=tuple(ObjectRef("Pod", ns, name_of(p)) for p in pods[:MAX_SHOWN]),
        fix=f"Add an egress rule to UDP/TCP 53 (kube-dns) to NetworkPolicy {name}.",
        fix_zh=f"在 NetworkPolicy {name} 中添加放行 UDP/TCP 53（kube-dns）的 egress 规则。",
    )
