"""Text processing: sentence splitting (importing registers the "split" stage)."""

from . import splitter
from .splitter import SplitStage, split_sentences

__all__ = ["SplitStage", "split_sentences", "splitter"]
