"""Runners that push documents through the pipeline and into the store."""

from .local import IngestReport, code_documents, data_version, ingest

__all__ = ["IngestReport", "code_documents", "data_version", "ingest"]
