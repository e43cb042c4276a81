"""Python's cyclic garbage collector during batch runs.

Coding allocates millions of short-lived objects (tokens, drafts, rows), and by default the
collector runs every 700 net allocations; every few of those runs it walks the whole heap,
which holds the knowledge files (actor dictionary, gazetteer, lemmas): millions of objects
that live as long as the process. On the benchmark corpus that was about a ninth of an
ingest's time. So

* a process that codes batches (the writer and each worker) collects young objects every
  `YOUNG_EVERY` allocations instead (`tune`; the garbage of our stages is freed by reference
  counting, the collector only finds cycles, which are rare there), so full collections come
  far less often, and
* the `processes` engine's forkserver, once it has loaded the knowledge its workers will share
  (`preload`), moves the objects alive at that moment out of the collector's sight
  (`freeze_loaded`, `gc.freeze`): a collection would write to every object it walks, and so
  to every page the workers share. Frozen objects are still freed when no longer referenced.

Both act once per process and only ever loosen the settings a host chose.
"""

from __future__ import annotations

import gc

YOUNG_EVERY = 50_000

_state = {"tuned": False, "frozen": False}


def tune() -> None:
    """Collect young objects every `YOUNG_EVERY` allocations (at most; a higher threshold
    that the host set stays)."""
    if _state["tuned"]:
        return
    _state["tuned"] = True
    young, middle, old = gc.get_threshold()
    if 0 < young < YOUNG_EVERY:  # 0: the host turned collection off, keep it so
        gc.set_threshold(YOUNG_EVERY, middle, old)


def freeze_loaded() -> None:
    """Hide everything alive now (the loaded knowledge) from later full collections."""
    if _state["frozen"]:
        return
    _state["frozen"] = True
    gc.collect()  # what is garbage now is freed, not kept for good
    gc.freeze()
