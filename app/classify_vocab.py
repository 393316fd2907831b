"""The vocabulary of the rule classifier: weighted regex patterns per problem type.

Patterns run over the normalised question (NFKC, lowercased, whitespace collapsed) and are compiled
with re.ASCII by `app.classify_rules`. Weights: 8-10 an unambiguous error string or term of art
(kubelet / scheduler / containerd / helm messages); 5-7 a strong domain term; 2-4 vocabulary that leans
towards the type; 1-2 weak context. A pattern counts once, so a synonym list costs nothing extra.

Every repetition is bounded (`.{0,N}`, no nested unbounded quantifiers): matching stays linear on
very long input.
"""

from __future__ import annotations

MONITORING = (
    r"prometheus|grafana|loki|alertmanager|thanos|jaeger|tempo|opentelemetry|otel|fluent-?bit"
    r"|fluentd|elasticsearch|kibana|\befk\b|\belk\b|victoria-? ?metrics|kube-state-metrics|monitoring"
    r"|observability|skywalking|zipkin|pinpoint|datadog|signoz|zabbix|nightingale|夜莺"
    r"|可观测|监控|告警|日志系统|日志收集|日志平台|链路追踪"
)

RULES: dict[str, tuple[tuple[float, str], ...]] = {
    # A container starts, then exits or is restarted (memory not the stated cause).
    "pod_crash": (
        (9, r"crash ?-?loop|crashloopback|back-?off restarting|restart loop|boot ?loop"),
        (4, r"\brestart(s|ed|ing)?\b|restartcount|重启|重起"),
        (5, r"\bcrash(es|ed|ing)?\b|崩溃|崩了|崩掉|闪退"),
        (4, r"\bexit(ed|s|ing)?\b|exitcode|退出码|退出|exit status"),
        (3, r"起不来|启动不了|启动失败|起不起来|启动就|起来几秒|启动后就|跑不起来|就挂|就退出|就崩"),
        (3, r"挂了|挂掉|死掉|\bdies\b|\bdied\b|\bdying\b|\bdie\b"),
        (6, r"liveness|存活探针|存活检查|存活探测"),
        (4, r"probe failed|探针.{0,8}(失败|不通过)|探测失败|健康检查.{0,6}(失败|不通过|没过|不过)"),
        (3, r"readiness|就绪探针|startup ?probe|启动探针|\bprobes?\b|探针"),
        (3, r"\bpanic\b|segfault|segmentation fault|sigsegv|段错误|traceback|exception|fatal error"),
        (4, r"--previous|previous (instance|container|logs?|run)|上一次|上次.{0,4}(日志|容器)"),
        (3, r"\bstatus:? error\b|状态.{0,3}error|\berror ?(state|状态)|reason:? error\b|init:error"),
        (3, r"\bcompleted\b"),
        (4, r"init.{0,12}(fail|失败|error|crash)|容器.{0,4}(失败|报错|异常退出)|containers? (keeps? )?fail"),
        (5, r"createcontainer(config)?error|runcontainererror|containercannotrun|starterror"),
        # A binary built for the wrong architecture starts and dies: a crash, not a pull failure.
        (5, r"exec format error|exec user process caused|executable file not found"),
        (2, r"command not found|exec: |entrypoint|启动命令|启动脚本|\bcommand\b|permission denied"),
        (5, r"runasnonroot|(running|completed) (then|and then|->) (error|running)"),
        # The kubelet's CreateContainerConfigError for runAsNonRoot: a pod that cannot start, not an audit.
        (9, r"image will run as root|runasnonroot and image|non-numeric user"),
        (5, r"backofflimit|backoff limit|deadlineexceeded|job.{0,12}fail|completed.{0,20}restart"),
        (5, r"failed to create (containerd |shim )?task|oci runtime|runc create"),
        (5, r"(starting|failed to start) container"),
        (1.5, r"\bkill(ed|s|ing)?\b|被 ?kill|被杀|杀掉|杀了|\bterminated\b|sigterm|sigkill"),
        # The kubelet kills / restarts the container: the container is what restarts, not the node.
        (4, r"(kill|restart)(s|ed|ing)? (the |my |its |a |this )?(app |main )?containers?\b"),
        (4, r"(把|将)容器.{0,8}(杀|重启)"),
        (2, r"反复|不断|不停|循环|keeps? (failing|stopping|dying)|over and over|every \d+ ?s\b|\bcrash"),
    ),
    # Memory: OOMKilled, exit 137, limits, pressure evictions, leaks.
    "oom_killed": (
        (9, r"oom ?-?kill|\boom\b|oom了|out of memory|outofmemory|\boome\b|oom_reaper"),
        (8, r"(exit|退出|code|码)\D{0,12}\b137\b"),
        (8, r"killed process \d+|memory cgroup out|java heap space|gc overhead limit|heap limit"),
        (4, r"\b137\b"),
        (8, r"memory ?pressure|内存压力|low on resource:? memory|runs? out of memory"),
        (4, r"(?<!insufficient )\bmemory\b(?! address)|\bmem\b|内存"),
        (5, r"爆内存|内存.{0,3}(爆|吃满|占满|打满|不够用|超限|超了|溢出)|超内存"),
        (3, r"\bleak(s|ing|ed)?\b|泄漏|泄露|溢出"),
        (3, r"full gc|gc overhead|老年代|old gen|metaspace"),
        (2, r"\bheap\b|xmx|堆内存|\bjvm\b|\brss\b|working ?set|cgroup memory|memory\.max"),
        (5, r"\blimits?\b.{0,40}\b(kill|oom)|\bkill.{0,40}\blimits?\b"),
        (5, r"(限制|limit).{0,12}(被杀|被 ?kill|干掉)"),
        (1, r"\b\d+ ?(mi|gi|mib|gib|mb|gb)\b|hit(s|ting)? the limit|exceed|超.{0,3}limit|老是超"),
        (1, r"内存.{0,6}(涨|增长|上升|升高)|(memory|usage).{0,12}(climb|grow)"),
    ),
    # Node or container disk filling up.
    "disk_full": (
        (9, r"no space left|enospc|out of (disk|space)|(disk|inodes?) (exhausted|used up)"),
        (8, r"disk ?-?pressure|nodefs|imagefs|\binodes?\b"),
        (7, r"ephemeral[- ]?(local )?storage|临时存储"),
        (4, r"\bdisks?\b|磁盘|硬盘"),
        (3, r"(?<!大)(?<!云)盘"),
        (3, r"\bfull\b(?! (check|inspection|health|scan|report|list|overview|yaml|name|gc))"),
        (3, r"filling up|fills? up|filled up|满了|写满|占满|撑爆|打满|爆满|存满|满载|快满|写爆|盘爆"),
        (3, r"eat(s|ing)? (up )?(all )?(the )?(disk|space)|吃满|吃光|用光"),
        (6, r"空间不足|空间不够|空间满|没空间|没有空间|磁盘不够|disk space|disk usage|磁盘(使用|占用)"),
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
        (10, r"only one usage of each socket address|podfitshostports|空闲(的)?端口"),
        (7, r"already allocated|已分配|已被分配|port.{0,10}already|port (is )?(taken|occupied|busy)"),
        (4, r"\bbind\b(\(\))?.{0,3}(:|to\b|failed|error)|\bbind\(\)"),
        (4, r"(can'?t|cannot|unable to) bind"),
        (3, r"\bports?\b|端口"),
        (5, r"hostport|host port"),
        (2.5, r"nodeport|node port|hostnetwork"),
        (3, r"conflict|冲突|clash|collision"),
        (6, r"端口.{0,8}(占用|被占|占了|用了|被使用|已使用|在用)|(占用|被占|占了|抢).{0,8}端口"),
        (2, r"占用|被占|占了|already (on it|using|bound|listening)|already in use"),
        (2, r"process is using|who is using|谁占|哪个进程|\blsof\b|netstat|\bss -|fuser"),
        (4, r"(holds?|holding|occup(y|ies|ying)|using|bound to) (the )?port"),
        (3, r"listen(ing)? (on )?(port )?:?\d+|\blisten (tcp|udp)|unable to listen|监听|both listen"),
        (3, r"(same|同一个?).{0,20}(port|端口|nodeport|hostport)|port-?forward"),
    ),
    # Installing, upgrading, rolling back charts; deploying a monitoring / observability stack.
    "helm_install": (
        (7, r"\bhelm\b|helmfile|tiller"),
        (5, r"\bcharts?\b|chart\.yaml|values\.yaml|values file|custom values|--set\b|--values"),
        (5, r"(installation|upgrade|rollback|install) failed|(安装|升级|回滚)失败"),
        (5, r"装.{0,8}失败|装不上"),
        (6, r"another operation|pending-(install|upgrade|rollback)|re-use a name|no deployed releases"),
        (6, r"rendered manifests|(pre|post)-(install|upgrade|delete|rollback)|\bhooks?\b"),
        (4, r"\brelease\b.{0,20}(fail|stuck|status|revision|history|状态)|\brevisions?\b"),
        (1.5, r"\brelease\b"),
        (3, r"\binstall(ing|ed|s|ation)?\b|安装|装一套|装个|装一下|搭建|\bset ?up\b|stand up|(?<!安)装"),
        (2.5, r"\bupgrad(e|ing|ed|es)\b|升级"),
        (4, r"roll ?back|rolling back|rolled back|回滚|回退|退回"),
        (3, MONITORING),
        (
            5,
            r"(install|deploy|set ?up|stand up|装|部署|搭|上一套|安装).{0,25}("
            + MONITORING
            + r"|logging|chart|stack|operator|ingress-nginx|nginx-ingress|cert-manager|argo|指标)",
        ),
        (2, r"\bcrds?\b|repo add|artifacthub|bitnami|timed out waiting for the condition"),
        (2, r"no matches for kind"),
    ),
    # ErrImagePull / ImagePullBackOff, registry auth, tags, platforms, rate limits.
    "image_pull": (
        (9, r"errimage|imagepull(?!policy)|image ?pull(?!ed| ?policy)|pull(ing)? (the )?image"),
        (9, r"failed to pull"),
        (9, r"imageinspecterror|errimageneverpull|image ?pull ?secret|back-?off pulling|pull access"),
        (9, r"拉取(?!策略)|拉镜像|拉不(下来|到|了|动)|镜像拉(?!取策略)|拉.{0,4}镜像|镜像.{0,6}下载"),
        (9, r"no matching manifest|manifest list|no match for platform|failed to resolve reference"),
        (7, r"\bpull(s|ing)?\b.{0,12}(fail|error|time|denied|slow|hang|stuck|forbidden|refused)"),
        (7, r"(can'?t|cannot|unable to|not|won'?t|fail(ed|s)? to) pull\b"),
        (4, r"pull ?secret|registry|镜像仓库|私有仓库|私服|仓库|harbor|docker ?hub|镜像加速|\bmirror\b"),
        (4, r"\b[eg]cr\b|gcr\.io|quay\.io|\bacr\b|docker login|docker\.io|ghcr|\brepository\b"),
        (4, r"nexus|artifactory|\bmanifests?\b(?! contain)|(镜像|image).{0,10}(平台|platform|arch)"),
        (5, r"manifest unknown|manifest for|toomanyrequests|rate limit|限流|invalidimagename"),
        (5, r"(仓库|registry).{0,8}(认证|鉴权|登录|密码|凭证|token|credential)"),
        (3, r"(image|镜像).{0,15}(tag|not found|不存在|找不到|没权限)|\btags?\b"),
        (1.5, r"\bimages?\b|镜像"),
        (2, r"unauthorized|authentication required|\b401\b|x509|certificate|证书|denied|\bpull"),
    ),
    # The scheduler cannot place the pod.
    "pod_pending": (
        (4, r"(?<!pvc )(?<!pv )\bpending\b(?!-)"),
        (7, r"unschedulable|failed ?scheduling|nodes are available|调度失败|无法调度|没法调度"),
        (7, r"调度不(上|了|到|出去)|不能调度|不被调度|can'?t (be )?schedule|won'?t schedule|not schedul"),
        (6, r"insufficient|资源不足|资源不够|not enough (cpu|memory|resources)"),
        (5, r"\btaints?\b|untolerated|toleration|tolerate|污点|容忍"),
        (5, r"affinity|亲和|nodeselector|node selector|节点选择"),
        (3, r"didn'?t match|did not match|不匹配"),
        (5, r"资源请求|满足.{0,10}(资源|要求|条件)|没有(合适|可用)的?节点"),
        (6, r"no nodes? (match|satisf|fit|has)|none of the nodes|没有.{0,3}节点.{0,4}(匹配|满足|符合)"),
        (6, r"than any( \w+)? node|比.{0,6}节点.{0,6}(大|多|高)|任何.{0,3}节点.{0,4}都"),
        (3, r"(节点|\bnodes?\b).{0,2}(标签|labels?)|cordon|拓扑|优先级"),
        (4, r"(?<!kube-)\bschedul(e|ed|ing|able)\b|调度(?!器)"),
        (2.5, r"autoscal|扩容|scale ?up|karpenter"),
        (3, r"preempt|抢占|priorityclass|topology ?spread|max pods"),
        (6, r"too many pods|pod 数.{0,4}(上限|满)"),
        (4, r"exceeded quota|resourcequota|resource quota|(超出|超过|超了).{0,2}配额"),
        (6, r"(scheduler|调度器).{0,25}(place|put|assign|分配|选不)|won'?t (be )?placed|not (being )?placed"),
        (1.5, r"\bgpu\b|nvidia|\bcpu\b|(cpu|memory|resource) requests?|requests? (are )?too|等待"),
        (2, r"(cpu|内存|memory|gpu).{0,4}(请求|requests?)|(请求|requests?).{0,6}(cpu|内存|memory|gpu)"),
    ),
    # NotReady / Unknown nodes, kubelet, container runtime, CNI (a CNI not ready is a node condition).
    "node_not_ready": (
        (7, r"(?<!containers)not ?-?ready|不 ?ready|未就绪|不就绪|没就绪|notready|ready=(false|unknown)"),
        (4, r"\bkubelet\b"),
        (5, r"(status|状态).{0,6}unknown|unknown\b.{0,10}(node|status)|节点状态|node status"),
        (5, r"node conditions?|节点(状况|条件)|node\.kubernetes\.io/(unreachable|not-ready)"),
        (4, r"container ?runtime|(?<!/)containerd|docker(d)? (daemon|service)|cri-o|\bcrio\b"),
        (4, r"\bcri\b|运行时|dockershim|cgroup ?driver|\bswap\b"),
        (3, r"\bcni\b|calico|flannel|cilium|weave|canal|antrea|kube-ovn"),
        (8, r"\bpleg\b|posting node status|node heartbeat|node lease|lease not renewed|register node"),
        (4, r"\blease\b"),
        (9, r"cni config uninitiali|network ?plugin.{0,15}not ?ready|cni plugin not initiali"),
        (8, r"cni.{0,8}(没|未)(初始化|准备好|就绪)|runtime (is )?down|runtime (not|isn'?t) (ready|respond)"),
        (6, r"failedcreatepodsandbox|pod sandbox|failed to reserve container name"),
        (
            6,
            r"(\bnodes?\b|节点|worker|master)[-\w]{0,20}.{0,15}(\bdown\b|unreachable|失联|宕|不可用|不正常"
            r"|掉线|离线|offline|flapping|not responding|lost contact|失去联系|node not found|没恢复|dropp)",
        ),
        (6, r"节点.{0,4}(挂了|挂掉|不健康)|\bnodes?\b.{0,10}(unhealthy|not healthy)"),
        (
            5,
            r"(kubelet|containerd|\bdocker\b|运行时|runtime).{0,8}(挂|\bdown\b|dead|died|crash|崩|起不来"
            r"|not running|stopped|停|hung|hang)",
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
        (5, r"\bdns\b|coredns|kube-dns|nslookup|\bdig\b|resolv|name resolution|域名|\bndots\b"),
        (8, r"nxdomain|servfail"),
        (3, r"解析"),
        (3, r"ingress|网关|gateway|virtualservice|istio|envoy|traefik|service mesh|\bupstream\b"),
        (8, r"no available server|no healthy upstream|upstream connect error|reset before headers"),
        (8, r"upstream (prematurely closed|timed out|sent)|connect\(\) failed"),
        (6, r"networkpolic|network polic|网络策略|netpol"),
        (4, r"connection (refused|reset|timed out|timeout)|i/o timeout|no route to host|dial tcp"),
        (4, r"econnrefused|连接(被)?拒绝|拒绝连接|连接超时|连不上|连接失败|connect: "),
        (2, r"\bcurl\b|\bwget\b|telnet|\bping\b"),
        (3, r"clusterip|cluster ip|loadbalancer|load balancer|externalip|外部访问|外网|公网|egress"),
        (3, r"kube-proxy|iptables|ipvs|\bmtu\b|conntrack|\bsnat\b|targetport|target port|headless"),
        (3, r"网络|\bnetwork\b|\bnetworking\b|不通|调不通|访问不了|访问不到|无法访问|访问失败|打不开"),
        (4, r"访问.{0,6}(超时|报错|失败)|(?<!node)selector.{0,12}(mismatch|写错|不对)|没有后端|no backends?"),
        (1.5, r"\bservices?\b|\bsvc\b"),
        (2, r"超时|\btimeout\b|timing out|times? out\b|timed out"),
        (2, r"\btraffic\b|流量|\brout(e|es|ing)\b|路由|(?<!port-)\bforward(s|ing|ed)?\b|转发"),
        (4, r"(can'?t|cannot|unable to|not) (reach|access|connect|curl|call|hit)|unreachable"),
        (4, r"talk to|communicat|互通|通信|互相访问|reach each other"),
        (3, r"pod[- ]to[- ]pod|跨节点|between namespaces|cross-node|across nodes"),
        (3, r"服务之间|之间.{0,4}不通"),
        (2, r"\bcni\b|calico|flannel|cilium|weave"),
    ),
    # PVC / PV binding, volume mount or attach, storage classes.
    "storage": (
        (6, r"\bpvcs?\b|persistentvolumeclaim|persistent volume claim|\bclaims?\b|pvc-protection"),
        (6, r"volumeclaimtemplate|volumeattachment|csidriver|csinode"),
        (5, r"\bpvs?\b|persistentvolume|persistent volumes?"),
        (3, r"\bvolumes?\b|卷"),
        (8, r"failedmount|failedattach|multi-attach|mountvolume|attachvolume|unmounted volumes"),
        (8, r"unable to (attach|mount)"),
        (6, r"(attach|mount)(ing)? (the |a )?volume"),
        (5, r"\bmount(s|ed|ing)?\b|挂载|挂不上|mount\.nfs|unmount"),
        (4, r"\battach(ed|ing|es)?\b|detach"),
        # A volume still attached to (or mounted on) the old node: Multi-Attach in plain words.
        (
            7,
            r"still (attached|mounted)|attached to (another|the old|a different|the dead|other)"
            r"|还挂在|挂在.{0,6}(旧|老|原|之前|另一|别的|其他|死掉)",
        ),
        (6, r"storage ?class|provision(er|ing|ed)?|动态供给|\bcsi\b|存储类"),
        (4, r"\bnfs\b|ceph|\brbd\b|\bebs\b|\befs\b|longhorn|cinder|iscsi|gluster|openebs|云盘|数据盘"),
        (4, r"local-path|hostpath|azure ?(disk|file)|gce-?pd|portworx|\brook\b|cloud disk|块存储"),
        (3, r"\b(un)?bound\b|binding|rebind|绑定|绑不上|未绑定|没绑定|绑不"),
        (4, r"(pvc|\bpv\b|claim|volume|卷).{0,20}(bind|绑)|bind.{0,20}(pvc|\bpv\b|claim|volume)"),
        (3, r"\breleased\b|reclaim ?policy|回收策略|access ?mode|访问模式|readwrite(once|many)|\brw[ox]\b"),
        (3, r"(pvc|\bpv\b|卷|volume).{0,8}(扩容|resize|expand)"),
        (4, r"存储|\bstorage\b"),
        (6, r"first consumer|waitforfirstconsumer|volumebindingmode"),
        (8, r"volume node affinity|volume.{0,20}(conflict|zone)"),
    ),
    # An overall health check or inspection of a cluster or namespace.
    "cluster_health": (
        (9, r"巡检|体检"),
        (
            6,
            r"health ?check(?! (fail|error))|health (overview|report|status|summary)"
            r"|健康(检查|状况|状态|度)(?!.{0,3}(失败|没过|不过|不通过))",
        ),
        (3, r"\bhealthy\b|\bhealth\b|健康"),
        (4, r"\binspect(ion)?\b|overview|overall|summar(y|ize|ise)|整体|总体|全面|概况|概览|总览|大盘|一览"),
        (6, r"everything (ok|okay|fine|good|healthy|normal|running|green)|all (good|ok|green|healthy)"),
        (6, r"一切正常|都正常|是否正常|正常吗|正不正常|没问题吧|异常吗|稳不稳|隐患"),
        (6, r"有没有.{0,3}(问题|异常|报错|故障|告警|不正常)"),
        (6, r"any (problems?|issues?|errors?|failures?)|something (wrong|off)|for (issues|problems)"),
        (6, r"anything (broken|wrong|failing|unhealthy|abnormal|off)"),
        (5, r"check (the |my |our |all |a |this )?(cluster|namespace|nodes?|environment|env)"),
        (5, r"full check|quick check|sanity check|(cluster|namespace) check|过一遍|扫一遍|看看集群|看下集群"),
        (5, r"检查(一下|下)?.{0,6}(集群|命名空间|环境|namespace)|集群.{0,6}(状态|情况|怎么样|如何)"),
        (5, r"(state|status) of (the |all |my )?(cluster|nodes|namespaces?|pods)|cluster (state|status)"),
        (5, r"status report|handover|交接"),
        (5, r"(all|所有|全部).{0,20}(\bok\b|okay|fine|good|healthy|正常|健康)"),
        (5, r"how (healthy|is|are|'s) (the |my |our )?(cluster|namespace|nodes|things)"),
        (3, r"control ?plane|控制面|apiserver|api-server|api server|\betcd\b|scheduler|调度器"),
        (3, r"controller-manager|组件|componentstatus|report|报告|\bdaily\b|每日|每天|日报|\bscan\b"),
        (3, r"before (the )?(release|deploy|upgrade)|发版前|上线前"),
        (1, r"\bcluster\b|集群|命名空间|namespace|\bns\b|环境|\benv\b|kube-system"),
    ),
    # Security posture: Pod Security Standards, RBAC, exposure, CVEs, credentials — an audit, not an outage.
    "security": (
        (7, r"pod ?security (standards?|admission|polic(y|ies))|\bpss\b|\bpsa\b|podsecurity|kube-bench"
            r"|cis (kubernetes )?benchmark|安全基线|安全标准"),
        (7, r"complian(t|ce) with (the )?(restricted|baseline)|(restricted|baseline) (profile|level|standard|policy)"
            r"|(满足|符合|达到).{0,8}(restricted|baseline)"),
        (7, r"security (audit|scan|check|review|report|posture|assessment|risks?|issues?|holes?)|安全(审计|扫描|检查"
            r"|巡检|报告|评估|合规|隐患|风险|问题|漏洞|配置)|安全吗|安不安全|是否安全|够安全|足够安全"),
        (7, r"\bcves?\b|vulnerabilit|漏洞|trivy|镜像扫描|image scan|scan (the |my |our )?images"),
        (6, r"\bsecure\b|\bsecurity\b(?! ?context)|安全性|\binsecure\b"),
        (6, r"over-?privileged|权限(过大|太大|过高|太高)|过度授权|least privilege|最小权限"
            r"|wildcard (roles?|permissions?|verbs?)"
            r"|cluster-admin.{0,30}(service ?accounts?|\bsa\b|bound|binding|绑定)|\brbac\b.{0,20}(audit|risk|审计|风险)"
            r"|(service ?accounts?|\bsa\b).{0,30}cluster-admin"),
        (4, r"hostpath|cluster-admin"),
        (6, r"privileged (containers?|pods?|daemonsets?)|特权(容器|模式|pod)|(running|run|runs) as root"
            r"|以 ?root (用户)?运行"
            r"|root 用户运行|hostpath (volumes?|mounts?)|hostnetwork|hostpid"),
        (5, r"complian(t|ce)|合规|配置风险|hardening|harden|加固|\bhardened\b"),
        (3, r"misconfigur"),
        (6, r"(secrets?|passwords?|credentials?|keys?) in (env|environment|plain ?text)"
            r"|hard-?coded (passwords?|secrets?|credentials?|keys?)|明文(密码|凭证|密钥)"
            r"|plaintext (passwords?|secrets?|credentials?)"),
        (4, r"default[- ]deny|attack surface|攻击面|\bsarif\b|exposed to the internet|暴露(在|到)?公网"),
        (6, r"default[- ]deny.{0,20}(network ?polic|netpol)|(no|without|missing) (a )?default[- ]deny"),
    ),
    # Resources and concepts, not failures.
    "general": (
        (3, r"what (is|are|'s)\b|what does .{0,30}(do|for)\b|什么是|是什么|是啥|干嘛的|做什么的"),
        (3, r"有什么用|用途|作用|含义|原理|explain|介绍一下|解释一下|how does .{0,30} work"),
        (4, r"difference|区别|不同点|\bvs\.?\b|versus|compare|对比"),
        (3, r"how many|多少|几个|几种|count of|number of"),
        (3, r"\blist\b|\bshow( me)?\b|\bget (the |all )?(yaml|json|pods?|svc|services?|deploy|nodes?)"),
        (3, r"\bdescribe\b|列(一下|出|下)|查(一下|下|看)|看(一下|下)|显示|给我看|导出"),
        (2, r"\bwhich\b|哪个|哪些|哪里|在哪|where is"),
        (1.5, r"\bversion\b|版本|\byaml\b|\bjson\b|labels?|标签|annotations?|configmap|secret\b"),
        (1.5, r"\breplicas?\b|副本|内容|配置|running\??$"),
        (1, r"daemonset|statefulset|deployment|replicaset|cronjob|\bjob\b|\bhpa\b|\bvpa\b|\bpdb\b"),
        (1, r"poddisruptionbudget|init container|sidecar|\brbac\b|serviceaccount|\brole\b"),
    ),
}
