"""Ingest: readers (text, HTML, JSON Lines), encoding repair and cleaning.

Importing this package registers the "clean" stage.
"""

from . import clean
from .clean import CleanStage, clean_text
from .encoding import decode_bytes, looks_binary
from .readers import read_path, read_stream

__all__ = [
    "CleanStage",
    "clean",
    "clean_text",
    "decode_bytes",
    "looks_binary",
    "read_path",
    "read_stream",
]
