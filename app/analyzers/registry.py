"""The analyzer registry: built-ins are registered exactly the way a plugin would be."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from app.analyzers.mapping import declare, runbook_for
from app.analyzers.model import Analyzer, Finding, sort_key
from app.analyzers.view import KINDS, ClusterView, KindSpec
from app.runbooks import RunbookSet

log = logging.getLogger(__name__)


def builtin_analyzers() -> list[Analyzer]:
    from app.analyzers.addons import AddonsAnalyzer
    from app.analyzers.admission import AdmissionAnalyzer
    from app.analyzers.events import EventsAnalyzer
    from app.analyzers.helm import HelmAnalyzer
    from app.analyzers.hpa import HpaAnalyzer
    from app.analyzers.ingresses import IngressesAnalyzer
    from app.analyzers.jobs import JobsAnalyzer
    from app.analyzers.logs import LogsAnalyzer
    from app.analyzers.netpol import NetworkPolicyAnalyzer
    from app.analyzers.nodes import NodesAnalyzer
    from app.analyzers.pods import PodsAnalyzer
    from app.analyzers.ports import ServicePortsAnalyzer
    from app.analyzers.pvcs import PvcsAnalyzer
    from app.analyzers.services import ServicesAnalyzer
    from app.analyzers.workloads import WorkloadsAnalyzer

    return [PodsAnalyzer(), WorkloadsAnalyzer(), ServicesAnalyzer(), IngressesAnalyzer(), PvcsAnalyzer(),
            NodesAnalyzer(), JobsAnalyzer(), LogsAnalyzer(), AdmissionAnalyzer(), AddonsAnalyzer(),
            NetworkPolicyAnalyzer(), ServicePortsAnalyzer(), HpaAnalyzer(), HelmAnalyzer(), EventsAnalyzer()]


class Registry:
    def __init__(self, analyzers: Iterable[Analyzer] = ()) -> None:
        self._analyzers: dict[str, Analyzer] = {}
        for analyzer in analyzers:
            self.register(analyzer)

    def register(self, analyzer: Analyzer) -> None:
        if analyzer.name in self._analyzers:
            raise ValueError(f"an analyzer named {analyzer.name!r} is already registered")
        self._analyzers[analyzer.name] = analyzer
        declare(getattr(analyzer, "reasons", {}))

    def __iter__(self) -> Iterator[Analyzer]:
        return iter(list(self._analyzers.values()))

    @property
    def names(self) -> list[str]:
        return list(self._analyzers)

    def kinds(self) -> set[str]:
        return {kind for analyzer in self._analyzers.values() for kind in analyzer.kinds}

    def kind_specs(self) -> dict[str, KindSpec]:
        """Where each list lives: view.KINDS plus what analyzers declare for lists it does not know."""
        specs = dict(KINDS)
        for analyzer in self._analyzers.values():
            for kind, spec in getattr(analyzer, "kind_specs", {}).items():
                specs.setdefault(kind, spec)
        return specs

    def shown_for(self) -> dict[str, tuple[str, ...]]:
        return {a.name: tuple(getattr(a, "problem_types", ())) for a in self._analyzers.values()}


def default_registry() -> Registry:
    return Registry(builtin_analyzers())


@dataclass(frozen=True)
class AnalyzerRun:
    name: str
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None


def run_analyzers(view: ClusterView, analyzers: Iterable[Analyzer], runbooks: RunbookSet | None = None
                  ) -> list[AnalyzerRun]:
    """Run each analyzer over the view; a broken one is reported, not fatal. Findings get their runbook."""
    runs = []
    for analyzer in analyzers:
        try:
            found = analyzer.analyze(view)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            log.warning("analyzer failed", extra={"analyzer": analyzer.name}, exc_info=exc)
            runs.append(AnalyzerRun(analyzer.name, [], f"{type(exc).__name__}: {exc}"))
            continue
        if runbooks is not None:
            found = [replace(f, runbook=f.runbook or runbook_for(f, runbooks)) for f in found]
        runs.append(AnalyzerRun(analyzer.name, sorted(found, key=sort_key)))
    return runs


def all_findings(runs: Iterable[AnalyzerRun]) -> list[Finding]:
    return sorted((f for run in runs for f in run.findings), key=sort_key)
