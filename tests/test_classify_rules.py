"""The deterministic bilingual classifier: accuracy on the training split, and the definition edges."""

from __future__ import annotations

from collections import defaultdict

import pytest

from app.classify import PROBLEM_TYPES, RuleClassifier, load_examples
from app.classify_rules import score_question


def _accuracy_by(key: str) -> dict[str, float]:
    hits: dict[str, list[bool]] = defaultdict(list)
    for ex in load_examples("train"):
        hits[getattr(ex, key)].append(score_question(ex.question)[0] == ex.problem_type)
    return {k: sum(v) / len(v) for k, v in hits.items()}


def test_train_accuracy_overall() -> None:
    examples = load_examples("train")
    misses = [
        (ex.question, ex.problem_type, score_question(ex.question)[0])
        for ex in examples
        if score_question(ex.question)[0] != ex.problem_type
    ]
    accuracy = 1 - len(misses) / len(examples)
    assert accuracy >= 0.97, misses


def test_train_accuracy_per_type() -> None:
    per_type = _accuracy_by("problem_type")
    assert set(per_type) == set(PROBLEM_TYPES)
    assert all(acc >= 0.9 for acc in per_type.values()), per_type


def test_train_accuracy_per_language() -> None:
    per_lang = _accuracy_by("lang")
    assert set(per_lang) == {"en", "zh"}
    assert all(acc >= 0.95 for acc in per_lang.values()), per_lang


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Memory evidence beats crash evidence: OOMKilled pods restart too.
        ("pod keeps restarting, last state: OOMKilled", "oom_killed"),
        ("pod 一直重启，describe 看是 OOMKilled", "oom_killed"),
        ("container restarted with exit code 137", "oom_killed"),
        # Evictions go to the resource that ran out.
        ("Pod evicted: The node was low on resource: ephemeral-storage", "disk_full"),
        ("pod 被驱逐了，原因是 ephemeral-storage 超限", "disk_full"),
        ("pods evicted because the node is under memory pressure", "oom_killed"),
        ("节点内存压力大 pod 被驱逐", "oom_killed"),
        # A failing liveness probe is a crash unless memory is the stated cause.
        ("Liveness probe failed: HTTP probe failed with statuscode: 500", "pod_crash"),
        ("存活探针失败 容器被重启", "pod_crash"),
        ("panic: invalid memory address or nil pointer dereference, pod restarts", "pod_crash"),
        ("bind: address already in use", "port_conflict"),
        ("listen tcp :8080: bind: address already in use", "port_conflict"),
        ("0/3 nodes are available: 3 Insufficient cpu", "pod_pending"),
        ("0/4 nodes are available: 4 Insufficient memory", "pod_pending"),
        # Pending on an unbound claim is storage, not scheduling.
        ("pod pending because its PVC is unbound", "storage"),
        ("helm 装 prometheus 失败", "helm_install"),
        ("install kube-prometheus-stack for monitoring", "helm_install"),
        ("节点 NotReady 了", "node_not_ready"),
        ("kubelet stopped posting node status", "node_not_ready"),
        ("service has no endpoints", "network"),
        ("ingress 返回 503", "network"),
        ("pod 里域名解析失败", "network"),
        ("每日巡检", "cluster_health"),
        ("is everything ok in namespace prod", "cluster_health"),
        ("ImagePullBackOff", "image_pull"),
        ("磁盘满了", "disk_full"),
        ("什么是 DaemonSet", "general"),
        ("what is a PVC", "general"),
        ("deployment 和 statefulset 有啥区别", "general"),
        ("how do I list pods in namespace foo", "general"),
    ],
)
def test_definition_edges(question: str, expected: str) -> None:
    assert score_question(question)[0] == expected


@pytest.mark.parametrize("question", ["", "   ", "???", "asdf qwerty", "hello", "今天天气怎么样"])
def test_nonsense_falls_back_to_general_with_low_confidence(question: str) -> None:
    label, confidence = score_question(question)
    assert label == "general"
    assert confidence <= 0.5


def test_confident_on_a_clear_match() -> None:
    assert score_question("ErrImagePull: pull access denied")[1] >= 0.8


def test_full_width_input_is_normalised() -> None:
    assert score_question("ＯＯＭＫｉｌｌｅｄ　了")[0] == "oom_killed"
    assert score_question("ＣｒａｓｈＬｏｏｐＢａｃｋＯｆｆ")[0] == "pod_crash"


def test_labels_and_confidence_are_in_range() -> None:
    questions = [ex.question for ex in load_examples("train")] + ["", "x" * 5000, "🙂", "pending" * 50]
    for question in questions:
        label, confidence = score_question(question)
        assert label in PROBLEM_TYPES
        assert 0.0 <= confidence <= 1.0


def test_deterministic() -> None:
    questions = [ex.question for ex in load_examples("train")]
    assert [score_question(q) for q in questions] == [score_question(q) for q in questions]


def test_rule_classifier_uses_the_rules() -> None:
    result = RuleClassifier().classify("pod 一直 CrashLoopBackOff 怎么办")
    assert (result.problem_type, result.method) == ("pod_crash", "rules")
    assert 0.0 <= result.confidence <= 1.0
