"""A TCP proxy on 127.0.0.1 that can cut the browser's side of every open connection while keeping the
service's side open and drained: a network blip as the browser sees it, which the service does not notice
(so the investigation keeps running and the page must resume it)."""

from __future__ import annotations

import contextlib
import socket
import threading


class BlipProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.clients: list[socket.socket] = []
        self.lock = threading.Lock()
        self.closed = False

    @property
    def url(self) -> str:
        host, port = self.listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> BlipProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True
        self.listener.close()
        self.blip()

    def blip(self) -> None:
        """Close the browser's side of every connection open now."""
        with self.lock:
            clients, self.clients = self.clients, []
        for client in clients:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
            client.close()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            with self.lock:
                self.clients.append(client)
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket, drain: bool) -> None:
        """Copy source → target; from the service (`drain`), keep reading after the browser is gone."""
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                with contextlib.suppress(OSError):
                    target.close()
                return
            try:
                target.sendall(data)
            except OSError:
                if not drain:
                    return
