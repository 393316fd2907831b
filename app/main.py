"""The ASGI app: `app.main:app`. Settings are read and services started in the lifespan, not at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app import get_version
from app.alerts_api import router as alerts_router
from app.alerts_api import start_alerts
from app.api import install_error_handlers, root, router
from app.approvals_api import router as approvals_router
from app.audit import AuditLog
from app.audit_api import router as audit_router
from app.auth import ALWAYS_OPEN, AuthConfig, BearerAuth
from app.lifecycle import Lifecycle
from app.limits import LimitsConfig, RequestLimits
from app.observability import Metrics, RequestMetrics, configure_logging, route_server_logs
from app.overview import router as overview_router
from app.proxies import ProxyConfig, TrustedProxies
from app.security.api import router as security_router
from app.services import start_services
from app.settings import Settings, load_settings
from app.web.routes import install_web


def create_app(settings: Settings | None = None, lifecycle: Lifecycle | None = None) -> FastAPI:
    metrics = Metrics(get_version())
    lifecycle = lifecycle or Lifecycle()
    auth = AuthConfig()
    limits = LimitsConfig()
    proxies = ProxyConfig()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        active = settings or load_settings()
        configure_logging(active.log_format, active.log_level)
        services = start_services(active)
        route_server_logs()  # an in-process snapshot server's uvicorn.Config re-configured them
        audit = AuditLog(active.data_dir / "audit.db", active.audit_max_investigations)
        audit.start()
        app.state.services = services
        app.state.audit = audit
        auth.configure(active)
        limits.configure(active)
        proxies.configure(active)
        lifecycle.start()
        alerts = start_alerts(app.state, active)
        try:
            yield
        finally:
            await lifecycle.stop(drain_s=active.shutdown_grace_s)
            await alerts.stop(timeout_s=active.shutdown_grace_s)
            await audit.drain(timeout_s=active.shutdown_grace_s)  # the streams' last events, then flush
            services.close()
            audit.close()

    app = FastAPI(
        title="K8s AIOps Copilot",
        version=get_version(),
        description="Ask about your Kubernetes cluster; get a streamed, evidence-backed investigation.",
        lifespan=lifespan,
        docs_url=None,  # served offline by app/web (vendored Swagger UI), not from a CDN
        redoc_url=None,
    )
    app.state.metrics = metrics
    app.state.lifecycle = lifecycle
    app.include_router(router)
    app.include_router(approvals_router)
    app.include_router(audit_router)
    app.include_router(security_router)
    app.include_router(overview_router)
    app.include_router(alerts_router)
    install_web(app, root)
    # Outermost last: metrics count every answer (401s and 429s too), auth comes before any limit.
    app.add_middleware(RequestLimits, config=limits)
    app.add_middleware(BearerAuth, config=auth)
    app.add_middleware(RequestMetrics, metrics=metrics)
    app.add_middleware(TrustedProxies, config=proxies)  # first of all: who the client is
    install_error_handlers(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


_ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated spec, made to say what the service really answers: the bearer scheme (required only
    when API_TOKEN is set) and the one error document for every 4xx (FastAPI would document its own 422)."""
    if app.openapi_schema is None:
        spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = spec.setdefault("components", {})
        components["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "API_TOKEN, when the service has one (else no authentication)."}}
        components.setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
        for name in ("HTTPValidationError", "ValidationError"):
            components["schemas"].pop(name, None)
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for path, operations in spec.get("paths", {}).items():
            for operation in operations.values():
                operation["security"] = [] if path in ALWAYS_OPEN else [{"bearer": []}, {}]
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                responses["4XX"] = {"description": "Bad input, unauthorized, not found, too large or rate limited "
                                                   "(429 with Retry-After).", **error}
        app.openapi_schema = spec
    return app.openapi_schema


app = create_app()
