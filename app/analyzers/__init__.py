"""Deterministic analyzers: find what is broken in a cluster without an LLM (docs/analyzers.md).

One module per concern (pods, workloads, services, ingresses, pvcs, nodes, events, jobs, logs), one
interface (`model.Analyzer`), one registry (`registry.default_registry()`), one cluster reader
(`reader.ClusterReader` → `view.ClusterView`).
"""

from app.analyzers.model import Analyzer, Finding, ObjectRef, Severity

__all__ = ["Analyzer", "Finding", "ObjectRef", "Severity"]
