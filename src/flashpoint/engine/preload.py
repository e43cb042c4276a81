"""Knowledge loaded once and shared by the `processes` engine's workers.

Every worker needs the same knowledge (actor dictionary, gazetteer, lemmas, the extraction
libraries): about 230 MiB, which each worker used to load for itself. Workers are forked by the
forkserver, a process started once for the run. When the forkserver is told to import this
module (`share_with_workers`), it builds the run's pipeline and codes a few synthetic pages, so
that every knowledge file is loaded, and then freezes its heap (`gc.freeze`). The workers it
forks start with all of it in memory pages they share with the forkserver and with each other
(copy on write): a page becomes a worker's own only when the worker writes to it, and the
collector, which would write to every object it walks, no longer walks the frozen ones.

This is only a head start: a worker whose pipeline was not preloaded (the forkserver was
already running with another configuration, or preloading failed) builds its own, as before.
"""

from __future__ import annotations

import base64
import io
import os
import pickle
import sys
from typing import Any

# Where the run's pickled `Config` waits for the forkserver (its environment is a copy of the
# writer's at the moment it starts).
ENV = "FLASHPOINT_PRELOAD_CONFIG"
WARM_PAGES = 3  # synthetic pages coded to load every knowledge file


def share_with_workers(ctx: Any, config: Any) -> None:
    """Start the forkserver of `ctx` (if not running yet) with the pipeline of `config`
    preloaded; workers forked from it share that memory."""
    from multiprocessing import forkserver

    ctx.set_forkserver_preload(["__main__", __name__])
    os.environ[ENV] = base64.b64encode(pickle.dumps(config)).decode("ascii")
    try:
        forkserver.ensure_running()
    finally:
        os.environ.pop(ENV, None)


def _warm(config: Any) -> None:
    """Code a few synthetic pages with `config` in this process, then freeze what is loaded."""
    from ..ingest.readers import read_stream
    from ..synth.corpus import iter_articles, render_html
    from . import collector
    from .runners import code_work
    from .sources import Work

    docs: list[Work] = []
    for article in iter_articles(WARM_PAGES, config=config):
        page = io.BytesIO(render_html(article).encode("utf-8"))
        docs += list(read_stream(page, name=f"<warm-up {article.index}>", fmt="html"))
    code_work(config, docs, "preload", config.max_bytes)
    collector.freeze_loaded()


def _preload_from_environment() -> None:
    payload = os.environ.get(ENV)
    if not payload:
        return
    try:
        _warm(pickle.loads(base64.b64decode(payload)))
    except Exception as exc:  # only a head start: each worker then loads its own knowledge
        print(f"flashpoint: workers will load their own knowledge ({exc!r})", file=sys.stderr)


_preload_from_environment()
