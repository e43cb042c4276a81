"""When: resolve time expressions against the publication date (stage "times")."""

from . import resolve
from .resolve import TimesStage, find_times

__all__ = ["TimesStage", "find_times", "resolve"]
