"""Service port mapping: each port's targetPort (a number or a named port) against the ports the selected
pods' containers declare."""

from __future__ import annotations

from app.analyzers.common import labels_of, selects
from app.analyzers.model import Finding, ObjectRef, ReasonSpec, reasons
from app.analyzers.view import ClusterView, Obj, name_of, namespace_of

NAME = "ports"
REASONS: dict[str, ReasonSpec] = reasons(0, ("network",), "TargetPortMismatch")


class ServicePortsAnalyzer:
    name = NAME
    kinds = frozenset({"services", "pods", "endpoints"})
    reasons = REASONS
    problem_types = ("network", "port_conflict")

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings = []
        for svc in view.items("services"):
            spec = svc.get("spec") or {}
            selector = {str(k): str(v) for k, v in (spec.get("selector") or {}).items()}
            if not selector:
                continue
            pods = [p for p in view.pods_in(namespace_of(svc)) if selects(selector, labels_of(p))]
            if not pods:
                continue
            declared = _declared(pods[0])
            for port in spec.get("ports") or []:
                problem = _mismatch(port, declared)
                if problem is not None:
                    findings.append(_finding(svc, port, pods, declared, *problem))
        return findings


def _declared(pod: Obj) -> list[tuple[str, str, int]]:
    """(container, port name, number) for every declared container port."""
    return [(str(c.get("name")), str(p.get("name") or ""), int(p.get("containerPort") or 0))
            for c in (pod.get("spec") or {}).get("containers") or [] for p in c.get("ports") or []]


def _mismatch(port: Obj, declared: list[tuple[str, str, int]]) -> tuple[str, str] | None:
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, str) and not target.isdigit():
        if any(name == target for _, name, _ in declared):
            return None
        return (f"targetPort {target} is a port name no container declares",
                f"targetPort {target} 是一个没有任何容器声明的端口名")
    number = int(target or 0)
    if not declared or any(n == number for _, _, n in declared):
        return None  # containers need not declare ports: only a declared set that misses it is a mismatch
    return (f"targetPort {number} is not among the containers' ports", f"targetPort {number} 不在容器声明的端口中")


def _finding(svc: Obj, port: Obj, pods: list[Obj], declared: list[tuple[str, str, int]], en: str, zh: str
             ) -> Finding:
    ns, name = namespace_of(svc), name_of(svc)
    ports = ", ".join(f"{c}:{n}" + (f" ({pn})" if pn else "") for c, pn, n in declared)
    first = declared[0][2]
    patch = ('{"spec":{"ports":[{"port":' + str(port.get("port")) + ',"targetPort":' + str(first) + "}]}}")
    return Finding(
        NAME, "critical", ObjectRef("Service", ns, name), "TargetPortMismatch",
        f"Service {ns}/{name} port {port.get('port')} sends traffic nowhere: {en} ({ports}).",
        (f"spec.ports[port={port.get('port')}].targetPort={port.get('targetPort', port.get('port'))}",
         f"containers of pod {name_of(pods[0])} declare: {ports}"),
        message_zh=f"Service {ns}/{name} 的端口 {port.get('port')} 无法转发流量：{zh}（{ports}）。",
        targets={"namespace": ns or "default", "service": name, "pod": name_of(pods[0])},
        related=tuple(ObjectRef("Pod", ns, name_of(p)) for p in pods[:3]),
        fix=f"Point targetPort at the port the app listens on ({first}, declared by container {declared[0][0]}): "
            f"`kubectl patch service {name} -n {ns} -p '{patch}'`",
        fix_zh=f"把 targetPort 改成应用实际监听的端口（{first}，由容器 {declared[0][0]} 声明）："
               f"`kubectl patch service {name} -n {ns} -p '{patch}'`",
    )
