"""Build hook: with FLASHPOINT_COMPILE=1, the hot path is compiled to C with mypyc.

Everything else about the package is in pyproject.toml. Without the variable (the default)
flashpoint is pure Python. The compiled build needs mypy and a C compiler at build time and is
built without build isolation (`make fast`, docs/scale.md "The compiled build"); it gives the
same events, since the modules it compiles are the same typed sources.
"""

from __future__ import annotations

import os

from setuptools import setup

# The per-sentence stages and the per-article row and dedup code: where the CPU goes. Not
# compiled: modules whose frozen dataclasses travel by pickle (model, gazetteer), which a
# mypyc-compiled class cannot unpickle, and the extraction driver (its time is in lxml and
# trafilatura).
COMPILED = [
    "src/flashpoint/text/tokens.py",
    "src/flashpoint/text/splitter.py",
    "src/flashpoint/ingest/clean.py",
    "src/flashpoint/actors/dictionary.py",
    "src/flashpoint/actors/recognize.py",
    "src/flashpoint/coding/patterns.py",
    "src/flashpoint/coding/modality.py",
    "src/flashpoint/coding/coder.py",
    "src/flashpoint/where/geoparse.py",
    "src/flashpoint/when/resolve.py",
    "src/flashpoint/engine/rows.py",
    "src/flashpoint/dedup/events.py",
    "src/flashpoint/dedup/stories.py",
]


def ext_modules() -> list:
    if os.environ.get("FLASHPOINT_COMPILE") != "1":
        return []
    from mypyc.build import mypycify

    return mypycify(COMPILED, opt_level="3")


setup(ext_modules=ext_modules())
