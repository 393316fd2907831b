"""The ASGI app: `app.main:app`. Settings are read and services started in the lifespan, not at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import get_version
from app.api import install_error_handlers, root, router
from app.approvals_api import router as approvals_router
from app.lifecycle import Lifecycle
from app.observability import Metrics, RequestMetrics, configure_logging, route_server_logs
from app.services import start_services
from app.settings import Settings, load_settings


def create_app(settings: Settings | None = None, lifecycle: Lifecycle | None = None) -> FastAPI:
    metrics = Metrics(get_version())
    lifecycle = lifecycle or Lifecycle()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        active = settings or load_settings()
        configure_logging(active.log_format, active.log_level)
        services = start_services(active)
        route_server_logs()  # an in-process snapshot server's uvicorn.Config re-configured them
        app.state.services = services
        lifecycle.start()
        try:
            yield
        finally:
            await lifecycle.stop(drain_s=active.shutdown_grace_s)
            services.close()

    app = FastAPI(
        title="K8s AIOps Copilot",
        version=get_version(),
        description="Ask about your Kubernetes cluster; get a streamed, evidence-backed investigation.",
        lifespan=lifespan,
    )
    app.state.metrics = metrics
    app.state.lifecycle = lifecycle
    app.include_router(router)
    app.include_router(approvals_router)
    app.add_api_route("/", root, include_in_schema=False)
    app.add_middleware(RequestMetrics, metrics=metrics)
    install_error_handlers(app)
    return app


app = create_app()
