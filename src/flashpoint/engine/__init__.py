"""Engines that push documents through the pipeline and into the store: `local` (this process),
`processes` (a worker pool) and `dask` (a Dask cluster); one writer in every case."""

from .local import IngestReport, code_documents, data_version, ingest
from .runners import ENGINES, code_stream, make_runner

__all__ = [
    "ENGINES",
    "IngestReport",
    "code_documents",
    "code_stream",
    "data_version",
    "ingest",
    "make_runner",
]
