"""The `dask` engine: batches coded on Dask workers, gathered back to the single writer.

With no scheduler address a `LocalCluster` is started here: `workers` worker processes with one
thread each (the stages are pure Python; threads would only fight over the GIL). With
`--scheduler tcp://host:8786` the batches go to that running cluster, whose workers need
flashpoint (and the same knowledge files) installed. Each worker builds the pipeline from the
`Config` sent with the batch once and keeps it (`runners.code_batch`).

A `LocalCluster` started here is ours, so it runs quiet (`QUIET`): no dashboard, no statistical
profiler, and slower housekeeping timers. The profiler samples the coding thread's stack every
10 ms to draw a dashboard nobody opens, and every timer wakes a thread that takes the GIL from
the coding thread: with Dask's defaults a worker used about 1.2 times the CPU of a plain
process coding the same pages (`benchmarks/dask_overhead.py`). A cluster at `--scheduler`
keeps the settings its owner chose.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..errors import E_ENGINE, E_WORKER_LOST, FlashpointError
from ..pipeline import Config
from .runners import set_known

IN_FLIGHT_PER_WORKER = 2
CONNECT_TIMEOUT = "10s"
# Settings of a LocalCluster started here (read when the scheduler, nannies and workers start).
QUIET: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,  # only feeds the dashboard
    "distributed.admin.tick.interval": "1s",  # event-loop latency check, 20 ms by default
    "distributed.admin.system-monitor.interval": "5s",  # CPU/network figures for the dashboard
    "distributed.worker.memory.monitor-interval": "1s",  # memory limits: a batch is small
}


def local_cluster(workers: int, settings: dict[str, Any] | None = None) -> Any:
    """A `LocalCluster` of `workers` processes with one thread each, started under `settings`
    (`QUIET` unless given; `{}` for Dask's defaults)."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(QUIET if settings is None else settings):
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )


class DaskRunner:
    name = "dask"

    def __init__(
        self,
        config: Config,
        *,
        workers: int | None = None,
        scheduler: str | None = None,
        connect_timeout: str = CONNECT_TIMEOUT,
    ) -> None:
        from distributed import Client

        self.config = config
        self.cluster: Any = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout=connect_timeout)
            else:
                self.cluster = local_cluster(workers or 2)
                # results come straight from the worker, not relayed by the scheduler
                self.client = Client(self.cluster, direct_to_workers=True)
        except (OSError, TimeoutError) as exc:
            where = scheduler or "a local cluster"
            raise FlashpointError(E_ENGINE, f"could not reach {where}: {exc}") from exc
        n = len(self.client.scheduler_info().get("workers", {})) or (workers or 2)
        self.window = n * IN_FLIGHT_PER_WORKER

    def share(self, run: str, known: frozenset[str]) -> None:
        self.client.run(set_known, run, known)  # workers that join later just code more

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def result(self, handle: Any) -> Any:
        from distributed.client import FutureCancelledError
        from distributed.scheduler import KilledWorker

        try:
            found = handle.result()
        except (FutureCancelledError, KilledWorker, OSError) as exc:
            raise FlashpointError(E_WORKER_LOST, f"a Dask worker was lost: {exc}") from exc
        handle.release()
        return found

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None
