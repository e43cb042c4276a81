"""REST API and offline dashboard over an event store (`flashpoint serve`, docs/api.md)."""

from .app import create_app

__all__ = ["create_app"]
