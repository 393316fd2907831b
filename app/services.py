"""Wiring: build the running service's parts from one Settings, and close them again."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from app.classify import Classifier
from app.cluster import Cluster
from app.engine.holmes import HolmesEngine
from app.engine.runbook import RunbookEngine
from app.investigate import Investigator
from app.mcp_status import McpMonitor
from app.runbooks import RunbookStore
from app.settings import Settings
from app.tools.kubectl import KubectlRunner

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

    def close(self) -> None:
        if self.llm_engine is not None:
            self.llm_engine.shutdown()
        self.cluster.close()


def start_services(settings: Settings) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    cluster = Cluster.connect(settings)
    runner = cluster.runner(settings)
    runbooks = RunbookStore(settings.runbooks_dir, settings.runbooks_reload_interval_s)
    runbooks.refresh()
    classifier = Classifier.from_settings(settings)
    llm_engine = HolmesEngine(settings, runner) if settings.llm_configured else None
    if llm_engine is not None:
        # Importing HolmesGPT and DSPy takes seconds: do it in the background so /health answers at once.
        llm_engine.warm_up()
    if classifier.llm is not None:
        threading.Thread(target=classifier.llm.warm_up, name="dspy-warm-up", daemon=True).start()
    investigator = Investigator(classifier, runbooks, RunbookEngine(), llm_engine)
    log.info(
        "service started",
        extra={
            "llm_model": settings.effective_llm_model,
            "cluster": cluster.source,
            "runbooks": len(runbooks.current().runbooks),
        },
    )
    return Services(settings, cluster, runner, runbooks, classifier, llm_engine, investigator,
                    McpMonitor(settings.mcp_servers))
