"""Peak memory and CPU time of a process and all its descendants, sampled with psutil.

`TreeWatch(pid)` samples in a background thread every `interval` seconds: the sum of RSS over
the tree (what `top` would add up; pages shared between processes are counted once per
process), the sum of PSS (shared pages split between the processes that map them; Linux only,
read less often as it is slower), and each process's CPU time (user + system) as last seen.
"""

from __future__ import annotations

import resource
import threading
import time
from dataclasses import dataclass, field

import psutil


@dataclass
class TreeStats:
    peak_rss_mib: float = 0.0
    peak_pss_mib: float = 0.0
    peak_processes: int = 0
    samples: int = 0
    cpu_s: dict[int, float] = field(default_factory=dict)  # pid -> CPU seconds last seen

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu_s.values())


class TreeWatch:
    def __init__(self, pid: int, interval: float = 0.2, pss_every: int = 5) -> None:
        self.root = psutil.Process(pid)
        self.interval, self.pss_every = interval, pss_every
        self.stats = TreeStats()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _tree(self) -> list[psutil.Process]:
        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        procs = self._tree()
        if not procs:
            return
        with_pss = self.stats.samples % self.pss_every == 0
        rss = pss = 0.0
        for p in procs:
            try:
                if with_pss:
                    info = p.memory_full_info()
                    pss += getattr(info, "pss", info.rss)
                    rss += info.rss
                else:
                    rss += p.memory_info().rss
                t = p.cpu_times()
                self.stats.cpu_s[p.pid] = t.user + t.system
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
        mib = 1024 * 1024
        self.stats.peak_rss_mib = max(self.stats.peak_rss_mib, rss / mib)
        if with_pss:
            self.stats.peak_pss_mib = max(self.stats.peak_pss_mib, pss / mib)
        self.stats.peak_processes = max(self.stats.peak_processes, len(procs))
        self.stats.samples += 1


def run_watched(
    cmd: list[str], interval: float = 0.2, **popen: object
) -> tuple[int, float, TreeStats]:
    """Run a command while watching its process tree: (exit code, wall seconds, stats).
    CPU seconds are the larger of the sampled sum and the children's rusage (which counts
    only descendants that were waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = psutil.Popen(cmd, **popen)  # type: ignore[arg-type]
    with TreeWatch(proc.pid, interval) as watch:
        code = proc.wait()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if used > watch.stats.cpu_seconds:
        watch.stats.cpu_s = {proc.pid: used}
    return code, wall, watch.stats
