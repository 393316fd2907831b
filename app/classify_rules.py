"""Deterministic bilingual (Chinese / English) rules that map a question to a problem type.

Each problem type owns weighted regex patterns over a normalised question (NFKC, so full-width
characters become half-width; lowercased; whitespace collapsed). A pattern counts once; the weights of
the patterns that match are summed per type. Precedence rules then encode the label definitions where
the vocabularies of two types overlap (an OOMKilled pod also restarts, a pod waiting on an unbound PVC
is also Pending, ...). Confidence comes from the margin between the best and second-best score.

Patterns are compiled with re.ASCII so that \\b and \\w only see ASCII: "pod被OOMKilled了" still has word
boundaries around the English tokens, which Unicode \\w (Chinese characters are word characters) hides.
"""

from __future__ import annotations

import math
import re
import unicodedata

GENERAL = "general"

# Tie-break order: the more specific failure types first, the broad ones last.
_ORDER: tuple[str, ...] = (
    "oom_killed",
    "disk_full",
    "port_conflict",
    "image_pull",
    "pod_crash",
    "helm_install",
    "storage",
    "pod_pending",
    "node_not_ready",
    "network",
    "cluster_health",
    GENERAL,
)

_MONITORING = (
    r"prometheus|grafana|loki|alertmanager|thanos|jaeger|tempo|opentelemetry|otel|fluent-?bit"
    r"|fluentd|elasticsearch|kibana|\befk\b|\belk\b|victoria ?metrics|kube-state-metrics|monitoring"
    r"|observability|可观测|监控|告警|日志系统|日志收集|日志平台|链路追踪"
)

# problem type -> (weight, pattern). Weights: 8-10 an unambiguous error string or term of art; 5-7 a
# strong domain term; 2-4 vocabulary that leans towards the type; 1-2 weak context.
_RULES: dict[str, tuple[tuple[float, str], ...]] = {
    # A container starts, then exits or is restarted.
    "pod_crash": (
        (9, r"crash ?loop|crashloopback|back-?off restarting"),
        (4, r"\brestart(s|ed|ing)?\b|restartcount|重启|重起"),
        (5, r"\bcrash(es|ed|ing)?\b|崩溃|崩了|崩掉|闪退"),
        (4, r"\bexit(ed|s|ing)?\b|exitcode|退出码|退出|exit status"),
        (3, r"起不来|启动不了|启动失败|起不起来|启动就|起来几秒|启动后就|跑不起来"),
        (3, r"挂了|挂掉|死掉|\bdies\b|\bdied\b|\bdying\b|\bdie\b"),
        (6, r"liveness|存活探针|存活检查|存活探测"),
        (4, r"probe failed|探针.{0,8}(失败|不通过)|探测失败|健康检查.{0,6}(失败|不通过)"),
        (3, r"readiness|就绪探针|startup ?probe|启动探针|\bprobes?\b|探针"),
        (3, r"\bpanic\b|segfault|segmentation fault|sigsegv|traceback|exception|fatal error"),
        (4, r"--previous|previous (instance|container|logs?|run)|上一次|上次.{0,4}(日志|容器)"),
        (3, r"\bstatus:? error\b|状态.{0,3}error|\berror state\b|init:error|\bcompleted\b"),
        (5, r"createcontainer(config)?error|runcontainererror|containercannotrun|starterror"),
        (2, r"exec format error|command not found|exec: |entrypoint|启动命令|\bcommand\b"),
        (5, r"backofflimit|backoff limit|deadlineexceeded|job.{0,12}fail|completed.{0,20}restart"),
        (5, r"failed to create (containerd |shim )?task|oci runtime|runc create|starting container"),
        (1.5, r"\bkill(ed|s)?\b|被 ?kill|被杀|杀掉|\bterminated\b|sigterm|sigkill"),
        (2, r"反复|不断|keeps? (failing|stopping|dying)|every \d+ ?s\b|\bcrash"),
    ),
    # Memory: OOMKilled, exit 137, limits, pressure evictions, leaks.
    "oom_killed": (
        (9, r"oom ?-?kill|\boom\b|oom了|out of memory|outofmemory|\boome\b"),
        (8, r"(exit|退出|code|码)\D{0,12}\b137\b"),
        (4, r"\b137\b"),
        (8, r"memory ?pressure|内存压力|low on resource:? memory"),
        (4, r"(?<!insufficient )\bmemory\b(?! address)|\bmem\b|内存"),
        (3, r"\bleak(s|ing|ed)?\b|泄漏|泄露|溢出"),
        (2, r"\bheap\b|xmx|堆内存|\bjvm\b|\brss\b|working ?set|cgroup memory|memory\.max"),
        (1, r"\b\d+ ?(mi|gi|mib|gib|mb|gb)\b|hit(s|ting)? the limit|exceed|超.{0,3}limit|老是超"),
        (1, r"内存.{0,6}(涨|增长|上升|升高)|(memory|usage).{0,12}(climb|grow)"),
    ),
    # Node or container disk filling up.
    "disk_full": (
        (9, r"no space left|enospc|out of (disk|space)"),
        (8, r"disk ?-?pressure|nodefs|imagefs|\binodes?\b"),
        (7, r"ephemeral[- ]?storage|临时存储"),
        (4, r"\bdisks?\b|磁盘|硬盘"),
        (3, r"(?<!大)盘"),
        (3, r"\bfull\b(?! (check|inspection|health|scan|report|list|overview|yaml|name))"),
        (3, r"filling up|fills? up|filled up|满了|写满|占满|撑爆|打满|爆满|存满|满载|快满"),
        (6, r"空间不足|空间不够|空间满|没空间|没有空间|磁盘不够|disk space"),
        (4, r"filesystem|文件系统|根分区|根目录|\bpartition\b|分区|/var/lib/|/var/log|overlay2?"),
        (3, r"\bdf -h|\bdu -|\b(9\d|100) ?%|使用率"),
        (2, r"image (garbage collection|gc)|镜像回收|clean ?up|cleanup|清理|prune|删镜像|清镜像"),
        (3, r"emptydir"),
        (2, r"巨大|太大|越来越大|keeps growing|(logs?|日志).{0,10}(growing|太多|太大|过大)"),
        (1.5, r"\bevict(ed|ion|s|ing)?\b|驱逐"),
    ),
    # Address already in use, bind errors, hostPort / NodePort allocation.
    "port_conflict": (
        (10, r"address already in use|addrinuse|address in use|didn'?t have free ports"),
        (7, r"already allocated|已分配|已被分配|port.{0,10}already"),
        (4, r"\bbind\b(\(\))?.{0,3}(:|to\b|failed|error)|\bbind\(\)"),
        (4, r"(can'?t|cannot|unable to) bind"),
        (3, r"\bports?\b|端口"),
        (5, r"hostport|host port"),
        (2.5, r"nodeport|node port|hostnetwork"),
        (3, r"conflict|冲突|clash|collision"),
        (6, r"端口.{0,8}(占用|被占|占了|用了)|(占用|被占|占了).{0,8}端口"),
        (2, r"占用|被占|占了|already (on it|using|bound|listening)|already in use"),
        (2, r"process is using|who is using|谁占|哪个进程|\blsof\b|netstat|\bss -|fuser"),
        (3, r"listen(ing)? (on )?(port )?:?\d+|\blisten tcp|unable to listen|监听|both listen"),
        (3, r"(same|同一个?).{0,20}(port|端口|nodeport|hostport)|port-?forward"),
    ),
    # Installing, upgrading, rolling back charts; monitoring / observability stacks.
    "helm_install": (
        (7, r"\bhelm\b|helmfile|tiller"),
        (5, r"\bcharts?\b|chart\.yaml|values\.yaml|values file|custom values|--set\b|--values"),
        (5, r"(installation|upgrade|rollback|install) failed|(安装|升级|回滚)失败"),
        (5, r"装.{0,8}失败|装不上"),
        (6, r"another operation|pending-(install|upgrade|rollback)|re-use a name"),
        (6, r"rendered manifests"),
        (4, r"\brelease\b.{0,20}(fail|stuck|status|revision|history|状态)|\brevisions?\b"),
        (1.5, r"\brelease\b"),
        (3, r"\binstall(ing|ed|s|ation)?\b|安装|装一套|装个|装一下|搭建|\bset ?up\b|(?<!安)装"),
        (2.5, r"\bupgrad(e|ing|ed|es)\b|升级"),
        (4, r"roll ?back|rolling back|回滚|回退"),
        (3, _MONITORING),
        (
            5,
            r"(install|deploy|set ?up|装|部署|搭|上一套|安装).{0,25}("
            + _MONITORING
            + r"|logging|chart|stack|operator|ingress-nginx|nginx-ingress|cert-manager|指标)",
        ),
        (2, r"\bcrds?\b|repo add|artifacthub|bitnami|timed out waiting for the condition"),
    ),
    # ErrImagePull / ImagePullBackOff, registry auth, tags, rate limits.
    "image_pull": (
        (9, r"errimage|imagepull|image ?pull|pull(ing)? (the )?image|failed to pull|pull access"),
        (9, r"imageinspecterror|errimageneverpull|image ?pull ?secret"),
        (9, r"拉取|拉镜像|拉不(下来|到|了|动)|镜像拉|拉.{0,4}镜像"),
        (4, r"pull ?secret|registry|镜像仓库|私有仓库|私服|仓库|harbor|docker ?hub"),
        (4, r"\b[eg]cr\b|gcr\.io|quay\.io|\bacr\b|docker login|docker\.io|ghcr|\brepository\b"),
        (4, r"nexus|artifactory"),
        (5, r"manifest unknown|manifest for|toomanyrequests|rate limit|限流|invalidimagename"),
        (3, r"(image|镜像).{0,15}(tag|not found|不存在|找不到)|\btags?\b"),
        (1.5, r"\bimages?\b|镜像"),
        (2, r"unauthorized|authentication required|\b401\b|x509|certificate|证书|denied|\bpull"),
    ),
    # The scheduler cannot place the pod.
    "pod_pending": (
        (4, r"(?<!pvc )(?<!pv )\bpending\b(?!-)"),
        (7, r"unschedulable|failed ?scheduling|nodes are available|调度失败|无法调度|没法调度"),
        (7, r"调度不(上|了|到|出去)|不能调度|can'?t (be )?schedule|won'?t schedule|not schedul"),
        (6, r"insufficient|资源不足|资源不够|not enough (cpu|memory|resources)"),
        (5, r"\btaints?\b|untolerated|toleration|tolerate|污点|容忍"),
        (5, r"affinity|亲和|nodeselector|node selector|节点选择"),
        (3, r"didn'?t match|did not match|不匹配"),
        (5, r"资源请求|满足.{0,10}(资源|要求|条件)|没有(合适|可用)的?节点"),
        (5, r"no nodes? (match|satisf|fit)"),
        (4, r"(?<!kube-)\bschedul(e|ed|ing|able)\b|调度(?!器)"),
        (2.5, r"autoscal|扩容|scale ?up|karpenter"),
        (3, r"preempt|抢占|priorityclass|topology ?spread|too many pods|max pods"),
        (1.5, r"\bgpu\b|nvidia|\bcpu\b|(cpu|memory|resource) requests?|requests? (are )?too|等待"),
    ),
    # NotReady / Unknown nodes, kubelet, container runtime, CNI.
    "node_not_ready": (
        (7, r"(?<!containers)not ?-?ready|不 ?ready|未就绪|notready"),
        (4, r"\bkubelet\b"),
        (5, r"(status|状态).{0,6}unknown|unknown\b.{0,10}(node|status)|节点状态|node status"),
        (4, r"container ?runtime|(?<!/)containerd|docker(d)? (daemon|service)|cri-o|\bcrio\b"),
        (4, r"\bcri\b|运行时|dockershim|cgroup ?driver|\bswap\b"),
        (3, r"\bcni\b|calico|flannel|cilium|weave|canal|antrea|kube-ovn"),
        (8, r"\bpleg\b|posting node status|node heartbeat|node lease"),
        (
            6,
            r"(\bnodes?\b|节点|worker|master)[-\w]{0,20}.{0,15}(\bdown\b|unreachable|失联|宕|不可用|不正常"
            r"|掉线|离线|offline|flapping|not responding|lost contact|失去联系|node not found)",
        ),
        (6, r"节点.{0,4}(挂了|挂掉|不健康)|\bnodes?\b.{0,10}(unhealthy|not healthy)"),
        (
            5,
            r"(kubelet|containerd|\bdocker\b|运行时|runtime).{0,8}(挂|\bdown\b|dead|died|crash|崩|起不来"
            r"|not running|stopped|停)",
        ),
        (1, r"\bnodes?\b|节点|\bworker\b|\bmaster\b"),
        (2, r"\bjoin(ed|s|ing)?\b|加入集群|新加|新节点|kubeadm|reboot"),
    ),
    # Service / DNS / ingress / NetworkPolicy connectivity.
    "network": (
        (8, r"no endpoints|没有 ?endpoints?|endpoints? (is |are )?empty"),
        (3, r"endpoints?"),
        (5, r"\b50[234]\b|bad gateway|gateway time-?out|service (temporarily )?unavailable"),
        (2, r"\b404\b"),
        (5, r"\bdns\b|coredns|kube-dns|nslookup|\bdig\b|resolv|name resolution|域名"),
        (5, r"nxdomain|servfail"),
        (3, r"解析"),
        (3, r"ingress|网关|gateway|virtualservice|istio|service mesh"),
        (6, r"networkpolic|network polic|网络策略|netpol"),
        (4, r"connection (refused|reset|timed out|timeout)|i/o timeout|no route to host|dial tcp"),
        (4, r"econnrefused|连接(被)?拒绝|拒绝连接|连接超时|连不上|连接失败|connect: "),
        (2, r"\bcurl\b|\bwget\b|telnet|\bping\b"),
        (3, r"clusterip|cluster ip|loadbalancer|load balancer|externalip|外部访问|外网|公网|egress"),
        (3, r"kube-proxy|iptables|ipvs|\bmtu\b|conntrack|\bsnat\b|targetport|target port"),
        (3, r"网络|\bnetwork\b|\bnetworking\b|不通|调不通|访问不了|访问不到|无法访问|访问失败|打不开"),
        (1.5, r"\bservices?\b|\bsvc\b"),
        (2, r"超时|\btimeout\b|timing out|times? out\b|timed out"),
        (2, r"\btraffic\b|流量|\brout(e|es|ing)\b|路由|(?<!port-)\bforward(s|ing|ed)?\b|转发"),
        (4, r"(can'?t|cannot|unable to|not) (reach|access|connect|curl|call|hit)|unreachable"),
        (4, r"talk to|communicat|互通|通信|reach each other"),
        (3, r"pod[- ]to[- ]pod|跨节点|between namespaces|cross-node|across nodes"),
        (3, r"服务之间|之间.{0,4}不通"),
        (2, r"\bcni\b|calico|flannel|cilium|weave"),
    ),
    # PVC / PV binding, volume mount or attach, storage classes.
    "storage": (
        (6, r"\bpvcs?\b|persistentvolumeclaim|persistent volume claim|\bclaims?\b"),
        (6, r"volumeclaimtemplate"),
        (5, r"\bpvs?\b|persistentvolume|persistent volumes?"),
        (3, r"\bvolumes?\b|卷"),
        (8, r"failedmount|failedattach|multi-attach|mountvolume|attachvolume|unmounted volumes"),
        (5, r"\bmount(s|ed|ing)?\b|挂载|挂不上|mount\.nfs|unmount"),
        (4, r"\battach(ed|ing|es)?\b|detach"),
        (6, r"storage ?class|provision(er|ing|ed)?|动态供给|\bcsi\b"),
        (4, r"\bnfs\b|ceph|\brbd\b|\bebs\b|\befs\b|longhorn|cinder|iscsi|gluster|openebs"),
        (4, r"local-path|hostpath|azure ?(disk|file)|gce-?pd|portworx|\brook\b"),
        (3, r"\b(un)?bound\b|binding|rebind|绑定|绑不上|未绑定|没绑定|绑不"),
        (4, r"(pvc|\bpv\b|claim|volume|卷).{0,20}bind|bind.{0,20}(pvc|\bpv\b|claim|volume)"),
        (3, r"\breleased\b|reclaim ?policy|回收策略|access ?mode|readwrite(once|many)|\brw[ox]\b"),
        (3, r"(pvc|\bpv\b|卷|volume).{0,8}(扩容|resize|expand)"),
        (4, r"存储|\bstorage\b"),
        (6, r"first consumer|waitforfirstconsumer|volumebindingmode"),
        (8, r"volume node affinity|volume.{0,20}(conflict|zone)"),
    ),
    # An overall health check or inspection of a cluster or namespace.
    "cluster_health": (
        (9, r"巡检|体检"),
        (6, r"health ?check|health (overview|report|status|summary)|健康(检查|状况|状态|度)"),
        (3, r"\bhealthy\b|\bhealth\b|健康"),
        (4, r"\binspect(ion)?\b|overview|summar(y|ize|ise)|整体|总体|全面|概况|概览|总览|大盘|一览"),
        (6, r"everything (ok|okay|fine|good|healthy|normal|running)|all (good|ok|green|healthy)"),
        (6, r"一切正常|都正常|是否正常|正常吗|正不正常|没问题吧|异常吗"),
        (6, r"有没有.{0,3}(问题|异常|报错|故障|告警)"),
        (6, r"any (problems?|issues?|errors?|failures?)|something wrong"),
        (6, r"anything (broken|wrong|failing|unhealthy|abnormal|off)"),
        (5, r"check (the |my |our |all |a |this )?(cluster|namespace|nodes?|environment|env)"),
        (5, r"full check|quick check|(cluster|namespace) check|过一遍|看看集群|看下集群"),
        (5, r"检查(一下|下)?.{0,6}(集群|命名空间|环境|namespace)|集群.{0,6}(状态|情况|怎么样|如何)"),
        (5, r"(state|status) of the cluster|cluster (state|status)"),
        (5, r"(all|所有|全部).{0,20}(\bok\b|okay|fine|good|healthy|正常|健康)"),
        (5, r"how (healthy|is|are|'s) (the |my |our )?(cluster|namespace|nodes|things)"),
        (3, r"control ?plane|控制面|apiserver|api-server|api server|\betcd\b|scheduler|调度器"),
        (3, r"controller-manager|组件|componentstatus|report|报告|\bdaily\b|每日|每天|日报"),
        (3, r"before (the )?(release|deploy|upgrade)|发版前|上线前"),
        (1, r"\bcluster\b|集群|命名空间|namespace|\bns\b|环境|\benv\b|kube-system"),
    ),
    # Resources and concepts, not failures.
    "general": (
        (3, r"what (is|are|'s)\b|what does .{0,30}(do|for)\b|什么是|是什么|是啥|干嘛的|做什么的"),
        (3, r"有什么用|用途|作用|含义|explain|介绍一下|解释一下|how does .{0,30} work"),
        (4, r"difference|区别|不同点|\bvs\.?\b|versus|compare|对比"),
        (3, r"how many|多少|几个|count of|number of"),
        (3, r"\blist\b|\bshow( me)?\b|\bget (the |all )?(yaml|json|pods?|svc|services?|deploy|nodes?)"),
        (3, r"\bdescribe\b|列(一下|出|下)|查(一下|下|看)|看(一下|下)|显示|给我看|导出"),
        (2, r"\bwhich\b|哪个|哪些|哪里|在哪|where is"),
        (1.5, r"\bversion\b|版本|\byaml\b|\bjson\b|labels?|标签|annotations?|configmap|secret\b"),
        (1.5, r"\breplicas?\b|副本|内容|配置|running\??$"),
        (1, r"daemonset|statefulset|deployment|replicaset|cronjob|\bjob\b|\bhpa\b|\bvpa\b|\bpdb\b"),
        (1, r"poddisruptionbudget|init container|sidecar|\brbac\b|serviceaccount|\brole\b"),
    ),
}

_PATTERNS: dict[str, tuple[tuple[re.Pattern[str], float], ...]] = {
    label: tuple((re.compile(pattern, re.ASCII), weight) for weight, pattern in rules)
    for label, rules in _RULES.items()
}


def _compile(*parts: str) -> re.Pattern[str]:
    return re.compile("".join(parts), re.ASCII)


# Evidence used by the precedence rules.
_MEMORY = _compile(
    r"oom|\b137\b|(?<!insufficient )\bmemory\b(?! address)|内存|\bleak|泄漏|泄露|溢出|\bheap\b"
)
_MEMORY_FAILURE = _compile(r"oom|\b137\b|leak|泄|pressure|压力|evict|驱逐")
_EVICTED = _compile(r"\bevict|驱逐")
_DISK = _compile(r"ephemeral|临时存储|\bdisk|磁盘|no space|filesystem|emptydir|空间")
_DISK_CONDITION = _compile(r"disk ?-?pressure|no space left|ephemeral")
_VOLUME = _compile(r"\bpvcs?\b|\bpvs?\b|persistentvolume|\bclaims?\b|\bvolumes?\b|卷|storage ?class|存储类")
_SCHEDULING = _compile(
    r"insufficient|unschedulable|failed ?scheduling|taint|affinity|nodeselector|污点|亲和|调度(?!器)"
)
_NODE_DOWN = _compile(
    r"(节点|\bnodes?\b(?!-)|机器|服务器|\bhosts?\b|kubelet|containerd|\bdocker",
    r"|runtime|运行时).{0,8}(重启|reboot|restart|crash|崩|挂|\bdown\b|died|dead)",
)
# Concept and lookup questions ("what is X", "list the pods"); "what is using port 80" is not one.
_CONCEPT = _compile(
    r"what(?: is|'s| are|s)\b(?! \w+ing\b)|what does|什么是|是什么|是啥|干嘛的|做什么的|有什么用",
    r"|用途|作用|difference|区别|\bvs\.?\b|versus|explain|解释|介绍|how (does|do) .{0,40}\bwork",
    r"|how (do|can) (i|we|you) (list|see|view|get|show)|怎么(查看|列|看)|如何查看",
    r"|\blist\b|\bshow( me)?\b|\bdescribe\b|列出|列一下|显示|(?<!, )\bwhich\b|哪个|哪些|哪种|在哪",
    r"|\bget (the |all )?(yaml|json|pods?|svc|services?|deploy\w*|nodes?|configmaps?|secrets?)",
)
# Words that say something is going wrong: a concept question containing one is a failure question.
_TROUBLE = _compile(
    r"fail|error|\berr|crash|stuck|broken|can'?t|cannot|unable|won'?t|doesn'?t|keeps?|denied",
    r"|refused|time ?out|timed out|evict|kill|oom|pending|not ?ready|unknown|not healthy|unhealthy",
    r"|no space|in use|conflict|\bexit|\b137\b|\b50[234]\b|backoff|restart|\bpull|unschedul",
    r"|insufficient|pressure|no endpoints|\bfull\b|\bslow|not working|wrong|leak|is using",
    r"|listening on|exceed|low on|\bwhy\b|\bdown\b|unreachable",
    r"|失败|报错|错误|异常|不了|不上|不到|不通|挂|崩|卡住|一直|老是|总是|超时|满了|冲突|占用|拒绝",
    r"|起不来|怎么办|咋办|排查|问题|重启|驱逐|不可用|不正常|原因|退出|压力|慢|泄|溢出|被占|超过",
    r"|超出|超了|不够|不足|为什么|为啥|咋回事|怎么回事|没有 ?endpoints",
)
_WHITESPACE = re.compile(r"\s+")


def normalise(question: str) -> str:
    """NFKC (full-width → half-width), lowercase, collapse whitespace."""
    text = unicodedata.normalize("NFKC", question).lower()
    return _WHITESPACE.sub(" ", text).strip()


def raw_scores(text: str) -> dict[str, float]:
    """The summed pattern weights per type for an already normalised question."""
    return {
        label: sum(weight for pattern, weight in patterns if pattern.search(text))
        for label, patterns in _PATTERNS.items()
    }


def _apply_precedence(text: str, scores: dict[str, float]) -> None:
    """Adjust the raw scores in place so that the label definitions win where vocabularies overlap."""
    memory = bool(_MEMORY.search(text))
    scheduling = bool(_SCHEDULING.search(text))
    # Memory is the stated cause: OOMKilled containers restart too, and that is still oom_killed.
    if memory and not scheduling:
        scores["pod_crash"] *= 0.3
        scores["oom_killed"] += 2
    # A scheduling failure that mentions memory is about requests, not usage.
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
    # A pod Pending on an unbound claim or a volume is a storage problem.
    if _VOLUME.search(text):
        scores["pod_pending"] *= 0.3
    # A rebooted node or a crashed kubelet / runtime is not a restarting container.
    if _NODE_DOWN.search(text):
        scores["pod_crash"] *= 0.3
    # "What is X" / "list the pods" with no sign of a failure is a concept or lookup question.
    if _CONCEPT.search(text) and not _TROUBLE.search(text) and scores["cluster_health"] < 5:
        scores[GENERAL] = max(scores.values()) + 3


def _confidence(best: float, second: float) -> float:
    """0.5-0.99: high when the winner is both clearly ahead and backed by strong evidence."""
    margin = (best - second) / best
    strength = 1.0 - math.exp(-best / 5.0)
    return round(min(0.99, 0.5 + 0.49 * margin * (0.4 + 0.6 * strength)), 2)


def score_question(question: str) -> tuple[str, float]:
    """Classify a Chinese or English question: (problem type, confidence in [0, 1])."""
    text = normalise(question)
    scores = raw_scores(text)
    _apply_precedence(text, scores)
    ranked = sorted(_ORDER, key=lambda label: (-scores[label], _ORDER.index(label)))
    best, second = ranked[0], ranked[1]
    if scores[best] <= 0:
        # Nothing matched: the fallback, with a confidence that says so (lower for very short input).
        return GENERAL, 0.3 if len(text) < 4 else 0.4
    return best, _confidence(scores[best], scores[second])
