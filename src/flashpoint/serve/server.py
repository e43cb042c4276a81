"""Run the app with uvicorn: in the foreground for `flashpoint serve`, or in a thread for the
tests and the benchmark (a real server on 127.0.0.1, a port the system picks)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

from ..errors import E_API_START, FlashpointError


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, so a taken port fails here with FP-E086 and port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise FlashpointError(E_API_START, f"cannot listen on {host}:{port}: {exc}") from exc
    sock.listen(128)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


def run(app: Any, sock: socket.socket, log_level: str = "info") -> None:
    """Serve until interrupted (Ctrl-C)."""
    config = uvicorn.Config(app, log_level=log_level, access_log=log_level == "debug")
    uvicorn.Server(config).run(sockets=[sock])


class BackgroundServer:
    """`with BackgroundServer(app) as server:` serves on `server.url` until the block ends."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = bind(host, port)
        self.url = url_of(self.sock)
        config = uvicorn.Config(app, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise FlashpointError(E_API_START, f"the server on {self.url} did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
