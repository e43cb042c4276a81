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
E_WATCHLIST = ErrorCode("FP-E060", "a watchlist file is invalid")
E_SINK_UNKNOWN = ErrorCode("FP-E061", "a watchlist names an alert sink that is not registered")
E_SINK_FAILED = ErrorCode("FP-E062", "an alert sink failed to deliver an alert")
E_MONITOR_RANGE = ErrorCode("FP-E063", "a monitoring period or series request is invalid")
# Live feeds (`flashpoint watch`, flashpoint.feeds)
E_FEEDS_CONFIG = ErrorCode("FP-E070", "the feeds file is not valid")
E_URL_REFUSED = ErrorCode("FP-E071", "a URL was refused: only absolute http(s) URLs are fetched")
E_HTTP_STATUS = ErrorCode("FP-E072", "the server answered with an HTTP error")
E_FETCH_NETWORK = ErrorCode("FP-E073", "a fetch timed out or the connection failed")
E_FETCH_TOO_LARGE = ErrorCode("FP-E074", "a response body is larger than the size cap")
E_FEED_PARSE = ErrorCode("FP-E075", "a feed could not be parsed as RSS or Atom")
E_TOO_MANY_REDIRECTS = ErrorCode("FP-E076", "a fetch followed too many redirects")
E_WATCHLIST_CYCLE = ErrorCode("FP-E077", "evaluating the watchlists failed in a watch cycle")
# REST API and dashboard (`flashpoint serve`, flashpoint.serve)
E_API_PARAMS = ErrorCode("FP-E080", "an API request has an invalid parameter")
E_API_TIMEOUT = ErrorCode("FP-E081", "an API query ran past the time limit")
E_API_NOT_FOUND = ErrorCode("FP-E082", "no event, article or endpoint has this id or path")
E_API_TOKEN = ErrorCode("FP-E083", "writing needs a valid bearer token")
E_API_WATCHLISTS = ErrorCode("FP-E084", "the served watchlists are missing or invalid")
E_API_ASSETS = ErrorCode("FP-E085", "the dashboard's browser assets are not installed")
E_API_START = ErrorCode("FP-E086", "the API server could not start")
# Engines and the corpus generator (flashpoint.engine, flashpoint.synth)
E_CORPUS_OUT = ErrorCode("FP-E090", "the corpus output folder exists and is not empty")
E_ENGINE = ErrorCode("FP-E091", "the engine could not start or reach its workers")
E_WORKER_LOST = ErrorCode("FP-E092", "a worker died while coding a batch")

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
