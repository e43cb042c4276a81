"""One catalogue of error codes: every failure a user sees names its code (docs/errors.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: str
    title: str


E_EMPTY = ErrorCode("FP-E001", "input is empty or holds no text")
E_BINARY = ErrorCode("FP-E002", "input looks binary, not text")
E_TOO_LARGE = ErrorCode("FP-E003", "input is larger than the size cap")
E_BAD_JSON = ErrorCode("FP-E004", "a JSON Lines record is not valid JSON")
E_BAD_RECORD = ErrorCode(
    "FP-E005", "a JSON Lines record lacks text or html, or has wrong field types"
)
E_UNREADABLE = ErrorCode("FP-E006", "input could not be opened or read")
E_UNKNOWN_FORMAT = ErrorCode("FP-E007", "file type is not one flashpoint reads")
E_HTML_EXTRACT = ErrorCode("FP-E008", "no article text could be extracted from the HTML")
E_BAD_DATE = ErrorCode("FP-E009", "a date field could not be parsed")
E_DATA_SCHEMA = ErrorCode("FP-E020", "a knowledge file breaks its schema")
E_PIPELINE_ORDER = ErrorCode("FP-E030", "a pipeline stage needs what no earlier stage assigns")
E_UNKNOWN_STAGE = ErrorCode("FP-E031", "a pipeline names a stage that is not registered")
E_STORE = ErrorCode("FP-E040", "the event store could not be opened or written")
E_STAGE_FAILED = ErrorCode("FP-E050", "a pipeline stage failed on this document")

CATALOGUE: tuple[ErrorCode, ...] = tuple(v for v in globals().values() if isinstance(v, ErrorCode))


class FlashpointError(Exception):
    """An error with a catalogue code, e.g. `FP-E020 countries.yaml: duplicate code IRN`."""

    def __init__(self, code: ErrorCode, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code.code} {detail}")


class DataSchemaError(FlashpointError):
    def __init__(self, detail: str) -> None:
        super().__init__(E_DATA_SCHEMA, detail)
