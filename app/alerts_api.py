"""HTTP for alerts: Alertmanager's webhook receiver, and what came in.

`POST /api/v1/alerts` answers 202 with the investigations it started (and what it did with every alert);
503 + Retry-After when the alert queue is full (the alerts that fit are taken; Alertmanager's retry brings
the rest). `GET /api/v1/alerts` lists the alerts received, newest first, with the queue's state.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from app.alerts import AlertmanagerPayload
from app.alerts_queue import AlertService
from app.alerts_runner import Runtime
from app.api import validation_message
from app.audit_api import iso
from app.errors import InvalidParameter, InvalidRequest
from app.settings import Settings

router = APIRouter()
QUEUE_FULL_RETRY_AFTER_S = 30



def _inlined(schema: Any, defs: dict[str, Any]) -> Any:
    """The schema with its `$defs` references written out (OpenAPI has no `$defs`; the models nest once)."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inlined(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inlined(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inlined(v, defs) for v in schema]
    return schema


_SCHEMA = AlertmanagerPayload.model_json_schema()
_PAYLOAD_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": _inlined(_SCHEMA, _SCHEMA.get("$defs", {}))}}}}


def start_alerts(state: Any, settings: Settings) -> AlertService:
    """Build and start the alert service on the app's state (from the lifespan, after the audit trail)."""
    service = AlertService.create(Runtime.of(state), settings)
    service.start()
    state.alerts = service
    return service


def _alerts(request: Request) -> AlertService:
    service: AlertService = request.app.state.alerts
    return service


def parse_payload(body: bytes) -> AlertmanagerPayload:
    """The webhook body, validated: not JSON → 400 invalid_json; not Alertmanager's v4 shape → 422."""
    try:
        return AlertmanagerPayload.model_validate_json(body)
    except ValidationError as exc:
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            raise InvalidRequest("the body is not valid JSON", code="invalid_json") from exc
        if any(err.get("type") == "model_type" and not err.get("loc") for err in exc.errors()):
            raise InvalidParameter("the body must be a JSON object (Alertmanager's webhook payload)") from exc
        raise InvalidParameter(validation_message(exc)) from exc


@router.post("/api/v1/alerts", status_code=202, openapi_extra=_PAYLOAD_BODY,
             summary="Alertmanager webhook (version 4): each new firing alert starts an investigation")
async def receive_alerts(request: Request) -> JSONResponse:
    payload = parse_payload(await request.body())
    received = await _alerts(request).receive(payload)
    body = {
        "investigations": [r.investigation_id for r in received if r.action == "investigating"],
        "alerts": [{"fingerprint": r.fingerprint, "name": r.name, "status": r.status, "action": r.action,
                    "investigation_id": r.investigation_id} for r in received],
    }
    refused = sum(r.action == "queue_full" for r in received)
    if refused:
        error = {"code": "alert_queue_full",
                 "message": f"{refused} alert(s) not taken: the alert queue is full; retry later"}
        return JSONResponse({"error": error, **body}, status_code=503,
                            headers={"Retry-After": str(QUEUE_FULL_RETRY_AFTER_S)})
    return JSONResponse(body, status_code=202)


@router.get("/api/v1/alerts", summary="Alerts received, newest first, and the alert queue")
async def list_alerts(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500, description="How many.")] = 50,
    fingerprint: Annotated[str | None, Query(max_length=200, description="Only this alert.")] = None,
) -> dict[str, Any]:
    service = _alerts(request)
    received = await asyncio.to_thread(service.store.recent, limit, fingerprint)
    return {"queue": service.status(),
            "alerts": [{**asdict(r), "received_at": iso(r.received_at)} for r in received]}
