"""A real uvicorn serving an ASGI app on 127.0.0.1 (an ephemeral port) in a background thread."""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn


class ServerThread:
    def __init__(self, app: Any) -> None:
        self.app = app
        # proxy_headers off, as `serve` runs it: the app decides whom to believe (app/proxies.py).
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on",
                                timeout_graceful_shutdown=5, proxy_headers=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("uvicorn exited during startup")
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 60s")
            time.sleep(0.02)
        self._wait_for_llm()
        return self

    def _wait_for_llm(self, limit_s: float = 60.0) -> None:
        """With an LLM configured, wait until its engine and classifier are loaded, so tests see them
        answer (the service itself answers with the rules meanwhile). Looks at the app, not over HTTP, so
        the wait leaves no trace in the service's metrics or audit trail."""
        services = getattr(getattr(self.app, "state", None), "services", None)
        if services is None or services.llm_engine is None:
            return
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            engine_done = services.llm_engine.ready or services.llm_engine.failed
            if engine_done and services.classifier.llm_ready:
                return
            time.sleep(0.05)

    @property
    def url(self) -> str:
        sock = self.server.servers[0].sockets[0]
        host, port = sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
