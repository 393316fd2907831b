"""HTTP API: /ask (GET, POST form or JSON), /q/{question}, /health, /tools, /runbooks, MCP status.

Errors are mapped once, here, to `{"error": {"code", "message"}}` with a 4xx status; nothing returns a
traceback.
"""

from __future__ import annotations

import functools
import json
import logging
import time
import urllib.parse
from collections.abc import AsyncIterator, Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field, ValidationError, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from app import get_version
from app.audit import AuditLog
from app.errors import CopilotError, InvalidParameter, InvalidRequest, NotFound, error_response
from app.events import Event
from app.investigate import AskRequest
from app.lifecycle import Lifecycle
from app.observability import Metrics, new_investigation_id, observe_investigation
from app.runbooks import RUNBOOK_ID
from app.services import Services
from app.stream import respond

log = logging.getLogger(__name__)
router = APIRouter()

# A DNS label; empty means no namespace (as `curl -d namespace=` sends).
NAMESPACE_PATTERN = r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)?$"


class AskParams(BaseModel):
    """Parameters of an investigation, from the query string, a form body or a JSON body."""

    q: str = Field(min_length=1, max_length=4000, description="The question (1–4000 characters).")
    stream: bool = Field(True, description="Stream events (true) or return one JSON document (false).")
    format: Literal["text", "sse"] = Field("text", description="Stream rendering: plain text or SSE.")
    max_steps: int | None = Field(None, ge=1, le=100, description="Agent steps (default from config).")
    namespace: str | None = Field(None, pattern=NAMESPACE_PATTERN, description="Namespace to focus on.")
    mode: Literal["auto", "llm", "runbook"] = Field("auto", description="auto | llm | runbook.")

    @field_validator("q", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("namespace", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def validation_message(exc: ValidationError | RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{loc or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


async def raw_params(request: Request) -> dict[str, Any]:
    """Parameters from the query string, merged with a form (as `curl -d` sends) or JSON body."""
    raw: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()
        if content_type == "application/json" or (not content_type and body.lstrip().startswith(b"{")):
            raw.update(_json_object(body))
        elif content_type in ("application/x-www-form-urlencoded", ""):
            # `curl -d "q=Pod 一直在重启"` sends raw UTF-8, not percent-escapes: decode the body as UTF-8
            # (Starlette's form parser would read those bytes as Latin-1).
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidRequest("the form body is not valid UTF-8", code="invalid_encoding") from exc
            raw.update(urllib.parse.parse_qsl(text, keep_blank_values=True))
        elif content_type == "multipart/form-data":
            form = await request.form()
            raw.update({k: v for k, v in form.items() if isinstance(v, str)})
        else:
            raise InvalidRequest(
                f"unsupported content type '{content_type}': send a form (curl -d) or JSON",
                code="unsupported_media_type",
            )
    return raw


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
        # Lone surrogates ("\ud800") parse, but are no text: they would fail later, at the first encode.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidRequest("the JSON body holds invalid Unicode (a lone surrogate)", code="invalid_json") from exc
    # ValueError: not JSON, not UTF-8, or an integer too long to convert; RecursionError: nested too deep.
    except (ValueError, RecursionError) as exc:
        raise InvalidRequest("the body is not valid JSON", code="invalid_json") from exc
    if not isinstance(data, dict):
        raise InvalidRequest("the JSON body must be an object", code="invalid_json")
    return data


async def _read_params(request: Request, extra: dict[str, Any] | None = None) -> AskParams:
    raw = await raw_params(request)
    raw.update(extra or {})
    if "q" not in raw and "question" in raw:
        raw["q"] = raw["question"]
    try:
        return AskParams.model_validate(raw)
    except ValidationError as exc:
        raise InvalidParameter(validation_message(exc)) from exc


async def investigation_response(
    request: Request, source: AsyncIterator[Event], *, stream: bool, fmt: str, extra: dict[str, Any],
    log_context: Mapping[str, Any], audit_meta: Mapping[str, Any],
) -> Response:
    """Serve an investigation stream (/ask, /q, a resumed approval) with every wrapper it needs.

    The lifecycle guard ends it with `error` shutting_down + `done` when the service stops; metrics and
    logs see what the client sees; the audit trail stores each event as sent (redacted). The id is the
    `X-Investigation-Id` header, the logs' `investigation_id` and the audit trail's key.
    """
    inv_id = new_investigation_id()
    lifecycle: Lifecycle = request.app.state.lifecycle
    audit: AuditLog = request.app.state.audit
    events = observe_investigation(lifecycle.guard(source), request.app.state.metrics, inv_id, log_context)
    meta = {**audit_meta, "client": request.client.host if request.client else None, "started_at": time.time()}
    response = await respond(events, stream, fmt, {**extra, "investigation_id": inv_id},
                             tap=functools.partial(audit.record, inv_id, meta),
                             shutdown_grace_s=_services(request).settings.shutdown_grace_s)
    response.headers["X-Investigation-Id"] = inv_id
    return response


async def _investigate(request: Request, params: AskParams) -> Response:
    services = _services(request)
    services.investigator.resolve_mode(params.mode)  # mode=llm without an LLM: a 400 before streaming
    ask = AskRequest(
        question=params.q,
        max_steps=params.max_steps or services.settings.max_steps,
        namespace=params.namespace,
        mode=params.mode,
    )
    return await investigation_response(
        request, services.investigator.run(ask), stream=params.stream, fmt=params.format,
        extra={"question": params.q},
        log_context={"mode": params.mode, "max_steps": ask.max_steps, "namespace": params.namespace,
                     "question": params.q[:500]},
        audit_meta={"kind": "ask", "question": params.q, "mode": params.mode, "namespace": params.namespace},
    )


# One server-sent event (`format=sse`): `event` is the event type, `data` its JSON, `id` the sequence number.
SSE_EVENT = {"type": "object", "required": ["event", "data"],
             "properties": {"event": {"type": "string"}, "data": {"type": "string"}, "id": {"type": "string"}}}
STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {200: {
    "description": "The investigation: plain text (default), SSE (`format=sse`) or one JSON document "
                   "(`stream=false`).",
    "content": {"text/plain": {"schema": {"type": "string"}}, "text/event-stream": {"schema": SSE_EVENT},
                "application/json": {"schema": {"type": "object"}}},
}}

_ASK_BODY = {
    "requestBody": {
        "content": {
            "application/x-www-form-urlencoded": {"schema": AskParams.model_json_schema()},
            "application/json": {"schema": AskParams.model_json_schema()},
        }
    }
}


@router.get("/ask", summary="Investigate a question (query parameters)", responses=STREAM_RESPONSES)
async def ask_get(
    request: Request,
    q: Annotated[str, Query(description="The question.")],
    stream: Annotated[bool, Query()] = True,
    format: Annotated[Literal["text", "sse"], Query()] = "text",
    max_steps: Annotated[int | None, Query(ge=1, le=100)] = None,
    namespace: Annotated[str | None, Query(pattern=NAMESPACE_PATTERN)] = None,
    mode: Annotated[Literal["auto", "llm", "runbook"], Query()] = "auto",
) -> Response:
    return await _investigate(request, await _read_params(request))


@router.post("/ask", summary="Investigate a question (form or JSON body)", openapi_extra=_ASK_BODY,
             responses=STREAM_RESPONSES)
async def ask_post(request: Request) -> Response:
    return await _investigate(request, await _read_params(request))


@router.get("/q/{question:path}", summary="Investigate a question given in the path",
            responses=STREAM_RESPONSES)
async def ask_path(request: Request, question: Annotated[str, Path(max_length=8000)]) -> Response:
    return await _investigate(request, await _read_params(request, {"q": question}))


@router.get("/health", summary="Service status, version, LLM and cluster reachability")
async def health(request: Request) -> dict[str, Any]:
    from starlette.concurrency import run_in_threadpool

    services = _services(request)
    cluster = await run_in_threadpool(services.cluster.status, services.runner)
    engine = services.llm_engine
    return {
        "status": "ok",
        "version": get_version(),
        "llm": {
            "configured": services.settings.llm_configured,
            "model": services.settings.effective_llm_model,
            "engine_ready": engine.ready if engine is not None else False,
            "classifier_ready": services.classifier.llm_ready,
        },
        "cluster": cluster.as_dict(),
        "runbooks": len(services.runbooks.current().runbooks),
    }


@router.get("/tools", summary="Toolsets and their tools: enabled, failed and why")
async def tools(request: Request) -> dict[str, Any]:
    from starlette.concurrency import run_in_threadpool

    from app.tools.prometheus import PrometheusClient, PrometheusError

    services = _services(request)
    settings = services.settings
    toolsets: list[dict[str, Any]] = [
        {
            "name": "kubernetes",
            "type": "builtin",
            "status": "enabled",
            "error": None,
            "tools": ["kubectl", "kubectl_action"],
            "description": "Typed kubectl reads and approval-gated actions (used by both engines).",
        }
    ]
    if services.llm_engine is None:
        toolsets.append({"name": "llm-engine", "type": "builtin", "status": "disabled", "tools": [],
                         "error": "no LLM configured: investigations use runbooks only"})
        if settings.prometheus_url:
            # The runbook engine's PromQL steps: report whether Prometheus answers right now.
            def check_prometheus() -> str | None:
                try:
                    with PrometheusClient(settings.prometheus_url or "", timeout_s=min(settings.tool_timeout_s, 5.0),
                                          headers=settings.prometheus_headers) as client:
                        client.check()
                except PrometheusError as exc:
                    return exc.message
                return None

            error = await run_in_threadpool(check_prometheus)
            toolsets.append({"name": "prometheus/metrics", "type": "builtin",
                             "status": "failed" if error else "enabled", "error": error,
                             "tools": [] if error else ["promql_instant", "promql_range"],
                             "description": "PromQL diagnostic steps of the runbooks."})
        toolsets += [{"name": name, "type": "mcp", "status": "disabled", "tools": [],
                      "error": "MCP tools are used by the LLM engine and no LLM is configured "
                               "(see /api/v1/mcp/status for the server itself)"}
                     for name in settings.mcp_servers]
    else:
        for ts in services.llm_engine.toolsets():
            if ts.name == "kubernetes" and ts.status == "enabled":  # listed above
                continue
            toolsets.append({"name": ts.name, "type": "mcp" if ts.name in settings.mcp_servers else "builtin",
                             "status": ts.status, "error": ts.error, "tools": ts.tools})
    if not settings.prometheus_url:
        toolsets.append({"name": "prometheus/metrics", "type": "builtin", "status": "disabled", "tools": [],
                         "error": "PROMETHEUS_URL is not set"})
    return {"toolsets": toolsets}


@router.get("/runbooks", summary="Loaded runbooks and load errors")
async def list_runbooks(request: Request) -> dict[str, Any]:
    current = _services(request).runbooks.current()
    return {
        "runbooks": [
            {"id": r.id, "title": r.title, "problem_types": r.problem_types, "source": r.source,
             "description": r.description}
            for r in sorted(current.runbooks.values(), key=lambda r: r.id)
        ],
        "errors": [{"file": f, "error": e} for f, e in sorted(current.errors.items())],
    }


@router.get("/runbooks/{runbook_id}", summary="One runbook, full text")
async def get_runbook(request: Request, runbook_id: str) -> dict[str, Any]:
    if not RUNBOOK_ID.match(runbook_id):
        raise NotFound(f"no runbook '{runbook_id[:80]}'")
    runbook = _services(request).runbooks.current().runbooks.get(runbook_id)
    if runbook is None:
        raise NotFound(f"no runbook '{runbook_id}'")
    return runbook.model_dump()


@router.get("/metrics", summary="Prometheus metrics (text exposition format)", include_in_schema=False)
async def metrics(request: Request) -> Response:
    registry: Metrics = request.app.state.metrics
    current = _services(request).runbooks.current()
    registry.runbooks_loaded.set(len(current.runbooks))
    registry.runbook_errors.set(len(current.errors))
    return Response(registry.render(), media_type=CONTENT_TYPE_LATEST)


@router.get("/api/v1/mcp/status", summary="State of each configured MCP server")
async def mcp_status(request: Request) -> dict[str, Any]:
    """A live probe of each server (connect, initialize, list tools), and what the LLM engine loaded."""
    services = _services(request)
    statuses = await services.mcp.statuses()
    engine = {ts.name: ts for ts in services.llm_engine.toolsets()} if services.llm_engine else {}
    servers = []
    for status in statuses:
        loaded = engine.get(status.name)
        servers.append({
            **status.as_dict(),
            "llm_toolset": None if loaded is None else
            {"status": loaded.status, "error": loaded.error, "tools": loaded.tools},
        })
    return {"servers": servers}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CopilotError)
    async def _copilot_error(_: Request, exc: CopilotError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers or None)

    @app.exception_handler(ClientDisconnect)
    async def _client_gone(_: Request, exc: ClientDisconnect) -> JSONResponse:
        # Nobody is left to read this; without it the 500 handler would log a traceback per dropped upload.
        return error_response(400, "client_disconnected", "the client disconnected while sending the request")

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_parameter", validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        code = codes.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(exc.status_code, code, message, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error", exc_info=exc, extra={"path": request.url.path})
        return error_response(500, "internal_error", "internal error; the service log has the details")


async def root() -> PlainTextResponse:
    return PlainTextResponse(
        "K8s AIOps Copilot\n\n"
        "  curl -N -X POST localhost:8000/ask -d 'q=Pod 一直在重启'\n"
        "  curl -N 'localhost:8000/ask?q=check+cluster+health&format=sse'\n\n"
        "OpenAPI: /docs · status: /health · tools: /tools · runbooks: /runbooks\n"
    )
