"""Wiring: build the running service's parts from one Settings, and close them again."""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass

from app.analyzers.reader import ClusterReader
from app.approvals import ApprovalStore
from app.classify import Classifier
from app.cluster import Cluster
from app.engine.holmes import HolmesEngine
from app.engine.runbook import RunbookEngine
from app.investigate import Investigator
from app.mcp_status import McpMonitor
from app.runbooks import RunbookStore
from app.settings import Settings
from app.tools.kubectl import KubectlRunner
from app.tools.prometheus import PrometheusClient, run_promql

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    cluster: Cluster
    runner: KubectlRunner
    runbooks: RunbookStore
    classifier: Classifier
    llm_engine: HolmesEngine | None
    investigator: Investigator
    mcp: McpMonitor
    approvals: ApprovalStore
    prometheus: PrometheusClient | None = None

    def close(self) -> None:
        if self.llm_engine is not None:
            self.llm_engine.shutdown()
        self.runner.kill_all()  # no kubectl outlives the service
        self.approvals.close()
        if self.investigator.runbook_engine.reader is not None:
            self.investigator.runbook_engine.reader.close()
        if self.prometheus is not None:
            self.prometheus.close()
        self.cluster.close()


def start_services(settings: Settings) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    cluster = Cluster.connect(settings)
    runner = cluster.runner(settings)
    runbooks = RunbookStore(settings.runbooks_dir, settings.runbooks_reload_interval_s)
    runbooks.refresh()
    classifier = Classifier.from_settings(settings, wait_for_llm=False)
    if settings.bash_tool_unsafe_allow_all:
        log.warning(
            "BASH_TOOL_UNSAFE_ALLOW_ALL is set: cluster-changing commands run WITHOUT human approval "
            "(Secrets and identity flags stay refused)"
        )
    approvals = ApprovalStore(settings.data_dir / "approvals.db", settings.approval_ttl_s)
    llm_engine = HolmesEngine(settings, runner, approvals) if settings.llm_configured else None
    if llm_engine is not None:
        # Importing HolmesGPT and DSPy takes seconds: do it in the background so /health answers at once.
        llm_engine.warm_up()
    if classifier.llm is not None:
        threading.Thread(target=classifier.llm.warm_up, name="dspy-warm-up", daemon=True).start()
    reader = ClusterReader(cluster.kubeconfig, cluster.context, timeout_s=min(settings.tool_timeout_s, 10.0))
    # Importing the kubernetes client takes ~0.3 s: do it now, off the request path.
    threading.Thread(target=reader.warm_up, name="cluster-reader-warm-up", daemon=True).start()
    prometheus = None
    if settings.prometheus_url:
        prometheus = PrometheusClient(settings.prometheus_url, settings.tool_timeout_s, settings.prometheus_max_series,
                                      headers=settings.prometheus_headers)
    # Without Prometheus, runbook PromQL steps are skipped (and the answer says so).
    promql = functools.partial(run_promql, prometheus) if prometheus is not None else None
    runbook_engine = RunbookEngine(reader, runner, runbooks, promql=promql)
    investigator = Investigator(classifier, runbooks, runbook_engine, llm_engine)
    log.info(
        "service started",
        extra={
            "llm_model": settings.effective_llm_model,
            "cluster": cluster.source,
            "runbooks": len(runbooks.current().runbooks),
        },
    )
    return Services(settings, cluster, runner, runbooks, classifier, llm_engine, investigator,
                    McpMonitor(settings.mcp_servers), approvals, prometheus)
