"""REST API and offline dashboard over an event store (`flashpoint serve`, docs/api.md)."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # FastAPI is imported on first use, not by every `flashpoint` command (about 0.5 s)
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
