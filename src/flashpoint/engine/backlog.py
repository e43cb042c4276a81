"""Coded batches that wait, in order, while the writer's dedup update runs.

With worker processes the writer keeps taking coded batches while dedup runs in its thread,
so the workers do not stand idle; on a large store an update takes long enough for thousands
of articles to be coded meanwhile (their store rows are about 23 KiB an article). The first
`MEMORY` bytes of them wait in memory; the rest are written to disk, next to the store, and
read back when their turn comes: the writer's memory stays flat however long dedup runs.
"""

from __future__ import annotations

import pickle
import shutil
import tempfile
from collections import deque
from pathlib import Path
from typing import Any

MEMORY = 16 * 1024 * 1024  # bytes of store rows held in memory; beyond, batches go to disk


def rows_size(coded: Any) -> int:
    """Bytes of a coded batch's store rows (`runners.CodedBatch.tables`)."""
    return sum(int(t.nbytes) for t in coded.tables.values())


class Backlog:
    """A first-in first-out queue of coded batches, kept in memory up to `memory` bytes."""

    def __init__(self, folder: Path | None = None, memory: int | None = None) -> None:
        self.folder = folder
        self.memory = MEMORY if memory is None else memory
        self.items: deque[tuple[Any, int]] = deque()  # (batch or its file, bytes in memory)
        self.held = 0
        self.spilled = 0  # batches written to disk so far
        self._dir: Path | None = None

    def __len__(self) -> int:
        return len(self.items)

    def append(self, coded: Any) -> None:
        size = rows_size(coded)
        if self.held + size <= self.memory or not self.items:
            self.items.append((coded, size))
            self.held += size
            return
        path = self._spill_dir() / f"{self.spilled:08d}.pickle"
        with path.open("wb") as out:
            pickle.dump(coded, out, protocol=pickle.HIGHEST_PROTOCOL)
        self.spilled += 1
        self.items.append((path, 0))

    def popleft(self) -> Any:
        item, size = self.items.popleft()
        self.held -= size
        if not isinstance(item, Path):
            return item
        with item.open("rb") as data:
            coded = pickle.load(data)  # written by this process, above
        item.unlink()
        return coded

    def close(self) -> None:
        """Forget what still waits and remove the files."""
        self.items.clear()
        self.held = 0
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def _spill_dir(self) -> Path:
        if self._dir is None:
            where = self.folder if self.folder is not None and self.folder.is_dir() else None
            self._dir = Path(tempfile.mkdtemp(prefix=".flashpoint-backlog-", dir=where))
        return self._dir
