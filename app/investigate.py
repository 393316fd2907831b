"""Stage 3, investigate: classify → select → run an engine, as one stream of events ending in `done`.

Mode `llm` runs the HolmesGPT engine; mode `runbook` the no-LLM engine; `auto` picks llm when an LLM
is configured. In auto mode, an LLM failure before any answer falls back to the no-LLM investigation,
so the user still gets one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal

from app import events
from app.classify import Classifier
from app.engine.holmes import EngineRequest, HolmesEngine
from app.engine.runbook import RunbookEngine, RunbookRequest
from app.errors import CopilotError, LLMNotConfigured
from app.events import Event
from app.runbooks import RunbookStore
from app.select import select

log = logging.getLogger(__name__)

Mode = Literal["auto", "llm", "runbook"]


@dataclass(frozen=True)
class AskRequest:
    question: str
    max_steps: int = 20
    namespace: str | None = None
    mode: Mode = "auto"


class Investigator:
    def __init__(
        self,
        classifier: Classifier,
        runbooks: RunbookStore,
        runbook_engine: RunbookEngine,
        llm_engine: HolmesEngine | None,
    ) -> None:
        self.classifier = classifier
        self.runbooks = runbooks
        self.runbook_engine = runbook_engine
        self.llm_engine = llm_engine

    def resolve_mode(self, mode: Mode) -> Literal["llm", "runbook"]:
        if mode == "llm" and self.llm_engine is None:
            raise LLMNotConfigured(
                "mode=llm needs an LLM: set LLM_MODEL (and LLM_API_KEY / LLM_API_BASE) or DEEPSEEK_API_KEY"
            )
        if mode == "auto":
            return "llm" if self.llm_engine is not None else "runbook"
        return mode

    async def run(self, request: AskRequest) -> AsyncIterator[Event]:
        started = time.monotonic()
        steps = 0
        try:
            mode = self.resolve_mode(request.mode)
            found = await self.classifier.classify(request.question, use_llm=mode == "llm")
            yield events.classification(found.problem_type, found.confidence, found.method)
            selection = select(found.problem_type, request.question, self.runbooks.current())
            yield events.runbooks(selection.runbook_ids)

            answered = False
            llm_failed = False
            collected = None
            if mode == "llm" and self.llm_engine is not None:
                # The analyzers' findings go to the model as pre-collected evidence (and serve a fallback).
                collected = await self.runbook_engine.collect(request.question, found.problem_type,
                                                              request.namespace)
                if collected is not None:
                    yield events.message(f"Analyzers (pre-collected evidence for the model): {collected.summary()}")
                evidence = collected.evidence() if collected is not None else None
                additions = selection.system_prompt_additions(request.namespace, evidence)
                engine_request = EngineRequest(request.question, additions, request.max_steps, evidence)
                async for event in self.llm_engine.investigate(engine_request):
                    if event.type == "usage":
                        steps = int(event.data["llm_calls"])
                    answered = answered or event.type == "answer"
                    if event.type == "error" and event.data["code"].startswith("llm_"):
                        llm_failed = True
                    yield event
            if mode == "runbook" or (request.mode == "auto" and llm_failed and not answered):
                if llm_failed:
                    yield events.message("The LLM could not complete the investigation; investigating without it.")
                async for event in self.runbook_engine.investigate(
                    RunbookRequest(request.question, selection, request.namespace, collected, request.max_steps)
                ):
                    steps += event.type == "tool_result"
                    yield event
        except CopilotError as exc:
            yield events.error(exc.code, exc.message)
        yield events.done(int((time.monotonic() - started) * 1000), steps)
