"""Ingresses: missing backend Service, IngressClass or TLS Secret (checked by name only), dead backends."""

from __future__ import annotations

from collections.abc import Iterator

from app.analyzers.model import Finding, ObjectRef, ReasonSpec, Severity, reasons
from app.analyzers.view import ClusterView, Obj, meta, name_of, namespace_of

NAME = "ingresses"
_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
_DEFAULT_CLASS = "ingressclass.kubernetes.io/is-default-class"
REASONS: dict[str, ReasonSpec] = {
    **reasons(1, ("network",), "MissingBackendService", "MissingIngressClass", "MissingTLSSecret"),
    **reasons(5, ("network",), "BackendNoEndpoints", symptom=True),
}


class IngressesAnalyzer:
    name = NAME
    kinds = frozenset({"ingresses", "ingressclasses", "services", "endpoints"})
    reasons = REASONS
    problem_types = ("network",)

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings: list[Finding] = []
        for ingress in view.items("ingresses"):
            findings += _class_problem(view, ingress)
            findings += _backend_problems(view, ingress)
            findings += _tls_problems(view, ingress)
        return findings


def _finding(ingress: Obj, severity: Severity, reason: str, en: str, zh: str, evidence: list[str],
             service: str | None = None, fix: str = "", fix_zh: str = "") -> Finding:
    ns, name = namespace_of(ingress), name_of(ingress)
    targets = {"namespace": ns or "default"}
    if service:
        targets["service"] = service
    related = (ObjectRef("Service", ns, service),) if service else ()
    return Finding(NAME, severity, ObjectRef("Ingress", ns, name), reason, en, tuple(evidence), message_zh=zh,
                   targets=targets, related=related, fix=fix, fix_zh=fix_zh)


def _class_problem(view: ClusterView, ingress: Obj) -> list[Finding]:
    if not view.has("ingressclasses"):
        return []
    ns, name = namespace_of(ingress), name_of(ingress)
    wanted = (ingress.get("spec") or {}).get("ingressClassName") or (meta(ingress).get("annotations") or {}).get(
        _CLASS_ANNOTATION)
    classes = {name_of(c): c for c in view.items("ingressclasses")}
    defaults = [n for n, c in classes.items() if (meta(c).get("annotations") or {}).get(_DEFAULT_CLASS) == "true"]
    if wanted is None:
        if defaults:
            return []
        return [_finding(ingress, "warning", "MissingIngressClass",
                         f"Ingress {ns}/{name} names no IngressClass and the cluster has no default class.",
                         f"Ingress {ns}/{name} 未指定 IngressClass，集群也没有默认的 IngressClass。",
                         ["spec.ingressClassName=<unset>", f"ingressclasses: {', '.join(sorted(classes)) or 'none'}"],
                         fix="Set spec.ingressClassName to one of the installed classes.",
                         fix_zh="把 spec.ingressClassName 设为已安装的某个 IngressClass。")]
    if wanted in classes:
        return []
    return [_finding(ingress, "critical", "MissingIngressClass",
                     f"Ingress {ns}/{name} uses IngressClass {wanted}, which does not exist: no controller serves it.",
                     f"Ingress {ns}/{name} 使用的 IngressClass {wanted} 不存在：没有控制器处理它。",
                     [f"spec.ingressClassName={wanted}", f"ingressclasses: {', '.join(sorted(classes)) or 'none'}"],
                     fix="Set spec.ingressClassName to an installed class (or install its controller).",
                     fix_zh="把 spec.ingressClassName 改为已安装的 IngressClass（或安装对应的控制器）。")]


def _backends(ingress: Obj) -> Iterator[tuple[str, str, object]]:
    spec = ingress.get("spec") or {}
    default = (spec.get("defaultBackend") or {}).get("service")
    if default:
        yield "defaultBackend", str(default.get("name")), (default.get("port") or {})
    for rule in spec.get("rules") or []:
        for path in (rule.get("http") or {}).get("paths") or []:
            service = (path.get("backend") or {}).get("service")
            if service:
                where = f"{rule.get('host') or '*'}{path.get('path') or '/'}"
                yield where, str(service.get("name")), (service.get("port") or {})


def _backend_problems(view: ClusterView, ingress: Obj) -> list[Finding]:
    ns, name = namespace_of(ingress), name_of(ingress)
    out = []
    for where, service, port in _backends(ingress):
        svc = view.get("services", ns, service)
        if svc is None:
            if view.has("services"):
                out.append(_finding(
                    ingress, "critical", "MissingBackendService",
                    f"Ingress {ns}/{name} routes {where} to Service {service}, which does not exist.",
                    f"Ingress {ns}/{name} 把 {where} 路由到不存在的 Service {service}。",
                    [f"rule {where} → service {service} port {_port(port)}", f"service {ns}/{service}: not found"],
                    service, "Create the Service or point the rule at an existing one.",
                    "创建该 Service，或把规则指向已存在的 Service。"))
            continue
        endpoints = view.get("endpoints", ns, service)
        if endpoints is not None and not any(s.get("addresses") for s in endpoints.get("subsets") or []):
            selector = (svc.get("spec") or {}).get("selector")
            if selector:
                out.append(_finding(
                    ingress, "warning", "BackendNoEndpoints",
                    f"Ingress {ns}/{name} routes {where} to Service {service}, which has no ready endpoints "
                    "(clients get 502/503).",
                    f"Ingress {ns}/{name} 把 {where} 路由到没有就绪端点的 Service {service}（客户端会收到 502/503）。",
                    [f"rule {where} → service {service} port {_port(port)}",
                     f"service {ns}/{service}: 0 ready endpoints"],
                    service))
    return out


def _port(port: object) -> str:
    if isinstance(port, dict):
        return str(port.get("number") or port.get("name") or "?")
    return "?"


def _tls_problems(view: ClusterView, ingress: Obj) -> list[Finding]:
    ns, name = namespace_of(ingress), name_of(ingress)
    tls = [t for t in (ingress.get("spec") or {}).get("tls") or [] if t.get("secretName")]
    if not tls or ns is None:
        return []
    names = view.secret_names(ns)
    if names is None:  # Secret names cannot be listed (RBAC): skip rather than guess
        return []
    out = []
    for entry in tls:
        secret = str(entry["secretName"])
        if secret not in names:
            hosts = ", ".join(entry.get("hosts") or []) or "*"
            out.append(_finding(
                ingress, "critical", "MissingTLSSecret",
                f"Ingress {ns}/{name} serves TLS for {hosts} from Secret {secret}, which does not exist.",
                f"Ingress {ns}/{name} 为 {hosts} 提供 TLS 所用的 Secret {secret} 不存在。",
                [f"spec.tls[].secretName={secret}", f"secret {ns}/{secret}: not found (checked by name only)"],
                fix="Create the TLS Secret (e.g. via cert-manager) or fix spec.tls[].secretName.",
                fix_zh="创建该 TLS Secret（例如通过 cert-manager），或修正 spec.tls[].secretName。"))
    return out
