"""The ASGI app: `app.main:app`. Settings are read and services started in the lifespan, not at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import get_version
from app.api import install_error_handlers, root, router
from app.services import start_services
from app.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = start_services(settings or load_settings())
        app.state.services = services
        try:
            yield
        finally:
            services.close()

    app = FastAPI(
        title="K8s AIOps Copilot",
        version=get_version(),
        description="Ask about your Kubernetes cluster; get a streamed, evidence-backed investigation.",
        lifespan=lifespan,
    )
    app.include_router(router)
    app.add_api_route("/", root, include_in_schema=False)
    install_error_handlers(app)
    return app


app = create_app()
