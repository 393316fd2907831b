"""Pod Security Standards, control by control, evaluated on a workload's pod template.

Implemented from the upstream definitions (Kubernetes v1.32 page), which list for each control the
restricted fields and the allowed values:
    https://kubernetes.io/docs/concepts/security/pod-security-standards/
Each control below cites the section it implements ("Baseline › Host Namespaces"...). As with the
PodSecurity admission controller, a pod meets a level only if every container (init, regular and
ephemeral) does; Windows pods are exempt from the restricted controls the page exempts them from
(privilege escalation, seccomp, capabilities).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from app.security.model import PSS_URL, Evidence, Rule, Severity, Workload, show
from app.security.workloads import containers

Level = Literal["privileged", "baseline", "restricted"]
Violation = tuple[Evidence, str | None, str]  # evidence, container, fix (a patch)

# Baseline › Capabilities: "Adding additional capabilities beyond those listed below must be disallowed."
BASELINE_CAPABILITIES = frozenset({"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                                   "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"})
# Baseline › SELinux: allowed `seLinuxOptions.type` values (container_engine_t since v1.31).
SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})
# Baseline › Sysctls: the "safe" subset.
SAFE_SYSCTLS = frozenset({
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
})
# Restricted › Volume Types: "In addition to restricting HostPath volumes, the restricted policy limits
# usage of non-core volume types to those defined through PersistentVolumes."
RESTRICTED_VOLUMES = frozenset({"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                                "projected", "secret"})
_APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


@dataclass(frozen=True)
class Control:
    rule: Rule
    level: Literal["baseline", "restricted"]
    check: Callable[[Workload], list[Violation]]


def _rule(rid: str, title: str, severity: Severity, section: str, why: str) -> Rule:
    return Rule(rid, title, severity, "pod-security", why, f"{PSS_URL}#{section}")


def _sc(obj: dict[str, Any]) -> dict[str, Any]:
    value = obj.get("securityContext")
    return value if isinstance(value, dict) else {}


def _path(w: Workload, list_name: str, index: int, tail: str) -> str:
    return f"{w.spec_path}.{list_name}[{index}].{tail}"


def _windows(w: Workload) -> bool:
    return str((w.pod_spec.get("os") or {}).get("name", "")).lower() == "windows"


# -- Baseline ---------------------------------------------------------------------------------------------
def _host_process(w: Workload) -> list[Violation]:
    """Baseline › HostProcess: windowsOptions.hostProcess must be unset or false (pod and containers)."""
    out: list[Violation] = []
    if (_sc(w.pod_spec).get("windowsOptions") or {}).get("hostProcess"):
        out.append((Evidence(f"{w.spec_path}.securityContext.windowsOptions.hostProcess", "true"), None,
                    w.patch({"securityContext": {"windowsOptions": {"hostProcess": False}}})))
    for list_name, i, c in containers(w.pod_spec):
        if (_sc(c).get("windowsOptions") or {}).get("hostProcess"):
            out.append((Evidence(_path(w, list_name, i, "securityContext.windowsOptions.hostProcess"), "true"),
                        c.get("name"), w.container_patch(str(c.get("name")), {
                            "securityContext": {"windowsOptions": {"hostProcess": False}}}, list_name)))
    return out


def _host_namespaces(w: Workload) -> list[Violation]:
    """Baseline › Host Namespaces: spec.hostNetwork, spec.hostPID, spec.hostIPC must be unset or false."""
    shared = [f for f in ("hostNetwork", "hostPID", "hostIPC") if w.pod_spec.get(f) is True]
    if not shared:
        return []
    fix = w.patch(dict.fromkeys(shared, False))
    return [(Evidence(f"{w.spec_path}.{f}", "true"), None, fix) for f in shared]


def _privileged(w: Workload) -> list[Violation]:
    """Baseline › Privileged Containers: securityContext.privileged must be unset or false."""
    return [(Evidence(_path(w, ln, i, "securityContext.privileged"), "true"), c.get("name"),
             w.container_patch(str(c.get("name")), {"securityContext": {"privileged": False}}, ln))
            for ln, i, c in containers(w.pod_spec) if _sc(c).get("privileged") is True]


def _baseline_capabilities(w: Workload) -> list[Violation]:
    """Baseline › Capabilities: capabilities.add only from the allowed list."""
    out: list[Violation] = []
    for ln, i, c in containers(w.pod_spec):
        added = [str(a) for a in (_sc(c).get("capabilities") or {}).get("add") or []]
        extra = [a for a in added if a.upper().removeprefix("CAP_") not in BASELINE_CAPABILITIES]
        if extra:
            kept = [a for a in added if a not in extra]
            out.append((Evidence(_path(w, ln, i, "securityContext.capabilities.add"), show(added)), c.get("name"),
                        w.container_patch(str(c.get("name")), {"securityContext": {"capabilities": {
                            "add": kept or None, "drop": ["ALL"]}}}, ln)))
    return out


def _host_path(w: Workload) -> list[Violation]:
    """Baseline › HostPath Volumes: spec.volumes[*].hostPath must be undefined."""
    return [(Evidence(f"{w.spec_path}.volumes[{i}].hostPath", show(v["hostPath"])), None,
             w.patch({"volumes": [{"name": v.get("name"), "hostPath": None, "emptyDir": {}}]}))
            for i, v in enumerate(w.pod_spec.get("volumes") or []) if isinstance(v, dict) and v.get("hostPath")]


def _host_ports(w: Workload) -> list[Violation]:
    """Baseline › Host Ports: ports[*].hostPort must be undefined or 0."""
    out: list[Violation] = []
    for ln, i, c in containers(w.pod_spec):
        for j, port in enumerate(c.get("ports") or []):
            if isinstance(port, dict) and port.get("hostPort"):
                out.append((Evidence(_path(w, ln, i, f"ports[{j}].hostPort"), show(port["hostPort"])), c.get("name"),
                            w.container_patch(str(c.get("name")), {"ports": [
                                {"containerPort": port.get("containerPort"), "hostPort": None}]}, ln)))
    return out


def _apparmor(w: Workload) -> list[Violation]:
    """Baseline › AppArmor: appArmorProfile.type unset, RuntimeDefault or Localhost; the beta annotation
    `container.apparmor.security.beta.kubernetes.io/*` unset, runtime/default or localhost/*."""
    out: list[Violation] = []
    fix = w.patch({"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}})
    pod_type = (_sc(w.pod_spec).get("appArmorProfile") or {}).get("type")
    if pod_type not in (None, "", "RuntimeDefault", "Localhost"):
        out.append((Evidence(f"{w.spec_path}.securityContext.appArmorProfile.type", show(pod_type)), None, fix))
    for ln, i, c in containers(w.pod_spec):
        kind = (_sc(c).get("appArmorProfile") or {}).get("type")
        if kind not in (None, "", "RuntimeDefault", "Localhost"):
            out.append((Evidence(_path(w, ln, i, "securityContext.appArmorProfile.type"), show(kind)), c.get("name"),
                        fix))
    prefix = w.spec_path.rsplit(".", 1)[0] + ".metadata" if w.spec_path != "spec" else "metadata"
    for key, value in (w.pod_meta.get("annotations") or {}).items():
        if key.startswith(_APPARMOR_ANNOTATION) and not (value == "runtime/default" or
                                                         str(value).startswith("localhost/")):
            out.append((Evidence(f"{prefix}.annotations[{key}]", show(value)), key.removeprefix(_APPARMOR_ANNOTATION),
                        fix))
    return out


def _selinux(w: Workload) -> list[Violation]:
    """Baseline › SELinux: seLinuxOptions.type from the allowed list; .user and .role unset."""
    out: list[Violation] = []
    fix_options = {"type": "container_t", "user": None, "role": None}
    places: list[tuple[str, dict[str, Any], str | None, str | None]] = [
        (f"{w.spec_path}.securityContext.seLinuxOptions", _sc(w.pod_spec).get("seLinuxOptions") or {}, None, None)]
    places += [(_path(w, ln, i, "securityContext.seLinuxOptions"), _sc(c).get("seLinuxOptions") or {},
                str(c.get("name")), ln) for ln, i, c in containers(w.pod_spec)]
    for path, options, container, ln in places:
        bad = ([("type", options["type"])] if str(options.get("type", "")) not in SELINUX_TYPES else [])
        bad += [(f, options[f]) for f in ("user", "role") if options.get(f)]
        if not bad:
            continue
        fix = (w.patch({"securityContext": {"seLinuxOptions": fix_options}}) if container is None else
               w.container_patch(container, {"securityContext": {"seLinuxOptions": fix_options}}, ln or "containers"))
        out += [(Evidence(f"{path}.{f}", show(v)), container, fix) for f, v in bad]
    return out


def _proc_mount(w: Workload) -> list[Violation]:
    """Baseline › /proc Mount Type: securityContext.procMount unset or Default."""
    return [(Evidence(_path(w, ln, i, "securityContext.procMount"), show(_sc(c)["procMount"])), c.get("name"),
             w.container_patch(str(c.get("name")), {"securityContext": {"procMount": "Default"}}, ln))
            for ln, i, c in containers(w.pod_spec) if _sc(c).get("procMount") not in (None, "", "Default")]


def _seccomp_baseline(w: Workload) -> list[Violation]:
    """Baseline › Seccomp: seccompProfile.type must not be Unconfined (pod or container)."""
    fix = w.patch({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}})
    out: list[Violation] = []
    if (_sc(w.pod_spec).get("seccompProfile") or {}).get("type") == "Unconfined":
        out.append((Evidence(f"{w.spec_path}.securityContext.seccompProfile.type", "Unconfined"), None, fix))
    out += [(Evidence(_path(w, ln, i, "securityContext.seccompProfile.type"), "Unconfined"), c.get("name"),
             w.container_patch(str(c.get("name")), {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}},
                               ln))
            for ln, i, c in containers(w.pod_spec) if (_sc(c).get("seccompProfile") or {}).get("type") == "Unconfined"]
    return out


def _sysctls(w: Workload) -> list[Violation]:
    """Baseline › Sysctls: spec.securityContext.sysctls[*].name only from the safe subset."""
    sysctls = [s for s in _sc(w.pod_spec).get("sysctls") or [] if isinstance(s, dict)]
    unsafe = [(i, s) for i, s in enumerate(sysctls) if s.get("name") not in SAFE_SYSCTLS]
    if not unsafe:
        return []
    kept = [s for s in sysctls if s.get("name") in SAFE_SYSCTLS]
    fix = w.patch({"securityContext": {"sysctls": kept or None}})
    return [(Evidence(f"{w.spec_path}.securityContext.sysctls[{i}].name", show(s.get("name"))), None, fix)
            for i, s in unsafe]


# -- Restricted -------------------------------------------------------------------------------------------
def _volume_types(w: Workload) -> list[Violation]:
    """Restricted › Volume Types: only configMap, csi, downwardAPI, emptyDir, ephemeral,
    persistentVolumeClaim, projected, secret. (hostPath is reported by the baseline control.)"""
    out: list[Violation] = []
    for i, volume in enumerate(w.pod_spec.get("volumes") or []):
        if not isinstance(volume, dict):
            continue
        kinds = [k for k in volume if k != "name" and k not in RESTRICTED_VOLUMES and k != "hostPath"]
        out += [(Evidence(f"{w.spec_path}.volumes[{i}].{k}", show(volume[k])), None,
                 w.patch({"volumes": [{"name": volume.get("name"), k: None,
                                       "persistentVolumeClaim": {"claimName": str(volume.get("name"))}}]}))
                for k in kinds]
    return out


def _privilege_escalation(w: Workload) -> list[Violation]:
    """Restricted › Privilege Escalation: allowPrivilegeEscalation must be false (Windows pods exempt)."""
    if _windows(w):
        return []
    return [(Evidence(_path(w, ln, i, "securityContext.allowPrivilegeEscalation"),
                      show(_sc(c).get("allowPrivilegeEscalation"))), c.get("name"),
             w.container_patch(str(c.get("name")), {"securityContext": {"allowPrivilegeEscalation": False}}, ln))
            for ln, i, c in containers(w.pod_spec) if _sc(c).get("allowPrivilegeEscalation") is not False]


def _run_as_non_root(w: Workload) -> list[Violation]:
    """Restricted › Running as Non-root: runAsNonRoot true on the pod, or on every container; a container
    may leave it unset only when the pod sets it."""
    pod_level = _sc(w.pod_spec).get("runAsNonRoot")
    out: list[Violation] = []
    fix = w.patch({"securityContext": {"runAsNonRoot": True, "runAsUser": 10001}})
    for ln, i, c in containers(w.pod_spec):
        value = _sc(c).get("runAsNonRoot")
        if value is False or (value is None and pod_level is not True):
            shown = f"{show(value)} (pod securityContext.runAsNonRoot: {show(pod_level)})"
            out.append((Evidence(_path(w, ln, i, "securityContext.runAsNonRoot"), shown), c.get("name"), fix))
    return out


def _run_as_user(w: Workload) -> list[Violation]:
    """Restricted › Running as Non-root user: runAsUser must not be 0 (pod or container)."""
    out: list[Violation] = []
    if _sc(w.pod_spec).get("runAsUser") == 0:
        out.append((Evidence(f"{w.spec_path}.securityContext.runAsUser", "0"), None,
                    w.patch({"securityContext": {"runAsUser": 10001, "runAsNonRoot": True}})))
    out += [(Evidence(_path(w, ln, i, "securityContext.runAsUser"), "0"), c.get("name"),
             w.container_patch(str(c.get("name")), {"securityContext": {"runAsUser": 10001}}, ln))
            for ln, i, c in containers(w.pod_spec) if _sc(c).get("runAsUser") == 0]
    return out


def _seccomp_restricted(w: Workload) -> list[Violation]:
    """Restricted › Seccomp: seccompProfile.type RuntimeDefault or Localhost on the pod, or on every
    container (Windows pods exempt). Unconfined is reported by the baseline control."""
    if _windows(w):
        return []
    pod_type = (_sc(w.pod_spec).get("seccompProfile") or {}).get("type")
    fix = w.patch({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}})
    out: list[Violation] = []
    for ln, i, c in containers(w.pod_spec):
        kind = (_sc(c).get("seccompProfile") or {}).get("type")
        if kind is None and pod_type not in ("RuntimeDefault", "Localhost", "Unconfined"):
            out.append((Evidence(_path(w, ln, i, "securityContext.seccompProfile.type"), show(kind)), c.get("name"),
                        fix))
    return out


def _restricted_capabilities(w: Workload) -> list[Violation]:
    """Restricted › Capabilities: drop must include ALL; add may only contain NET_BIND_SERVICE (Windows
    pods exempt). Capabilities the baseline forbids are reported by the baseline control."""
    if _windows(w):
        return []
    out: list[Violation] = []
    for ln, i, c in containers(w.pod_spec):
        caps = _sc(c).get("capabilities") or {}
        dropped = [str(d).upper() for d in caps.get("drop") or []]
        added = [str(a).upper().removeprefix("CAP_") for a in caps.get("add") or []]
        fix = w.container_patch(str(c.get("name")), {"securityContext": {"capabilities": {
            "drop": ["ALL"], **({"add": ["NET_BIND_SERVICE"]} if "NET_BIND_SERVICE" in added else {})}}}, ln)
        if "ALL" not in dropped:
            out.append((Evidence(_path(w, ln, i, "securityContext.capabilities.drop"), show(caps.get("drop"))),
                        c.get("name"), fix))
        extra = [a for a in added if a != "NET_BIND_SERVICE" and a in BASELINE_CAPABILITIES]
        if extra:
            out.append((Evidence(_path(w, ln, i, "securityContext.capabilities.add"), show(caps.get("add"))),
                        c.get("name"), fix))
    return out


CONTROLS: tuple[Control, ...] = (
    Control(_rule("pss-baseline/host-process", "HostProcess containers", "critical", "baseline",
                  "A Windows HostProcess container has privileged access to the node."), "baseline", _host_process),
    Control(_rule("pss-baseline/host-namespaces", "Host namespaces shared", "high", "baseline",
                  "Sharing the node's network, PID or IPC namespace lets the pod see and reach every process and "
                  "socket on the node."), "baseline", _host_namespaces),
    Control(_rule("pss-baseline/privileged", "Privileged container", "critical", "baseline",
                  "A privileged container disables most isolation: it is root on the node."), "baseline", _privileged),
    Control(_rule("pss-baseline/capabilities", "Capabilities beyond the baseline set", "high", "baseline",
                  "Capabilities such as SYS_ADMIN or NET_ADMIN are known container-escape paths."), "baseline",
            _baseline_capabilities),
    Control(_rule("pss-baseline/host-path", "HostPath volume", "high", "baseline",
                  "A hostPath volume exposes the node's filesystem; a writable one is a node compromise."),
            "baseline", _host_path),
    Control(_rule("pss-baseline/host-ports", "Host port", "medium", "baseline",
                  "A hostPort binds the node's network interface, bypassing Services and NetworkPolicies."),
            "baseline", _host_ports),
    Control(_rule("pss-baseline/apparmor", "AppArmor profile overridden", "medium", "baseline",
                  "An unconfined AppArmor profile removes a mandatory-access-control layer."), "baseline", _apparmor),
    Control(_rule("pss-baseline/selinux", "Custom SELinux options", "high", "baseline",
                  "Setting a custom SELinux user, role or type can escape the container's confinement."),
            "baseline", _selinux),
    Control(_rule("pss-baseline/proc-mount", "Unmasked /proc", "high", "baseline",
                  "An unmasked /proc exposes kernel interfaces the runtime normally hides."), "baseline", _proc_mount),
    Control(_rule("pss-baseline/seccomp", "Seccomp Unconfined", "medium", "baseline",
                  "Without seccomp every syscall is reachable, including those behind past kernel exploits."),
            "baseline", _seccomp_baseline),
    Control(_rule("pss-baseline/sysctls", "Unsafe sysctls", "medium", "baseline",
                  "Sysctls outside the safe set can affect the whole node or disable security mechanisms."),
            "baseline", _sysctls),
    Control(_rule("pss-restricted/volume-types", "Volume type outside the restricted set", "low", "restricted",
                  "Non-core volume types (nfs, iscsi, ...) bypass the PersistentVolume admin's control."),
            "restricted", _volume_types),
    Control(_rule("pss-restricted/privilege-escalation", "Privilege escalation allowed", "medium", "restricted",
                  "Without allowPrivilegeEscalation: false a process can gain privileges via setuid binaries."),
            "restricted", _privilege_escalation),
    Control(_rule("pss-restricted/run-as-non-root", "May run as root", "medium", "restricted",
                  "A container running as root turns any container escape into root on the node."), "restricted",
            _run_as_non_root),
    Control(_rule("pss-restricted/run-as-user", "Runs as UID 0", "high", "restricted",
                  "runAsUser: 0 runs the container as root explicitly."), "restricted", _run_as_user),
    Control(_rule("pss-restricted/seccomp", "No seccomp profile", "low", "restricted",
                  "The RuntimeDefault seccomp profile blocks syscalls containers do not need."), "restricted",
            _seccomp_restricted),
    Control(_rule("pss-restricted/capabilities", "Capabilities not dropped", "low", "restricted",
                  "Containers keep the runtime's default capabilities unless they drop ALL."), "restricted",
            _restricted_capabilities),
)


def evaluate(w: Workload) -> tuple[Level, list[tuple[Control, Violation]]]:
    """The highest level the workload meets and every control it fails."""
    failed = [(control, v) for control in CONTROLS for v in control.check(w)]
    if any(control.level == "baseline" for control, _ in failed):
        return "privileged", failed
    return ("baseline" if failed else "restricted"), failed
