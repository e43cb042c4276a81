"""The `processes` engine: a pool of worker processes on this machine.

Workers are started with forkserver (spawn where forkserver is missing), never fork: the parent
holds a DuckDB connection and threads, which a forked child must not inherit. The forkserver
loads the run's pipeline before it forks the workers, so they share its knowledge pages
(`flashpoint.engine.preload`); a worker without it builds the pipeline from the pickled `Config`
on its first batch and keeps it. The forkserver starts as soon as the runner is made, so the
knowledge loads while the writer opens its store; the pool itself starts with the first batch,
once the writer has said which articles are stored (`share`). Documents travel to a worker and
coded documents back, and only the parent writes to the store.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..errors import E_ENGINE, E_WORKER_LOST, FlashpointError
from ..pipeline import Config
from .runners import set_known

IN_FLIGHT_PER_WORKER = 2  # batches queued per worker: enough to keep it busy, not more


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def _context() -> mp.context.BaseContext:
    methods = mp.get_all_start_methods()
    return mp.get_context("forkserver" if "forkserver" in methods else "spawn")


class ProcessRunner:
    name = "processes"

    def __init__(self, config: Config, *, workers: int | None = None) -> None:
        self.config = config
        self.workers = workers or default_workers()
        if self.workers < 1:
            raise FlashpointError(E_ENGINE, f"--workers must be 1 or more, not {self.workers}")
        self.window = self.workers * IN_FLIGHT_PER_WORKER
        self.known: tuple[str, frozenset[str]] = ("", frozenset())
        self._pool: ProcessPoolExecutor | None = None
        self._context = _context()
        if self._context.get_start_method() == "forkserver":
            from .preload import share_with_workers

            share_with_workers(self._context, config)  # loads in the background

    def share(self, run: str, known: frozenset[str]) -> None:
        self.known = (run, known)  # handed to each worker as it starts

    @property
    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=self._context,
                initializer=set_known,
                initargs=self.known,
            )
        return self._pool

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        try:
            return self.pool.submit(fn, *args)
        except BrokenProcessPool as exc:
            raise FlashpointError(E_WORKER_LOST, f"the worker pool is gone: {exc}") from exc

    def result(self, handle: Future[Any]) -> Any:
        try:
            return handle.result()
        except BrokenProcessPool as exc:
            raise FlashpointError(
                E_WORKER_LOST, f"a worker process died while coding a batch ({exc})"
            ) from exc

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
