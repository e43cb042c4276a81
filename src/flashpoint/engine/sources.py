"""Inputs as work: which files to read, listed cheaply, read where the batch is coded.

Reading a page (decoding, repair, HTML extraction) costs about as much as coding it, so the
engines read text and HTML files in their workers and the writer's process only lists them.
`list_inputs` lists exactly what `read_path` would read, in the same order, by walking the
inputs with a size cap of 0 bytes: the readers then stat every file and reject it as too large
before opening it, while skipping, ordering and every other reject (unknown format, unreadable
folder, empty file) stay theirs. Each "too large" file becomes a path to read (with the real
cap) by whoever codes the batch; JSON Lines files, which hold many documents, and stdin are
read here.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import E_TOO_LARGE
from ..ingest.readers import FORMATS, read_path, read_stream
from ..model import Document, Reject

Work = Document | Reject | str  # a str is the path of one text or HTML file, not read yet


def _walk(name: str) -> Iterator[Document | Reject | Path]:
    """What `read_path` gives for `name` with a size cap of 0: its own skips and rejects, and
    the path of each file it would read (which it rejects as too large)."""
    for item in read_path(Path(name), max_bytes=0):
        if isinstance(item, Reject) and item.code == E_TOO_LARGE.code:
            yield Path(item.origin)
        else:
            yield item  # unknown, unreadable or empty: the walker's own reject


def _is_jsonl(path: Path) -> bool:
    return FORMATS.get(path.suffix.lower()) == "jsonl"


def list_inputs(inputs: Iterable[str], max_bytes: int) -> Iterator[Work]:
    """Files, folders and "-" (stdin) as work items, in the order `read_path` reads them."""
    for name in inputs:
        if name == "-":
            yield from read_stream(sys.stdin.buffer, name="<stdin>", max_bytes=max_bytes)
            continue
        for item in _walk(name):
            if not isinstance(item, Path):
                yield item
            elif _is_jsonl(item):
                yield from read_path(item, max_bytes=max_bytes)
            else:
                yield str(item)


def count_inputs(inputs: Iterable[str]) -> int | None:
    """About how many work items `list_inputs` will give (None when stdin is among the inputs):
    the progress bar's total. The walk only stats files; a JSON Lines file counts its non-blank
    lines, one document or reject each (a file rejected whole, as binary say, is one item)."""
    count = 0
    for name in inputs:
        if name == "-":
            return None
        for item in _walk(name):
            count += _records_in(item) if isinstance(item, Path) and _is_jsonl(item) else 1
    return count


def _records_in(path: Path) -> int:
    try:
        with path.open("rb") as fh:
            return sum(1 for line in fh if line.strip())
    except OSError:
        return 1  # read later, it becomes one reject


def read_items(items: Iterable[Work], max_bytes: int) -> Iterator[Document | Reject]:
    """Work items as documents and rejects: paths are read, the rest passes through."""
    for item in items:
        if isinstance(item, str):
            yield from read_path(Path(item), max_bytes=max_bytes)
        else:
            yield item
