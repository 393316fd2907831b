"""HTTP for approvals: list pending ones, and decide one — which resumes the investigation as a new stream."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field, ValidationError

from app import events
from app.api import STREAM_RESPONSES, investigation_response, raw_params, validation_message
from app.approvals import Resumption
from app.errors import CopilotError, InvalidParameter, LLMNotConfigured
from app.events import Event
from app.services import Services

router = APIRouter()


class Decision(BaseModel):
    approve: bool = Field(description="true runs the command; false tells the model it was declined.")
    feedback: str | None = Field(None, max_length=2000, description="Why (passed to the model).")
    stream: bool = True
    format: Literal["text", "sse"] = "text"


@router.get("/approvals", summary="Pending approvals")
async def list_approvals(request: Request) -> dict[str, Any]:
    services: Services = request.app.state.services
    return {"approvals": [a.as_dict() for a in services.approvals.pending()]}


@router.get("/approvals/{approval_id}", summary="One approval")
async def get_approval(request: Request, approval_id: str) -> dict[str, Any]:
    services: Services = request.app.state.services
    return services.approvals.get(approval_id).as_dict()


@router.post(
    "/approvals/{approval_id}",
    summary="Approve or decline a paused command; the investigation resumes as a new stream",
    responses=STREAM_RESPONSES,
    openapi_extra={"requestBody": {"content": {
        "application/x-www-form-urlencoded": {"schema": Decision.model_json_schema()},
        "application/json": {"schema": Decision.model_json_schema()},
    }}},
)
async def decide(request: Request, approval_id: str) -> Response:
    services: Services = request.app.state.services
    try:
        decision = Decision.model_validate(await raw_params(request))
    except ValidationError as exc:
        raise InvalidParameter(validation_message(exc)) from exc
    services.approvals.get(approval_id)  # an unknown approval is a 404, with or without an LLM
    if services.llm_engine is None:
        raise LLMNotConfigured("approvals resume an LLM investigation, and no LLM is configured")
    resumption = services.approvals.decide(approval_id, decision.approve, decision.feedback)
    # The same wrappers as /ask: shutdown ends it with `done`, metrics and logs, the audit trail.
    return await investigation_response(
        request, _resumed(services, resumption), stream=decision.stream, fmt=decision.format,
        extra={"approval": resumption.approval.id, "approved": decision.approve},
        log_context={"mode": "llm", "approval": resumption.approval.id, "approved": decision.approve,
                     "question": resumption.question[:500]},
        audit_meta={"kind": "approval", "question": resumption.question, "mode": "llm",
                    "approval_id": resumption.approval.id},
    )


async def _resumed(services: Services, resumption: Resumption) -> AsyncIterator[Event]:
    started = time.monotonic()
    steps = 0
    assert services.llm_engine is not None
    try:
        async for event in services.llm_engine.resume(resumption):
            if event.type == "usage":
                steps = int(event.data["llm_calls"])
            yield event
    except CopilotError as exc:
        yield events.error(exc.code, exc.message)
    yield events.done(int((time.monotonic() - started) * 1000), steps)
