"""Stage 1, classify: map a question (Chinese or English) to a problem type.

A DSPy program answers when an LLM is configured; the deterministic bilingual rules
(`app.classify_rules`) answer when none is, and whenever the LLM call fails, times out or returns
something that is not a label. Each answer says which method produced it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    import dspy

    from app.settings import Settings

from app.redact import redact

log = logging.getLogger(__name__)

ProblemType = Literal[
    "pod_crash",
    "oom_killed",
    "disk_full",
    "port_conflict",
    "helm_install",
    "image_pull",
    "pod_pending",
    "node_not_ready",
    "network",
    "storage",
    "cluster_health",
    "security",
    "general",
]
PROBLEM_TYPES: tuple[str, ...] = get_args(ProblemType)


@dataclass(frozen=True)
class Classification:
    problem_type: str
    confidence: float
    method: Literal["dspy", "rules"]

    def as_dict(self) -> dict[str, Any]:
        return {"problem_type": self.problem_type, "confidence": self.confidence, "method": self.method}


@dataclass(frozen=True)
class Example:
    question: str
    problem_type: str
    lang: str


def load_examples(split: Literal["train", "dev", "test"]) -> list[Example]:
    """The labelled questions in app/classifier_data/<split>.jsonl.

    train: few-shot demos and what the rules were written from; dev: for checking rule changes;
    test: never looked at while writing rules — the accuracy benchmark's split.
    """
    text = resources.files("app.classifier_data").joinpath(f"{split}.jsonl").read_text(encoding="utf-8")
    return [Example(**json.loads(line)) for line in text.splitlines() if line.strip()]


class ClassifierFailed(Exception):
    """The LLM classifier gave no usable label (error, timeout, or an answer that is not a label)."""


class RuleClassifier:
    """The deterministic classifier: no network, microseconds per question."""

    method: Literal["rules"] = "rules"

    def classify(self, question: str) -> Classification:
        from app.classify_rules import score_question

        problem_type, confidence = score_question(question)
        return Classification(problem_type, confidence, "rules")


def _few_shot_demos(per_type: int = 1) -> Iterator[Example]:
    """A deterministic handful of training examples: one per type, alternating languages."""
    seen: dict[str, int] = {}
    examples = load_examples("train")
    for i, ptype in enumerate(PROBLEM_TYPES):
        lang = "zh" if i % 2 else "en"
        for ex in examples:
            if ex.problem_type == ptype and ex.lang == lang and seen.get(ptype, 0) < per_type:
                seen[ptype] = seen.get(ptype, 0) + 1
                yield ex


@cache
def _signature() -> type[dspy.Signature]:
    import dspy

    class ClassifyK8sQuestion(dspy.Signature):
        """Classify an on-call engineer's Kubernetes question (Chinese or English) into one problem type.
        pod_crash: container exits/restarts, CrashLoopBackOff, liveness probe (memory not the stated
        cause); oom_killed: OOMKilled, exit 137, memory limits/pressure/leaks; disk_full: no space left,
        DiskPressure, ephemeral-storage evictions; port_conflict: address already in use, bind errors,
        hostPort/NodePort conflicts; helm_install: installing/upgrading/rolling back charts, deploying a
        monitoring stack; image_pull: ErrImagePull/ImagePullBackOff, registry auth, tags; pod_pending:
        unschedulable pods; node_not_ready: NotReady nodes, kubelet, runtime, CNI; network: service, DNS,
        ingress, NetworkPolicy, no endpoints, 502/503; storage: PVC/PV binding, mount/attach, storage
        classes; cluster_health: overall health check of a cluster or namespace; security: security audit or
        posture — Pod Security Standards compliance, RBAC privileges, exposure, CVEs, credentials; general: questions
        about resources or concepts that are not a failure."""

        question: str = dspy.InputField()
        problem_type: ProblemType = dspy.OutputField()
        confidence: float = dspy.OutputField(desc="0.0 to 1.0")

    return ClassifyK8sQuestion


class DspyClassifier:
    """The LLM classifier: a DSPy Predict program with labelled few-shot demos.

    DSPy (and litellm under it) take seconds to import, so the program is built on first use or by
    `warm_up` in the background, never at startup on the event loop.
    """

    method: Literal["dspy"] = "dspy"

    def __init__(self, model: str, api_key: str | None, api_base: str | None, timeout_s: float) -> None:
        self.model = model
        self.api_key = api_key
        self.api_base = api_base
        self.timeout_s = timeout_s
        self._built: tuple[Any, Any, Any] | None = None
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self._built is not None

    def warm_up(self) -> tuple[Any, Any, Any]:
        with self._lock:
            if self._built is None:
                os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
                import dspy

                from app.observability import route_library_logs

                route_library_logs()  # DSPy and LiteLLM installed their own (unredacted) log handlers on import
                lm = dspy.LM(
                    self.model,
                    api_key=self.api_key,
                    api_base=self.api_base,
                    temperature=0.0,
                    max_tokens=64,
                    timeout=self.timeout_s,
                    num_retries=1,
                    cache=False,
                )
                # One LM call per question: no silent retry through the JSON adapter on a parse error.
                adapter = dspy.ChatAdapter(use_json_adapter_fallback=False)
                program = dspy.Predict(_signature())
                program.demos = [
                    dspy.Example(question=ex.question, problem_type=ex.problem_type, confidence=0.95)
                    .with_inputs("question")
                    for ex in _few_shot_demos()
                ]
                self._built = (lm, adapter, program)
            return self._built

    async def classify(self, question: str) -> Classification:
        import dspy

        built = self._built if self._built is not None else await asyncio.to_thread(self.warm_up)
        lm, adapter, program = built
        try:
            with dspy.context(lm=lm, adapter=adapter):
                prediction = await program.acall(question=question)
        except dspy.DSPyError as exc:
            raise ClassifierFailed(type(exc).__name__) from exc
        label = str(prediction.problem_type)
        if label not in PROBLEM_TYPES:
            raise ClassifierFailed(f"not a problem type: {label!r}")
        confidence = min(1.0, max(0.0, float(prediction.confidence)))
        return Classification(label, round(confidence, 2), "dspy")


class Classifier:
    """What the service uses: DSPy when an LLM is configured, the rules otherwise or on failure."""

    def __init__(self, rules: RuleClassifier, llm: DspyClassifier | None = None, wait_for_llm: bool = True) -> None:
        self.rules = rules
        self.llm = llm
        # The service answers with the rules while DSPy is still importing (seconds after startup) rather
        # than hold the first question; the CLI waits, since it exists to ask the configured classifier.
        self.wait_for_llm = wait_for_llm

    @property
    def llm_ready(self) -> bool:
        return self.llm is not None and self.llm.ready

    @classmethod
    def from_settings(cls, settings: Settings, wait_for_llm: bool = True) -> Classifier:
        llm = None
        model = settings.effective_llm_model
        if model is not None:
            llm = DspyClassifier(
                model, settings.effective_llm_api_key, settings.llm_api_base, settings.classifier_timeout_s
            )
        return cls(RuleClassifier(), llm, wait_for_llm)

    async def classify(self, question: str, use_llm: bool = True) -> Classification:
        if self.llm is None or not use_llm:
            return self.rules.classify(question)
        if not self.llm.ready and not self.wait_for_llm:
            log.info("LLM classifier still loading; rules answer")
            return self.rules.classify(question)
        try:
            # Building the program imports DSPy (seconds, once): not part of the per-question budget.
            await asyncio.to_thread(self.llm.warm_up)
            return await asyncio.wait_for(self.llm.classify(redact(question)), self.llm.timeout_s)
        except (TimeoutError, ClassifierFailed) as exc:
            # The rules still answer: a classification never fails the investigation.
            reason = str(exc) or type(exc).__name__
            log.warning("LLM classifier failed; rules answer instead", extra={"error": reason})
            return self.rules.classify(question)
