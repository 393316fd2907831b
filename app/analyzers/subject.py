"""What the question is about: the objects it names (found, or absent with the nearest real names), the
state it claims ("X is NotReady"), and the shape of answer it wants (one subject, a namespace, the cluster).

Names are matched against the real objects of the ClusterView: exactly, by a container name (→ its pod), by
`kind/name`, and — for tokens that look like object names — as absent objects with the closest real names.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

from app.analyzers.model import ObjectRef
from app.analyzers.view import ClusterView, Obj, controller_ref, meta, name_of, namespace_of

Scope = Literal["subject", "namespace", "cluster", "problem"]
TYPO = 0.75  # a plain word this close to a real name is that name misspelt ("ledgr" → ledger)
_TOKEN = re.compile(r"[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?")
# list kind in the view → Kind, words (en, zh) that name it
KIND_WORDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("pods", "Pod", ("pod", "pods", "容器组")),
    ("deployments", "Deployment", ("deployment", "deployments", "deploy", "部署", "应用")),
    ("statefulsets", "StatefulSet", ("statefulset", "sts", "有状态")),
    ("daemonsets", "DaemonSet", ("daemonset", "ds", "守护进程集")),
    ("jobs", "Job", ("job", "jobs", "任务", "作业")),
    ("cronjobs", "CronJob", ("cronjob", "cronjobs", "cron", "定时任务")),
    ("services", "Service", ("service", "svc", "services", "服务")),
    ("ingresses", "Ingress", ("ingress", "ing", "入口")),
    ("persistentvolumeclaims", "PersistentVolumeClaim", ("pvc", "claim", "volume", "persistentvolumeclaim",
                                                         "存储卷", "持久卷", "卷")),
    ("nodes", "Node", ("node", "nodes", "节点", "机器", "host")),
    ("horizontalpodautoscalers", "HorizontalPodAutoscaler", ("hpa", "autoscaler", "自动扩缩", "扩缩容")),
    ("helmreleases", "HelmRelease", ("release", "chart", "helm", "发布")),
)
KIND_BY_WORD = {word: kind for _, kind, words in KIND_WORDS for word in words}
LIST_OF = {kind: lst for lst, kind, _ in KIND_WORDS}
# Tokens that are words of the question, never object names, even hyphenated.
_VOCAB_TEXT = (
    "a an the is are was were be been it its this that what why how when where who which my our your "
    "their his her not no yes ok okay fine good bad all any some every each of to in on at for from with "
    "by and or but if then so can cannot can't does doesn't do did has have had will would should could "
    "keep keeps kept still again just crash crashing crashed crashes restart restarts restarting "
    "restarted pending stuck running fail fails failing failed failure error errors wrong broken down up "
    "slow healthy health status check cluster namespace namespaces kubernetes k8s default pod pods node "
    "nodes service services deployment deployments job jobs cronjob release image images pull pulling "
    "disk full memory cpu oom oomkilled notready ready not-ready crashloopbackoff read-only out-of-memory "
    "non-zero built-in real-time up-to-date k8s-app kube-system kube-public kube-node-lease new old main same "
    "other first last whole entire single both few many more most several every which whose these those "
    "failed failing broken unhealthy healthy pending running crashing evicted stuck dead slow hung "
    "production staging prod dev test internal external public private local remote another certain "
    "some no any all each given affected problematic faulty bad good through via behind into onto over under "
    "across between after before without within about using like than since until while where there here "
    "whole whats what's why's hows"
)
_VOCAB = frozenset(_VOCAB_TEXT.split(" "))
_CLAIMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("not_ready", re.compile(r"not[ -]?ready|notready|\bis down\b|\bwent down\b|unreachable|offline|"
                             r"未就绪|不可用|宕机|挂了|离线|失联", re.I)),
    ("disk", re.compile(r"disk[- ]?(is )?full|diskpressure|disk pressure|no space|磁盘.{0,3}(满|压力|不足)|空间不足",
                        re.I)),
    ("memory", re.compile(r"\boom|out of memory|memory pressure|内存(不足|压力|溢出)", re.I)),
    ("crashing", re.compile(r"crash|restart|crashloop|崩溃|重启", re.I)),
    ("pending", re.compile(r"pending|not (being )?scheduled|unschedul|挂起|无法调度|调度不上", re.I)),
    ("failing", re.compile(r"\bfail|失败|出错|报错", re.I)),
)


@dataclass(frozen=True)
class Absent:
    """A name the question gives that no object has."""

    name: str
    kind: str | None  # the kind the question implies, when it does
    nearest: tuple[ObjectRef, ...]


@dataclass(frozen=True)
class Resolution:
    found: tuple[ObjectRef, ...]
    absent: tuple[Absent, ...]
    claims: tuple[str, ...]
    namespace: str | None
    scope: Scope

    @property
    def subject(self) -> ObjectRef | None:
        return self.found[0] if self.found else None


def _positions(question: str) -> list[tuple[str, int, int]]:
    text = question.lower()
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _kind_hint(question: str, start: int, end: int) -> str | None:
    """The kind named right before or after a token ("pod X", "X pod", "节点 X", "deploy/X")."""
    text = question.lower()
    before = text[:start].rstrip()
    if before.endswith("/"):
        word = re.findall(r"[a-z]+$", before[:-1])
        return KIND_BY_WORD.get(word[0]) if word else None
    words = re.findall(r"([a-z]+|[\u3400-\u9fff]+)\s*$", before)
    if words:
        for size in (4, 3, 2):  # a zh run ends with the kind word: "节点" in "看看节点"
            tail = words[0][-size:]
            if tail in KIND_BY_WORD:
                return KIND_BY_WORD[tail]
        if words[0] in KIND_BY_WORD:
            return KIND_BY_WORD[words[0]]
    after = re.match(r"\s*(?:的|'s)?\s*([a-z]+|[\u3400-\u9fff]{2,4})", text[end:])
    if after:
        following = after.group(1)
        for size in (4, 3, 2):
            if following[:size] in KIND_BY_WORD and not following.isascii():
                return KIND_BY_WORD[following[:size]]
        if following in KIND_BY_WORD and following not in ("release",):
            return KIND_BY_WORD[following]
    return None


def _kind_word_follows(question: str, end: int) -> bool:
    """"checkout service", "checkout 服务": the token is the name the kind word qualifies."""
    after = re.match(r"\s*(?:的|'s)?\s*([a-z]+|[\u3400-\u9fff]{2,4})", question.lower()[end:])
    if not after:
        return False
    word = after.group(1)
    return word in KIND_BY_WORD or any(word[:n] in KIND_BY_WORD for n in (2, 3, 4) if not word.isascii())


def _in_path(question: str, start: int, end: int) -> bool:
    """Part of an image reference, URL or file path: not an object name."""
    text = question.lower()
    left = text[start - 1] if start > 0 else " "
    right = text[end] if end < len(text) else " "
    return right in ":@" or (left == "/" and not re.search(r"(?:^|\s)[a-z]+/$", text[:start])) or (
        right == "/" and text[:end].split()[-1] not in LIST_OF and "://" not in text[max(0, start - 8):start])


# Words that say the token next to them names something that is not a subject we resolve (a ConfigMap, a
# Secret, an image, a label...): such a token is never reported as an absent object.
_OTHER_THINGS_TEXT = (
    "configmap configmaps cm secret secrets image images tag label labels key keys env variable file path "
    "host hostname url registry port version annotation field flag 镜像 标签 配置 密钥 端口 变量"
)
_OTHER_THINGS = frozenset(_OTHER_THINGS_TEXT.split(" "))


def _names_something_else(question: str, start: int, end: int) -> bool:
    text = question.lower()
    before = re.findall(r"([a-z]+|[\u3400-\u9fff]{2})\s*$", text[:start])
    after = re.match(r"\s*([a-z]+|[\u3400-\u9fff]{2})", text[end:])
    return bool(before and before[0] in _OTHER_THINGS) or bool(after and after.group(1) in _OTHER_THINGS)


_ENGLISH_PREFIXES = ("re-", "pre-", "non-", "self-", "multi-", "co-", "anti-", "cross-", "out-", "over-", "under-",
                     "well-", "long-", "short-", "high-", "low-", "auto-", "sub-", "semi-", "post-", "de-", "un-",
                     "in-", "on-", "off-", "up-", "down-", "x-", "e-", "end-", "third-", "read-", "write-")


def _looks_like_a_name(token: str) -> bool:
    return ("-" in token and re.search(r"[a-z]", token) is not None and not re.fullmatch(r"[\d.-]+", token)
            and token not in _VOCAB and not token.startswith("-") and "." not in token)


def _names(view: ClusterView, kind: str) -> list[tuple[ObjectRef, Obj]]:
    out = []
    for obj in view.items(LIST_OF[kind]):
        name = release_name(obj) if kind == "HelmRelease" else name_of(obj)
        ns = None if kind == "Node" else namespace_of(obj)
        out.append((ObjectRef(kind, ns, name), obj))
    return out


def release_name(secret: Obj) -> str:
    return str((meta(secret).get("labels") or {}).get("name") or name_of(secret))


def _matches(view: ClusterView, token: str, hint: str | None, namespace: str | None) -> list[ObjectRef]:
    kinds = [hint] if hint else [k for _, k, _ in KIND_WORDS]
    found: list[ObjectRef] = []
    for kind in kinds:
        for ref, _ in _names(view, kind):
            if ref.name == token and (namespace is None or ref.namespace in (None, namespace)) and ref not in found:
                found.append(ref)
    if not found and hint == "Pod":  # "pod cart": a workload of that name
        return _matches(view, token, None, namespace)
    return found


def _says_namespace(question: str, start: int, end: int) -> bool:
    text = question.lower()
    before = re.findall(r"([a-z]+|[\u3400-\u9fff]+)[\s:=/-]*$", text[:start])
    after = re.match(r"\s*([a-z]+|[\u3400-\u9fff]{2,4})", text[end:])
    return bool(before and (before[0] in ("in", "namespace", "ns", "n") or before[0].endswith("命名空间"))) or bool(
        after and (after.group(1) in ("namespace", "ns") or after.group(1).startswith(("命名空间", "名称空间"))))


def _prefix_matches(view: ClusterView, token: str, kind: str, namespace: str | None) -> list[ObjectRef]:
    """Objects of the hinted kind whose name starts with the token and a dash; only when they are few."""
    if len(token) < 4 or token in _VOCAB:
        return []
    kinds = [kind, "CronJob"] if kind == "Job" else [kind]
    found = [ref for k in kinds for ref, _ in _names(view, k) if ref.name.startswith(token + "-")
             and (namespace is None or ref.namespace in (None, namespace))]
    found.sort(key=lambda r: (r.kind != "CronJob", len(r.name)))
    return found[:1] if len(found) <= 3 else []


def _container_owner(view: ClusterView, token: str, namespace: str | None) -> list[ObjectRef]:
    """A container name → the workload (or pod) that runs it."""
    out: list[ObjectRef] = []
    for pod in view.items("pods"):
        if namespace and namespace_of(pod) != namespace:
            continue
        names = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
        if token in names:
            owner = view.workload_of(pod)
            ref = owner if owner is not None and owner.kind in ("Deployment", "StatefulSet", "DaemonSet") else \
                ObjectRef("Pod", namespace_of(pod), name_of(pod))
            if ref not in out:
                out.append(ref)
    return out


def nearest(view: ClusterView, token: str, kind: str | None, namespace: str | None, limit: int = 3
            ) -> tuple[ObjectRef, ...]:
    candidates = [ref for k in ([kind] if kind else [k for _, k, _ in KIND_WORDS if k != "HelmRelease"])
                  for ref, _ in _names(view, k) if namespace is None or ref.namespace in (None, namespace)]
    if kind == "Pod":  # a pod name is <workload>-<hash>-<id>: its workload is a near name too
        candidates += [ref for k in ("Deployment", "StatefulSet", "DaemonSet") for ref, _ in _names(view, k)]
    by_name: dict[str, list[ObjectRef]] = {}
    for ref in candidates:
        by_name.setdefault(ref.name, []).append(ref)
    scored = sorted(((_similarity(token, name), name) for name in by_name), reverse=True)
    out: list[ObjectRef] = []
    for score, name in scored:
        if score < 0.45 or len(out) >= limit:
            break
        out.append(by_name[name][0])
    return tuple(out)


def _similarity(token: str, name: str) -> float:
    ratio = difflib.SequenceMatcher(None, token, name).ratio()
    if token.startswith(name + "-") or name.startswith(token + "-"):
        ratio = max(ratio, 0.8)
    return ratio


def claims_of(question: str) -> tuple[str, ...]:
    return tuple(name for name, pattern in _CLAIMS if pattern.search(question))


def resolve(question: str, view: ClusterView, namespace: str | None, broad: bool) -> Resolution:
    """The objects the question names (found / absent), its claims and the answer's scope."""
    found: list[ObjectRef] = []
    absent: list[Absent] = []
    known_namespaces = set(view.namespaces)
    named_namespace = namespace
    for token, start, end in _positions(question):
        if _in_path(question, start, end):
            continue
        hint = _kind_hint(question, start, end)
        if hint is None and token.startswith(("node-", "pod-")):
            hint = "Node" if token.startswith("node-") else "Pod"
        if token in known_namespaces and _says_namespace(question, start, end):
            named_namespace = named_namespace or token  # "in shop", "shop namespace": the namespace, not Ingress shop
            continue
        refs = _matches(view, token, hint, namespace)
        if not refs and hint is not None:  # "the nightly job" → Job nightly-report-29916120
            refs = _prefix_matches(view, token, hint, namespace)
        if not refs and hint is None and token not in _VOCAB:
            refs = _container_owner(view, token, namespace)
        if refs:
            # Without a kind word, every object of that name in the first one's namespace is the subject
            # (Deployment, Service and HPA "checkout" together).
            same = [r for r in refs if r.namespace == refs[0].namespace] if hint is None else refs[:1]
            found += [r for r in same if r not in found]
            continue
        if token in known_namespaces and token not in ("default",):
            named_namespace = named_namespace or token
            continue
        if token in _VOCAB or token.isdigit() or len(token) < 3 or _names_something_else(question, start, end):
            continue
        if (hint is not None and hint != "HelmRelease" and re.search(r"[a-z]", token)) or _looks_like_a_name(token):
            near = nearest(view, token, hint, namespace)
            named_before = hint is not None and _kind_word_follows(question, end)
            if not _looks_like_a_name(token) and not named_before and \
                    not any(_similarity(token, r.name) >= TYPO for r in near):
                continue  # a plain word after a kind word ("service returns") unless it is a typo of a name
            if hint is None and (not near or token.startswith(_ENGLISH_PREFIXES)
                                 or not any(_similarity(token, r.name) >= 0.6 for r in near)):
                continue  # a hyphenated word ("re-use", "self-signed") or one close to nothing in the cluster
            kind = hint or (near[0].kind if near else None)
            if not any(a.name == token for a in absent):
                absent.append(Absent(token, kind, near))
    existing = {name_of(n) for n in view.items("namespaces")}
    if named_namespace and existing and named_namespace not in existing:
        near = tuple(ObjectRef("Namespace", None, n) for n in
                     difflib.get_close_matches(named_namespace, sorted(existing), n=3, cutoff=0.4))
        absent.append(Absent(named_namespace, "Namespace", near))
    if found or absent:
        scope: Scope = "subject"
    elif broad:
        scope = "namespace" if named_namespace else "cluster"
    else:
        scope = "problem"
    return Resolution(tuple(found), tuple(absent), claims_of(question), named_namespace, scope)


def members(view: ClusterView, ref: ObjectRef) -> set[ObjectRef]:
    """The subject and the objects that are part of it: a workload's ReplicaSets and pods, a Service's or an
    Ingress's pods, a PVC's pods, a CronJob's Jobs and their pods, a release's objects."""
    out = {ref}
    ns = ref.namespace
    if ref.kind in ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job"):
        for pod in view.pods_in(ns):
            owner = view.workload_of(pod)
            direct = controller_ref(pod) or {}
            if owner == ref or (ref.kind == "Job" and direct.get("name") == ref.name):
                out.add(ObjectRef("Pod", ns, name_of(pod)))
                if direct.get("kind") in ("ReplicaSet", "Job"):
                    out.add(ObjectRef(str(direct["kind"]), ns, str(direct.get("name"))))
        for lst, kind in (("replicasets", "ReplicaSet"), ("jobs", "Job")):
            for obj in view.items(lst):
                if namespace_of(obj) == ns and (controller_ref(obj) or {}).get("name") == ref.name:
                    out.add(ObjectRef(kind, ns, name_of(obj)))
        for hpa in view.items("horizontalpodautoscalers"):  # what scales it is part of it
            target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
            if namespace_of(hpa) == ns and target.get("kind") == ref.kind and target.get("name") == ref.name:
                out.add(ObjectRef("HorizontalPodAutoscaler", ns, name_of(hpa)))
    elif ref.kind == "Service":
        out |= _service_pods(view, ns, ref.name)
        out.add(ObjectRef("Endpoints", ns, ref.name))
    elif ref.kind == "Ingress":
        ingress = view.get("ingresses", ns, ref.name) or {}
        for service in _ingress_services(ingress):
            out.add(ObjectRef("Service", ns, service))
            out |= _service_pods(view, ns, service)
    elif ref.kind == "PersistentVolumeClaim":
        out |= {ObjectRef("Pod", ns, name_of(p)) for p in view.pods_in(ns)
                if any((v.get("persistentVolumeClaim") or {}).get("claimName") == ref.name
                       for v in (p.get("spec") or {}).get("volumes") or [])}
    elif ref.kind == "HorizontalPodAutoscaler":
        hpa = view.get("horizontalpodautoscalers", ns, ref.name) or {}
        target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if target.get("name"):
            out.add(ObjectRef(str(target.get("kind")), ns, str(target["name"])))
    elif ref.kind == "HelmRelease":
        for lst, kind in (("deployments", "Deployment"), ("statefulsets", "StatefulSet"), ("jobs", "Job"),
                          ("services", "Service"), ("pods", "Pod")):
            for obj in view.items(lst):
                labels = meta(obj).get("labels") or {}
                annotations = meta(obj).get("annotations") or {}
                if namespace_of(obj) == ns and (labels.get("app.kubernetes.io/instance") == ref.name
                                                or annotations.get("meta.helm.sh/release-name") == ref.name
                                                or labels.get("release") == ref.name):
                    out.add(ObjectRef(kind, ns, name_of(obj)))
    return out


def _service_pods(view: ClusterView, namespace: str | None, name: str) -> set[ObjectRef]:
    svc = view.get("services", namespace, name) or {}
    selector = (svc.get("spec") or {}).get("selector") or {}
    if not selector:
        return set()
    return {ObjectRef("Pod", namespace, name_of(p)) for p in view.pods_in(namespace)
            if all((meta(p).get("labels") or {}).get(k) == v for k, v in selector.items())}


def _ingress_services(ingress: Obj) -> list[str]:
    spec = ingress.get("spec") or {}
    out = []
    default = ((spec.get("defaultBackend") or {}).get("service") or {}).get("name")
    if default:
        out.append(str(default))
    for rule in spec.get("rules") or []:
        for path in (rule.get("http") or {}).get("paths") or []:
            name = ((path.get("backend") or {}).get("service") or {}).get("name")
            if name and name not in out:
                out.append(str(name))
    return out
