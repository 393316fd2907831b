"""HTTP API: /ask (GET, POST form or JSON), /q/{question}, /health, /tools, /runbooks, MCP status.

Errors are mapped once, here, to `{"error": {"code", "message"}}` with a 4xx status; nothing returns a
traceback.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, Field, ValidationError, field_validator
from sse_starlette import EventSourceResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import get_version
from app.errors import CopilotError, InvalidParameter, InvalidRequest, NotFound
from app.investigate import AskRequest
from app.runbooks import RUNBOOK_ID
from app.services import Services
from app.stream import collect, sse_stream, text_stream

log = logging.getLogger(__name__)
router = APIRouter()

NAMESPACE_PATTERN = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"


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


def _validation_message(exc: ValidationError | RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{loc or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


async def _read_params(request: Request, extra: dict[str, Any] | None = None) -> AskParams:
    raw: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()
        if content_type == "application/json" or (not content_type and body.lstrip().startswith(b"{")):
            try:
                data = json.loads(body or b"{}")
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise InvalidRequest("the body is not valid JSON", code="invalid_json") from exc
            if not isinstance(data, dict):
                raise InvalidRequest("the JSON body must be an object", code="invalid_json")
            raw.update(data)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data", ""):
            form = await request.form()
            raw.update({k: v for k, v in form.items() if isinstance(v, str)})
        else:
            raise InvalidRequest(
                f"unsupported content type '{content_type}': send a form (curl -d) or JSON",
                code="unsupported_media_type",
            )
    raw.update(extra or {})
    if "q" not in raw and "question" in raw:
        raw["q"] = raw["question"]
    try:
        return AskParams.model_validate(raw)
    except ValidationError as exc:
        raise InvalidParameter(_validation_message(exc)) from exc


async def _investigate(request: Request, params: AskParams) -> Response:
    services = _services(request)
    services.investigator.resolve_mode(params.mode)  # mode=llm without an LLM: a 400 before streaming
    ask = AskRequest(
        question=params.q,
        max_steps=params.max_steps or services.settings.max_steps,
        namespace=params.namespace,
        mode=params.mode,
    )
    events = services.investigator.run(ask)
    if not params.stream:
        document = await collect(events)
        return JSONResponse({"question": params.q, **document})
    if params.format == "sse":
        return EventSourceResponse(sse_stream(events), ping=15, send_timeout=30)
    return StreamingResponse(
        text_stream(events),
        media_type="text/plain; charset=utf-8",
        headers={"X-Accel-Buffering": "no", "Cache-Control": "no-cache"},
    )


_ASK_BODY = {
    "requestBody": {
        "content": {
            "application/x-www-form-urlencoded": {"schema": AskParams.model_json_schema()},
            "application/json": {"schema": AskParams.model_json_schema()},
        }
    }
}


@router.get("/ask", summary="Investigate a question (query parameters)")
async def ask_get(
    request: Request,
    q: Annotated[str, Query(description="The question.")],
    stream: Annotated[bool, Query()] = True,
    format: Annotated[Literal["text", "sse"], Query()] = "text",
    max_steps: Annotated[int | None, Query(ge=1, le=100)] = None,
    namespace: Annotated[str | None, Query()] = None,
    mode: Annotated[Literal["auto", "llm", "runbook"], Query()] = "auto",
) -> Response:
    return await _investigate(request, await _read_params(request))


@router.post("/ask", summary="Investigate a question (form or JSON body)", openapi_extra=_ASK_BODY)
async def ask_post(request: Request) -> Response:
    return await _investigate(request, await _read_params(request))


@router.get("/q/{question:path}", summary="Investigate a question given in the path")
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
        },
        "cluster": cluster.as_dict(),
        "runbooks": len(services.runbooks.current().runbooks),
    }


@router.get("/tools", summary="Toolsets and their tools: enabled, failed and why")
async def tools(request: Request) -> dict[str, Any]:
    services = _services(request)
    settings = services.settings
    toolsets: list[dict[str, Any]] = [
        {
            "name": "kubernetes",
            "status": "enabled",
            "error": None,
            "tools": ["kubectl", "pod_logs"],
            "description": "Read-only kubectl through the command policy (used by both engines).",
        }
    ]
    if services.llm_engine is None:
        toolsets.append({"name": "llm-engine", "status": "disabled", "tools": [],
                         "error": "no LLM configured: investigations use runbooks only"})
    else:
        for ts in services.llm_engine.toolsets():
            if ts.name == "kubernetes":
                continue
            toolsets.append({"name": ts.name, "status": ts.status, "error": ts.error, "tools": ts.tools})
    if not settings.prometheus_url:
        toolsets.append({"name": "prometheus/metrics", "status": "disabled", "tools": [],
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


@router.get("/api/v1/mcp/status", summary="State of each configured MCP server")
async def mcp_status(request: Request) -> dict[str, Any]:
    statuses = await _services(request).mcp.statuses()
    return {"servers": [s.as_dict() for s in statuses]}


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CopilotError)
    async def _copilot_error(_: Request, exc: CopilotError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "invalid_parameter", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        code = codes.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return _error(exc.status_code, code, message, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error", exc_info=exc, extra={"path": request.url.path})
        return _error(500, "internal_error", "internal error; the service log has the details")


async def root() -> PlainTextResponse:
    return PlainTextResponse(
        "K8s AIOps Copilot\n\n"
        "  curl -N -X POST localhost:8000/ask -d 'q=Pod 一直在重启'\n"
        "  curl -N 'localhost:8000/ask?q=check+cluster+health&format=sse'\n\n"
        "OpenAPI: /docs · status: /health · tools: /tools · runbooks: /runbooks\n"
    )
