"""`GET /api/v1/audit`: the security audit over HTTP, with the CLI's filters and formats."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from app.analyzers.reader import ClusterUnreachable
from app.errors import NotFound
from app.security.console import audit_with_reader, options_from
from app.security.engine import parse_namespace, parse_workload
from app.security.render import to_sarif
from app.services import Services

router = APIRouter()


_RESPONSES: dict[int | str, dict[str, Any]] = {200: {
    "description": "The audit report (`format=json`) or a SARIF 2.1.0 log (`format=sarif`).",
    "content": {"application/json": {"schema": {"type": "object"}},
                "application/sarif+json": {"schema": {"type": "object"}}}}}


@router.get("/api/v1/audit", summary="Security audit: Pod Security Standards, misconfiguration, RBAC, exposure, CVEs",
            responses=_RESPONSES)
async def security_audit(
    request: Request,
    namespace: Annotated[str | None, Query(max_length=253, description="Only this namespace.")] = None,
    workload: Annotated[str | None, Query(max_length=300, description="Only this workload: KIND/NAME.")] = None,
    format: Annotated[Literal["json", "sarif"], Query(description="json (default) or sarif (2.1.0).")] = "json",
) -> Response:
    services: Services = request.app.state.services
    options = options_from(services.settings, parse_namespace(namespace), parse_workload(workload))
    reader = services.investigator.runbook_engine.reader
    if reader is None:
        raise ClusterUnreachable("no cluster reader is configured")
    report = await run_in_threadpool(audit_with_reader, reader, options)
    if options.workload is not None and not report.workloads:
        kind, name = options.workload
        where = f" in namespace {options.namespace}" if options.namespace else ""
        raise NotFound(f"no {kind} named {name}{where}")
    if format == "sarif":
        return Response(json.dumps(to_sarif(report)), media_type="application/sarif+json")
    return JSONResponse(report.as_dict())
