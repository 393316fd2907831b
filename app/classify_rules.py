"""Deterministic bilingual (Chinese / English) rules that map a question to a problem type.

Each problem type owns weighted regex patterns over a normalised question (NFKC, so full-width
characters become half-width; lowercased; whitespace collapsed). A pattern counts once; the weights of
the patterns that match are summed per type. Precedence rules then encode the label definitions where
the vocabularies of two types overlap (an OOMKilled pod also restarts, a pod waiting on an unbound PVC
is also Pending, ...). Confidence comes from the margin between the best and second-best score.

The vocabulary lives in `app.classify_vocab`; this module holds the precedence rules and the scoring.
Patterns are compiled with re.ASCII so that \\b and \\w only see ASCII: "pod被OOMKilled了" still has word
boundaries around the English tokens, which Unicode \\w (Chinese characters are word characters) hides.
"""

from __future__ import annotations

import math
import re
import unicodedata

from app.classify_vocab import RULES

GENERAL = "general"

# Tie-break order: the more specific failure types first, the broad ones last. A volume that will not
# attach is a more specific story than the container that therefore cannot start: storage before crash.
_ORDER: tuple[str, ...] = (
    "oom_killed",
    "disk_full",
    "port_conflict",
    "image_pull",
    "storage",
    "pod_crash",
    "helm_install",
    "pod_pending",
    "node_not_ready",
    "network",
    "security",
    "cluster_health",
    GENERAL,
)

_PATTERNS: dict[str, tuple[tuple[re.Pattern[str], float], ...]] = {
    label: tuple((re.compile(pattern, re.ASCII), weight) for weight, pattern in rules)
    for label, rules in RULES.items()
}


def _compile(*parts: str) -> re.Pattern[str]:
    return re.compile("".join(parts), re.ASCII)


# Evidence used by the precedence rules.
_MEMORY = _compile(
    r"oom|\b137\b|(?<!insufficient )\bmemory\b(?! address)|内存|\bleak|泄漏|泄露|溢出|\bheap\b"
)
_MEMORY_FAILURE = _compile(r"oom|\b137\b|leak|泄|pressure|压力|evict|驱逐|killed process|爆|溢出|heap")
_EVICTED = _compile(r"\bevict|驱逐")
_DISK = _compile(r"ephemeral|临时存储|\bdisk|磁盘|no space|filesystem|emptydir|空间|nodefs|imagefs|inode")
_DISK_CONDITION = _compile(r"disk ?-?pressure|no space left|ephemeral|nodefs|imagefs|inode")
_CPU = _compile(r"\bcpu|throttl")
# A disk that fills up, as opposed to a disk (volume) that will not attach or mount.
_DISK_FILLING = _compile(
    r"\bfull\b|fill|满|爆|space|空间|pressure|inode|evict|驱逐|\b(9\d|100) ?%|使用率|usage|占了|清理|clean"
)
_VOLUME = _compile(
    r"\bpvcs?\b|\bpvs?\b|persistentvolume|\bclaims?\b|\bvolumes?\b|卷|storage ?class|存储类",
    r"|\b(at|de)tach|\bmount|挂载|还挂在|挂在.{0,6}节点",
)
_SCHEDULING = _compile(
    r"insufficient|unschedulable|failed ?scheduling|taint|affinity|nodeselector|污点|亲和|调度(?!器)",
    r"|(?<!pvc )(?<!pv )\bpending\b|any( \w+)? node|任何.{0,3}节点|no nodes? (has|fit|match)",
    r"|nodes are available",
)
_NODE_DOWN = _compile(
    r"(节点|\bnodes?\b(?!-)|机器|服务器|虚拟机|\bhosts?\b|kubelet|containerd|\bdocker",
    r"|runtime|运行时).{0,8}(重启|reboot|restart|crash|崩|挂|\bdown\b|died|dead)",
)
# ...unless the container is what gets restarted ("kubelet restarts the container", "把容器杀掉重启").
_CONTAINER_RESTARTED = _compile(
    r"(restart|kill)(s|ed|ing)? (the |my |its |a |this )?(app |main )?containers?\b",
    r"|(把|将)容器.{0,8}(杀|重启|kill|restart)|(重启|杀掉?|kill)了?容器",
    r"|liveness|存活|probe|探针|健康检查",
)
# The kubelet event of a pull that worked ("Successfully pulled image", "already present on machine").
_PULL_SUCCEEDED = _compile(
    r"successfully pulled|pulled (fine|ok|successfully)|already present on machine|拉取成功|镜像拉下来了"
)
# Concept and lookup questions ("what is X", "list the pods"); "what is using port 80" is not one.
_CONCEPT = _compile(
    r"what(?: is|'s| are|s)\b(?! \w+ing\b)|what does|什么是|是什么|是啥|干嘛的|做什么的|有什么用",
    r"|用途|作用|原理|difference|区别|\bvs\.?\b|versus|explain|解释|介绍|how does\b|how do .{0,40}\bwork",
    r"|how many|多少|几个|几种|number of",
    r"|how (do|can) (i|we|you) (list|see|view|get|show|find|check)|怎么(查看|列|看)|如何查看",
    r"|(?<!manifest )\blist\b|\bshow( me)?\b|\bdescribe\b|列出|列一下|显示|(?<!, )\bwhich\b|哪个|哪些",
    r"|哪种|在哪|\bget (the |all )?(yaml|json|pods?|svc|services?|deploy\w*|nodes?|configmaps?|secrets?)",
)
# Words that say something is going wrong: a concept or lookup question containing one is a failure.
_TROUBLE = _compile(
    r"fail|error|\berr|crash|stuck|broken|can'?t|cannot|unable|won'?t|doesn'?t|keeps?|denied",
    r"|refused|time ?out|timed out|evict|kill|oom|pending|not ?ready|unknown|not healthy|unhealthy",
    r"|no space|in use|conflict|\bexit|\b137\b|\b50[234]\b|backoff|restart|\bpull|unschedul",
    r"|insufficient|pressure|no endpoints|\bfull\b|\bslow|not working|wrong|leak|is using",
    r"|listening on|exceed|low on|\bwhy\b|\bdown\b|unreachable|fill|no matching|not found|missing",
    r"|invalid|expired|mismatch|too many|exhaust|dropp|flap|degraded|no such|eating",
    r"|(holds?|holding|occup(y|ies|ying)|using|bound to) (the )?port",
    r"|initiali[sz]ed|=false|\bfalse\b|初始化",
    r"|失败|报错|错误|异常|不了|不上|不到|不通|挂(?!载)|崩|卡住|一直|老是|总是|超时|满了|冲突|占用|拒绝",
    r"|起不来|怎么办|咋办|排查|问题|重启|驱逐|不可用|不正常|原因|退出|压力|慢|泄|溢出|被占|超过",
    r"|超出|超了|不够|不足|为什么|为啥|咋回事|怎么回事|没有 ?endpoints|满|爆|找不到|不存在|不匹配",
    r"|失联|掉线|过期|被杀|干掉|用完|没有.{0,6}匹配",
)
# The question names security itself: an audit, not an outage or a generic health check.
_SECURITY = _compile(r"secur|安全|漏洞|\bcves?\b|\brbac\b|权限|complian|合规|privileged|特权|vulnerab")
# A definition question ("what is PSA?") stays general even when it names security terms.
_DEFINITION = _compile(r"what(?: is|'s| are| does)\b|什么是|是什么|是啥|explain|解释|介绍|difference|区别|\bvs\.?\b")
_WHITESPACE = re.compile(r"\s+")


def normalise(question: str) -> str:
    """NFKC (full-width → half-width), lowercase, collapse whitespace."""
    text = unicodedata.normalize("NFKC", question).lower()
    return _WHITESPACE.sub(" ", text).strip()


# Weight of an unambiguous error string or term of art (see app.classify_vocab).
_ERROR_STRING = 8.0


def _matched_weights(text: str) -> dict[str, list[float]]:
    return {
        label: [weight for pattern, weight in patterns if pattern.search(text)]
        for label, patterns in _PATTERNS.items()
    }


def _apply_precedence(text: str, scores: dict[str, float], error_string: bool) -> None:
    """Adjust the raw scores in place so that the label definitions win where vocabularies overlap.

    error_string: the question names an unambiguous error string of some failure type.
    """
    memory = bool(_MEMORY.search(text))
    scheduling = bool(_SCHEDULING.search(text))
    volume = bool(_VOLUME.search(text))
    # Memory is the stated cause: OOMKilled containers restart too, and that is still oom_killed.
    if memory and not scheduling:
        scores["pod_crash"] *= 0.3
        scores["oom_killed"] += 2
    # A scheduling failure (Pending, no node fits) that mentions memory is about requests, not usage.
    if memory and scheduling and not _MEMORY_FAILURE.search(text):
        scores["oom_killed"] *= 0.3
    # Evictions are attributed to the resource the kubelet ran out of.
    if _EVICTED.search(text):
        if _DISK.search(text):
            scores["disk_full"] += 4
        elif memory:
            scores["oom_killed"] += 4
    # Disk pressure on a node is disk_full, not a NotReady node nor a scheduling taint.
    if _DISK_CONDITION.search(text):
        scores["node_not_ready"] *= 0.5
        scores["pod_pending"] *= 0.5
    # A CPU usage figure ("CPU 使用率 95%") is not a full disk.
    if _CPU.search(text) and not _DISK.search(text):
        scores["disk_full"] *= 0.3
    if volume:
        # A pod Pending on an unbound claim or a volume is a storage problem.
        scores["pod_pending"] *= 0.3
        # A disk that will not attach or mount is a volume, not a full disk.
        if not _DISK_FILLING.search(text):
            scores["disk_full"] *= 0.3
    # An image that was pulled is evidence against a pull failure, whatever else the event log says.
    if _PULL_SUCCEEDED.search(text):
        scores["image_pull"] *= 0.3
    # A rebooted node or a crashed kubelet / runtime is node trouble, not a restarting container,
    # unless the container is what restarts (kubelet kills it on a failed liveness probe).
    if _NODE_DOWN.search(text) and not _CONTAINER_RESTARTED.search(text):
        scores["pod_crash"] *= 0.3
        scores["node_not_ready"] += 2
    # "What is X" / "list the pods" with no sign of a failure is a concept or lookup question; asking
    # what an error string means ("what is NXDOMAIN") is asking about that failure.
    # A security question that also reads as a health check ("安全巡检") is the security audit.
    if _SECURITY.search(text) and scores["security"] >= 5:
        scores["cluster_health"] *= 0.5
    # "Which pods run as root?" is an audit question, not a lookup: only definitions stay general.
    security_audit = scores["security"] >= 5 and not _DEFINITION.search(text)
    if (
        _CONCEPT.search(text)
        and not _TROUBLE.search(text)
        and not error_string
        and scores["cluster_health"] < 5
        and not security_audit
    ):
        scores[GENERAL] = max(scores.values()) + 3


def _confidence(best: float, second: float) -> float:
    """0.5-0.99: high when the winner is both clearly ahead and backed by strong evidence."""
    margin = (best - second) / best
    strength = 1.0 - math.exp(-best / 5.0)
    return round(min(0.99, 0.5 + 0.49 * margin * (0.4 + 0.6 * strength)), 2)


def score_question(question: str) -> tuple[str, float]:
    """Classify a Chinese or English question: (problem type, confidence in [0, 1])."""
    text = normalise(question)
    matched = _matched_weights(text)
    scores = {label: sum(weights) for label, weights in matched.items()}
    error_string = any(max(weights, default=0.0) >= _ERROR_STRING for weights in matched.values())
    _apply_precedence(text, scores, error_string)
    ranked = sorted(_ORDER, key=lambda label: (-scores[label], _ORDER.index(label)))
    best, second = ranked[0], ranked[1]
    if scores[best] <= 0:
        # Nothing matched: the fallback, with a confidence that says so (lower for very short input).
        return GENERAL, 0.3 if len(text) < 4 else 0.4
    return best, _confidence(scores[best], scores[second])
