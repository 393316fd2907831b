"""The deterministic bilingual classifier: accuracy on the train and dev splits, the definition edges,
real-world error strings and Chinese SRE phrasing. The phrasings here are written for the tests, not
copied from a split; the test split is never read here (it is the benchmark)."""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

import pytest

from app.classify import PROBLEM_TYPES, RuleClassifier, load_examples
from app.classify_rules import score_question


def _misses(split: Literal["train", "dev"]) -> tuple[int, list[tuple[str, str, str]]]:
    examples = load_examples(split)
    misses = [
        (ex.question, ex.problem_type, label)
        for ex in examples
        if (label := score_question(ex.question)[0]) != ex.problem_type
    ]
    return len(examples), misses


def _accuracy_by(key: str) -> dict[str, float]:
    hits: dict[str, list[bool]] = defaultdict(list)
    for ex in load_examples("train"):
        hits[getattr(ex, key)].append(score_question(ex.question)[0] == ex.problem_type)
    return {k: sum(v) / len(v) for k, v in hits.items()}


def test_train_accuracy_overall() -> None:
    total, misses = _misses("train")
    assert 1 - len(misses) / total >= 0.99, misses


def test_dev_accuracy_overall() -> None:
    total, misses = _misses("dev")
    assert 1 - len(misses) / total >= 0.98, misses


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


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # The kubelet killing / restarting the container is a container restart, not a node going down.
        ("kubelet restarts the container because the liveness probe keeps timing out", "pod_crash"),
        ("liveness 探针超时 kubelet 把容器杀了重启", "pod_crash"),
        ("kubelet keeps killing my container", "pod_crash"),
        ("健康检查没过 kubelet 一直重启容器", "pod_crash"),
        # ... while a rebooted node or a restarted kubelet / runtime is node trouble.
        ("kubelet restarted and the node went NotReady", "node_not_ready"),
        ("节点重启后 pod 都重启了", "node_not_ready"),
        ("docker restarted and my containers restarted too", "node_not_ready"),
        # A lookup ("which", "list") with a failure signal is a failure question.
        ("which pod is filling up /var/lib/kubelet", "disk_full"),
        ("哪个 pod 把磁盘写满了", "disk_full"),
        ("which process holds port 443", "port_conflict"),
        ("show me the pods that are crashlooping", "pod_crash"),
        ("list pvcs that are pending", "storage"),
        ("which node is NotReady", "node_not_ready"),
        # "manifest list" is image vocabulary, not a lookup.
        ("the manifest list of the image has no linux/arm64 entry", "image_pull"),
        # Pending is scheduling evidence: requests larger than any node are unschedulable, not OOM.
        ("pod requests more memory than any node has, stays pending", "pod_pending"),
        ("内存请求太大 pod 一直 Pending", "pod_pending"),
        ("节点内存不足 新 pod 调度不上", "pod_pending"),
        # A binary for the wrong architecture crashes; the wrong-platform pull fails to pull.
        ("standard_init_linux.go:228: exec user process caused: exec format error", "pod_crash"),
        ("pods on the new arm nodes can't pull, no matching manifest", "image_pull"),
        ("image pulled fine but the container exits immediately", "pod_crash"),
        # A volume still attached to the old node is storage (Multi-Attach), even if the pod can't start.
        ("卷还挂在老节点 新 pod ContainerCreating", "storage"),
        ("the azure disk is still attached to the deleted node", "storage"),
        ("the disk is still attached to the old node so the new pod can't start", "storage"),
        ("云盘挂载失败", "storage"),
        ("数据盘 attach 不上", "storage"),
        # ... but a full disk or PV that is out of space is disk_full.
        ("the PV is full, database can't write: no space left on device", "disk_full"),
        ("pod uses an emptyDir and the node disk filled up", "disk_full"),
        # CNI not ready is a node condition; a CPU figure is not a disk.
        ("describe node: NetworkReady condition false, cni config uninitialized", "node_not_ready"),
        ("CNI 没准备好 节点一直不 Ready", "node_not_ready"),
        ("calico 网络不通 跨节点 pod ping 不通", "network"),
        ("磁盘和 cpu 使用率都 95%", "disk_full"),
        # Scheduler messages whose reason is a port, a volume or disk pressure go to that cause.
        ("没有空闲的端口了 hostPort 的 pod 调度不上", "port_conflict"),
        ("pod 一直 Pending 提示 1 node(s) had volume node affinity conflict", "storage"),
        (
            "0/3 nodes are available: 3 node(s) had untolerated taint {node.kubernetes.io/disk-pressure}",
            "disk_full",
        ),
        (
            "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable}",
            "pod_pending",
        ),
    ],
)
def test_precedence(question: str, expected: str) -> None:
    assert score_question(question)[0] == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Warning BackOff kubelet Back-off restarting failed container app in pod api-0", "pod_crash"),
        ("CreateContainerConfigError: secret \"db-pass\" not found", "pod_crash"),
        ("OCI runtime create failed: exec: \"/start.sh\": executable file not found in $PATH", "pod_crash"),
        ("Error: container has runAsNonRoot and image will run as root", "pod_crash"),
        ("the job's pod fails with BackoffLimitExceeded", "pod_crash"),
        ("Last State: Terminated, Reason: OOMKilled, Exit Code: 137", "oom_killed"),
        ("Memory cgroup out of memory: Killed process 12345 (java)", "oom_killed"),
        ("java.lang.OutOfMemoryError: Java heap space and the pod restarts", "oom_killed"),
        ("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory", "oom_killed"),
        ("Evicted: The node was low on resource: memory. Threshold quantity: 100Mi", "oom_killed"),
        ("container limit 512Mi but app needs more, it gets killed", "oom_killed"),
        ("failed to register layer: no space left on device", "disk_full"),
        ("kubelet: imagefs.available below threshold, running image gc", "disk_full"),
        ("nodefs.inodesFree is low on node-7", "disk_full"),
        ("The node was low on resource: ephemeral-storage. Threshold quantity: 10%", "disk_full"),
        ("node condition DiskPressure=True", "disk_full"),
        (
            "Only one usage of each socket address (protocol/network address/port) is normally permitted",
            "port_conflict",
        ),
        ("Error starting userland proxy: listen tcp4 0.0.0.0:80: bind: address in use", "port_conflict"),
        ("Bind for 0.0.0.0:8080 failed: port is already allocated", "port_conflict"),
        ("PodFitsHostPorts predicate failed for my daemonset", "port_conflict"),
        ("port 443 is already taken on the node by another ingress controller", "port_conflict"),
        ("helm says cannot re-use a name that is still in use for release grafana", "helm_install"),
        ("rollback refused: another operation (install/upgrade/rollback) is in progress", "helm_install"),
        ("Error: UPGRADE FAILED: cannot patch \"web\" with kind Deployment", "helm_install"),
        ("Error: INSTALLATION FAILED: failed to download \"bitnami/nginx\"", "helm_install"),
        ("release stuck in pending-install and helm refuses to upgrade it", "helm_install"),
        ("Back-off pulling image \"registry.local/app:2.0\"", "image_pull"),
        ("every node hits toomanyrequests from Docker Hub since noon", "image_pull"),
        ("x509: certificate signed by unknown authority when pulling image from harbor", "image_pull"),
        ("failed to resolve reference \"docker.io/library/nginx:1.99\": not found", "image_pull"),
        ("dial tcp: lookup registry-1.docker.io: no such host when pulling", "image_pull"),
        ("0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector", "pod_pending"),
        ("FailedScheduling: 0/8 nodes are available: 5 Too many pods, 3 Insufficient cpu", "pod_pending"),
        ("no node matches the nodeSelector, pod Pending", "pod_pending"),
        ("why won't the scheduler place my pod", "pod_pending"),
        ("FailedCreate: Error creating: pods \"api-1\" is forbidden: exceeded quota", "pod_pending"),
        ("PLEG is not healthy on node-3, node flapping", "node_not_ready"),
        ("container runtime is down, node NotReady", "node_not_ready"),
        ("KubeletNotReady: container runtime network not ready: cni config uninitialized", "node_not_ready"),
        ("node.kubernetes.io/unreachable taint added to my node", "node_not_ready"),
        ("node condition Ready=False after kernel upgrade", "node_not_ready"),
        ("pod 卡在 ContainerCreating 事件 FailedCreatePodSandBox", "node_not_ready"),
        ("no endpoints available for service \"api\"", "network"),
        ("dial tcp 10.96.12.5:80: i/o timeout calling the orders service", "network"),
        ("nslookup returns NXDOMAIN for my-svc.default.svc.cluster.local", "network"),
        ("coredns SERVFAIL for external domains", "network"),
        ("upstream prematurely closed connection while reading response header from upstream", "network"),
        ("Traefik shows Bad Gateway / no available server", "network"),
        ("upstream connect error or disconnect/reset before headers", "network"),
        ("envoy says no healthy upstream", "network"),
        ("FailedAttachVolume: Multi-Attach error for volume pvc-9f", "storage"),
        ("pod stuck ContainerCreating: Unable to attach or mount volumes", "storage"),
        ("PVC stays Pending with WaitForFirstConsumer, is that normal?", "storage"),
        ("Warning ProvisioningFailed storageclass.storage.k8s.io \"standard\" not found", "storage"),
    ],
)
def test_real_world_error_strings(question: str, expected: str) -> None:
    assert score_question(question)[0] == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("应用一启动就 panic 容器不停重启", "pod_crash"),
        ("容器反复重启 退出码 139 段错误", "pod_crash"),
        ("容器起来就挂 日志报配置错误", "pod_crash"),
        ("容器一直 Error 状态", "pod_crash"),
        ("init 容器一直失败", "pod_crash"),
        ("容器内存溢出 一直重启", "oom_killed"),
        ("服务爆内存了 被 OOM 杀掉", "oom_killed"),
        ("pod 内存泄漏 最后被 kill", "oom_killed"),
        ("jvm 老年代满了 full gc 然后被杀", "oom_killed"),
        ("节点磁盘打满了 怎么清理", "disk_full"),
        ("inode 用完了 pod 写不进去", "disk_full"),
        ("应用日志把系统盘写满了", "disk_full"),
        ("/var/lib/containerd 占用 95%", "disk_full"),
        ("端口冲突 服务启动失败", "port_conflict"),
        ("9090 端口被占 prometheus 起不来", "port_conflict"),
        ("启动报端口已经被占用", "port_conflict"),
        ("nodePort 范围不够用了", "port_conflict"),
        ("helm upgrade 卡在 pending-upgrade 状态", "helm_install"),
        ("装一套 EFK 日志平台", "helm_install"),
        ("镜像拉取失败 ErrImagePull", "image_pull"),
        ("拉镜像超时 i/o timeout", "image_pull"),
        ("私有仓库认证失败 pod 起不来", "image_pull"),
        ("调度失败 节点资源不足", "pod_pending"),
        ("pod 调度不上 节点有污点", "pod_pending"),
        ("nodeSelector 写错了 没有节点能匹配", "pod_pending"),
        ("节点标签不对 pod 一直 pending", "pod_pending"),
        ("没有节点符合亲和性要求", "pod_pending"),
        ("节点失联 状态 Unknown", "node_not_ready"),
        ("节点掉线了", "node_not_ready"),
        ("kubelet 挂了 节点起不来", "node_not_ready"),
        ("kubelet 证书过期了", "node_not_ready"),
        ("pod 之间网络不通 ping 不通", "network"),
        ("域名解析失败 pod 里 curl 不通", "network"),
        ("集群内访问 service 超时", "network"),
        ("ingress 访问返回 502 Bad Gateway", "network"),
        ("存储卷挂载失败", "storage"),
        ("新建的 pvc 一直绑定不上", "storage"),
        ("PVC 一直 Pending 没有默认存储类", "storage"),
        ("给集群做个体检", "cluster_health"),
        ("prod 集群的整体情况如何", "cluster_health"),
        ("看看 prod 有没有异常", "cluster_health"),
        ("what is the status of all nodes", "cluster_health"),
    ],
)
def test_chinese_and_colloquial_phrasing(question: str, expected: str) -> None:
    assert score_question(question)[0] == expected


@pytest.mark.parametrize(
    "question",
    [
        "什么是 PVC",
        "what is a NodePort service",
        "ConfigMap 和 Secret 的区别",
        "怎么查看 pod 的环境变量",
        "怎么查看 pod 挂载的卷",
        "what is the difference between liveness and readiness probes",
        "which nodes have the gpu label",
        "which port does the api service use",
        "k8s 里的 service 有几种类型",
        "how does the scheduler pick a node",
        "列出所有的 storageclass",
        "imagePullPolicy 是什么",
        "what is a lease",
    ],
)
def test_concept_and_lookup_questions_are_general(question: str) -> None:
    assert score_question(question)[0] == "general"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what is NXDOMAIN", "network"),
        ("explain Multi-Attach", "storage"),
        ("什么是 PLEG", "node_not_ready"),
        ("what does DiskPressure mean", "disk_full"),
    ],
)
def test_asking_what_an_error_string_means_is_about_that_failure(question: str, expected: str) -> None:
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


@pytest.mark.parametrize(
    "question",
    ["x" * 20000, "节点" * 10000, "node down " * 2000, "kubelet restart " * 1300, "not " * 5000, "0/" * 9999],
)
def test_long_input_is_classified(question: str) -> None:
    # Bounded repetitions only: a pasted 20k-character log is scanned linearly, never backtracks.
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
