"""The REST API and the dashboard: one FastAPI app over one store, read-only.

`create_app(db)` builds it; `flashpoint serve --db FILE` runs it with uvicorn. Every endpoint is
in the OpenAPI spec at `/openapi.json` (docs/api.md); the dashboard is `/` with our own files
under `/static/` and the npm-installed ones under `/vendor/` (docs/dashboard.md). Input is
validated by the spec: a bad parameter answers 422 (FP-E080) naming it, never 500.
"""

# No `from __future__ import annotations` here: FastAPI evaluates the annotations of the routes
# that create_app defines, and those name its arguments (the row caps).
import datetime as dt
import hmac
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import pycountry
from fastapi import Body, Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BeforeValidator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from .. import __version__
from ..coding.ontology import load_ontology
from ..errors import (
    E_API_NOT_FOUND,
    E_API_PARAMS,
    E_API_TIMEOUT,
    E_API_TOKEN,
    E_API_WATCHLISTS,
    E_STORE,
    ErrorCode,
    FlashpointError,
)
from ..model import Modality
from ..pipeline import Config
from ..store import EventFilter
from . import assets, models, monitoring, queries
from .dashboard import add_dashboard
from .export import export_response
from .reader import Reader

TOKEN_ENV = "FLASHPOINT_API_TOKEN"
CODE = r"^[A-Z0-9]{2,24}$"  # an ISO3 country or an actor code (prefix): IRN, IRQREB
COUNTRY = r"^[A-Z]{3}$"
EVENT_ID = r"^[0-9A-Za-z_-]{1,64}$"
ARTICLE_ID = r"^[0-9A-Za-z_.:@+=-]{1,200}$"
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
STATUS = {
    E_API_PARAMS.code: 400,
    E_API_NOT_FOUND.code: 404,
    E_API_WATCHLISTS.code: 422,
    E_API_TIMEOUT.code: 503,
    E_API_TOKEN.code: 401,
    E_STORE.code: 503,
}


def _iso_day(value: Any) -> Any:
    """Only YYYY-MM-DD: pydantic alone would also read `0` as a Unix time (1970-01-01)."""
    if isinstance(value, str) and ISO_DAY.fullmatch(value):
        return value
    raise ValueError("a date is written YYYY-MM-DD")


Day = Annotated[dt.date, BeforeValidator(_iso_day)]

if TYPE_CHECKING:
    EventTypeName = str
else:  # an enum from the ontology, so the spec lists the types and validation checks them
    EventTypeName = StrEnum(
        "EventTypeName", {t: t for t in sorted(load_ontology(Config()).event_types)}
    )


class ApiError(FlashpointError):
    """A catalogue error with the HTTP status it answers with."""

    def __init__(self, code: ErrorCode, detail: str, status: int | None = None) -> None:
        super().__init__(code, detail)
        self.status = status or STATUS.get(code.code, 400)


def _error(status: int, code: str, detail: str, errors: list[dict[str, Any]] | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:  # fmt: skip
    body = {"code": code, "detail": detail, "errors": errors or []}
    return JSONResponse(body, status_code=status, headers=headers)


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": models.ErrorBody, "description": text}
    for status, text in (
        (400, "invalid parameters (FP-E080)"),
        (422, "a parameter does not match the spec (FP-E080)"),
        (503, "the query ran past the time limit (FP-E081)"),
    )
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": models.ErrorBody, "description": "unknown id (FP-E082)"}
}
NONE_SERVED: dict[int | str, dict[str, Any]] = {
    404: {"model": models.ErrorBody, "description": "no watchlists served (FP-E084)"}
}


# ------------------------------------------------------------------------------ parameters
def event_filter(
    since: Annotated[Day | None, Query(description="first event date (YYYY-MM-DD)")] = None,
    until: Annotated[Day | None, Query(description="last event date (YYYY-MM-DD)")] = None,
    actor: Annotated[
        str | None, Query(pattern=CODE, description="actor country (ISO3) or code prefix")
    ] = None,
    recipient: Annotated[
        str | None, Query(pattern=CODE, description="recipient country (ISO3) or code prefix")
    ] = None,
    country: Annotated[
        str | None, Query(pattern=CODE, description="either side: actor or recipient")
    ] = None,
    types: Annotated[
        list[EventTypeName], Query(alias="type", description="PLOVER event type; repeat")
    ] = [],  # noqa: B006 - FastAPI copies query defaults
    modality: Annotated[list[Modality], Query(description="modality; repeat")] = [],  # noqa: B006
    place: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="location country (ISO3) or name start"),
    ] = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="words in the sentence, any case"),
    ] = None,
) -> EventFilter:
    return EventFilter(
        actor=actor,
        recipient=recipient,
        country=country,
        event_types=tuple(str(t) for t in types),
        modality=tuple(str(m) for m in modality),
        since=since,
        until=until,
        place=place,
        text=q,
    )


Filter = Annotated[EventFilter, Depends(event_filter)]
Since = Annotated[Day | None, Query(description="first day (YYYY-MM-DD)")]
Until = Annotated[Day | None, Query(description="last day (YYYY-MM-DD)")]
Freq = Annotated[Literal["day", "week", "month"], Query(description="period of the series")]
Types = Annotated[list[EventTypeName], Query(alias="type", description="event types; repeat")]


# ------------------------------------------------------------------------------ the app
def create_app(
    db: str | Path,
    *,
    token: str | None = None,
    watchlists: Path | None = None,
    time_limit: float = 5.0,
    max_rows: int = 500,
    max_export_rows: int = 100_000,
    assets_dir: Path | None = None,
    idle_release: float | None = 10.0,
) -> FastAPI:
    """The API and dashboard over the store `db`, opened read-only (FP-E040 if it cannot be)
    and let go after `idle_release` seconds without requests, so a writer can take its turn."""
    reader = Reader(db, time_limit, idle_release)
    token = token or os.environ.get(TOKEN_ENV) or None
    vendor = assets.node_modules(assets_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        reader.close()

    app = FastAPI(
        title="flashpoint",
        version=__version__,
        description="PLOVER-coded political events: filter, export, series, alerts, watchlists "
        "(docs/api.md). Read-only except the watchlists, which need a bearer token.",
        docs_url=None,  # the Swagger page loads its code from a CDN; the spec is /openapi.json
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.reader = reader
    _handlers(app)
    _event_routes(app, reader, max_rows, max_export_rows)
    _aggregate_routes(app, reader)
    _monitor_routes(app, reader, watchlists, token)
    _info_routes(app, reader, vendor, time_limit, max_rows, max_export_rows)
    add_dashboard(app, vendor)
    return app


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }  # fmt: skip
            for e in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(e['loc'][1:]) or e['loc'][0]}: {e['msg']}" for e in errors)
        return _error(422, E_API_PARAMS.code, detail or "invalid request", errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method of the path, not only the first route's
            headers["Allow"] = ", ".join(_methods(app, request))
        detail = str(exc.detail)
        if exc.status_code == 404:
            detail = f"nothing is served at {request.url.path}; /openapi.json lists the endpoints"
        code = E_API_NOT_FOUND.code if exc.status_code == 404 else E_API_PARAMS.code
        return _error(exc.status_code, code, detail, headers=headers)

    @app.exception_handler(FlashpointError)
    async def flashpoint_error(request: Request, exc: FlashpointError) -> JSONResponse:
        status = exc.status if isinstance(exc, ApiError) else STATUS.get(exc.code.code, 400)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return _error(status, exc.code.code, exc.detail, headers=headers)


def _methods(app: FastAPI, request: Request) -> list[str]:
    methods: set[str] = set()
    for route in app.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def _event_routes(app: FastAPI, reader: Reader, max_rows: int, max_export_rows: int) -> None:
    content = {
        "text/csv": {"schema": {"type": "string"}},
        "application/x-ndjson": {"schema": {"type": "string"}},
        "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
    }

    @app.get(
        "/api/events",
        response_model=models.EventPage,
        responses={200: {"content": content, "description": "a page (JSON) or a file"}, **ERRORS},
        summary="Events: filter, page, export",
    )
    def events(
        flt: Filter,
        mentions: Annotated[
            bool, Query(description="event mentions (each report) instead of canonical events")
        ] = False,
        offset: Annotated[int, Query(ge=0, le=100_000_000)] = 0,
        limit: Annotated[
            int | None,
            Query(
                ge=1, le=max_export_rows, description=f"rows; JSON pages hold {max_rows} at most"
            ),
        ] = None,
        sort: Annotated[
            Literal["date", "-date"], Query(description="-date: newest first")
        ] = "date",
        format: Annotated[Literal["json", "csv", "jsonl", "parquet"], Query()] = "json",
    ) -> Any:
        newest = sort == "-date"
        with reader.store() as store:
            if format != "json":
                cap = min(limit or max_export_rows, max_export_rows)
                return export_response(store, flt, format, mentions, offset, cap, newest)
            size = min(limit or 50, max_rows)
            rows, more = queries.event_page(
                store, flt, mentions=mentions, offset=offset, limit=size, newest_first=newest
            )
        return {
            "events": [queries.to_json(r) for r in rows],
            "offset": offset,
            "limit": size,
            "next_offset": offset + len(rows) if more else None,
            "mentions": mentions,
            "row_cap": max_rows,
        }

    @app.get(
        "/api/events/{event_id}",
        response_model=models.EventDetail,
        responses={**ERRORS, **NOT_FOUND},
        summary="One event with every report of it: sentences, highlights, articles",
    )
    def event(
        event_id: Annotated[str, PathParam(pattern=EVENT_ID)],
    ) -> Any:
        with reader.store() as store:
            found = queries.event_detail(store, event_id)
        if found is None:
            raise ApiError(E_API_NOT_FOUND, f"no event has the id {event_id!r}")
        return found

    @app.get(
        "/api/articles/{article_id}",
        response_model=models.Article,
        responses={**ERRORS, **NOT_FOUND},
        summary="One article: its cleaned text, sentences and events",
    )
    def article(article_id: Annotated[str, PathParam(pattern=ARTICLE_ID)]) -> Any:
        with reader.store() as store:
            found = queries.article_detail(store, article_id)
        if found is None:
            raise ApiError(E_API_NOT_FOUND, f"no article has the id {article_id!r}")
        return found


def _aggregate_routes(app: FastAPI, reader: Reader) -> None:
    @app.get(
        "/api/network",
        response_model=models.Network,
        responses=ERRORS,
        summary="Dyad network: countries and the events between them",
    )
    def network(
        flt: Filter, limit: Annotated[int, Query(ge=1, le=1000, description="edges")] = 150
    ) -> Any:
        with reader.store() as store:
            return queries.dyad_network(store, flt, limit)

    @app.get(
        "/api/places",
        response_model=models.Places,
        responses=ERRORS,
        summary="Places of events, for the map",
    )
    def places(
        flt: Filter, limit: Annotated[int, Query(ge=1, le=5000, description="places")] = 1000
    ) -> Any:
        with reader.store() as store:
            return {"places": queries.map_points(store, flt, limit)}

    def series(level: str, key: str, freq: str, since: Any, until: Any, types: list[Any]) -> Any:
        with reader.store() as store:
            rows, source = monitoring.series(
                store, level, key, freq, since, until, [str(t) for t in types]
            )
        return {"level": level, "key": key, "freq": freq, "source": source, "rows": rows}

    @app.get(
        "/api/series/dyads/{actor}/{recipient}",
        response_model=models.Series,
        responses=ERRORS,
        summary="Counts over time of asserted events from one country to another",
    )
    def dyad_series(
        actor: Annotated[str, PathParam(pattern=COUNTRY)],
        recipient: Annotated[str, PathParam(pattern=COUNTRY)],
        freq: Freq = "day",
        since: Since = None,
        until: Until = None,
        types: Types = [],  # noqa: B006
    ) -> Any:
        return series("dyad", f"{actor}>{recipient}", freq, since, until, types)

    @app.get(
        "/api/series/countries/{country}",
        response_model=models.Series,
        responses=ERRORS,
        summary="Counts over time of asserted events a country takes part in",
    )
    def country_series(
        country: Annotated[str, PathParam(pattern=COUNTRY)],
        freq: Freq = "day",
        since: Since = None,
        until: Until = None,
        types: Types = [],  # noqa: B006
    ) -> Any:
        return series("country", country, freq, since, until, types)


def _monitor_routes(
    app: FastAPI, reader: Reader, watchlists: Path | None, token: str | None
) -> None:
    bearer = HTTPBearer(auto_error=False, description="the token given to `flashpoint serve`")

    def writer(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        if credentials is None:
            raise ApiError(E_API_TOKEN, "send Authorization: Bearer TOKEN to write", 401)
        if token is None:
            raise ApiError(E_API_TOKEN, "writing is off: start `flashpoint serve --token`", 403)
        if not hmac.compare_digest(credentials.credentials.encode(), token.encode()):
            raise ApiError(E_API_TOKEN, "the bearer token is not the server's", 403)

    auth: dict[int | str, dict[str, Any]] = {
        401: {"model": models.ErrorBody, "description": "no token (FP-E083)"},
        403: {"model": models.ErrorBody, "description": "wrong token (FP-E083)"},
    }

    @app.get(
        "/api/alerts",
        response_model=models.Alerts,
        responses=ERRORS,
        summary="Alerts the monitor raised, newest first",
    )
    def alerts(
        since: Since = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        level: Annotated[Literal["dyad", "country", "sector", "type"] | None, Query()] = None,
        key: Annotated[
            str | None,
            Query(pattern=r"^[A-Z0-9-]{1,24}(>[A-Z0-9-]{1,24})?$", description="IRN or IRN>USA"),
        ] = None,
    ) -> Any:
        with reader.store() as store:
            rows, status = monitoring.alerts(store, since, limit, level, key)
        return {"monitoring": status, "alerts": rows}

    @app.get(
        "/api/watchlists",
        response_model=models.Watchlists,
        responses={**ERRORS, **NONE_SERVED},
        summary="The watchlist rules the server was started with",
    )
    def get_watchlists() -> Any:
        try:
            return monitoring.read_watchlists(watchlists)
        except FlashpointError as exc:
            raise ApiError(exc.code, exc.detail, 404 if watchlists is None else 422) from exc

    write_responses: dict[int | str, dict[str, Any]] = {**ERRORS, **auth}

    @app.put(
        "/api/watchlists",
        response_model=models.Watchlists,
        responses=write_responses,
        dependencies=[Depends(writer)],
        summary="Replace the watchlist rules (needs the token); sinks stay as on disk",
    )
    def put_watchlists(body: models.RulesBody) -> Any:
        return monitoring.write_rules(watchlists, body.rules)

    @app.post(
        "/api/watchlists/rules",
        response_model=models.Watchlists,
        responses=write_responses,
        dependencies=[Depends(writer)],
        status_code=201,
        summary="Add one watchlist rule (needs the token)",
    )
    def post_rule(rule: Annotated[dict[str, Any], Body(description="one rule")]) -> Any:
        return monitoring.add_rule(watchlists, rule)


def _info_routes(
    app: FastAPI,
    reader: Reader,
    vendor: Path,
    time_limit: float,
    max_rows: int,
    max_export_rows: int,
) -> None:
    @app.get("/api/health", response_model=models.Health, responses=ERRORS, summary="Health")
    def health() -> Any:
        with reader.store() as store:
            n = queries.counts(store)
        return {
            "status": "ok",
            "version": __version__,
            "store": reader.path,
            "articles": n["articles"],
            "events": n["events"],
            "canonical_events": n["canonical_events"],
            "monitoring": monitoring.available(),
            "dashboard_assets": not assets.missing(vendor),
            "time_limit_s": reader.time_limit,
            "max_rows": max_rows,
            "max_export_rows": max_export_rows,
        }

    @app.get(
        "/api/meta",
        response_model=models.Meta,
        responses=ERRORS,
        summary="What the filters can take: event types, modalities, countries, dates",
    )
    def meta() -> Any:
        ontology = load_ontology(Config())
        with reader.store() as store:
            countries = queries.countries(store)
            dyads = queries.top_dyads(store)
            dates = queries.date_range(store)
        return {
            "event_types": [
                {"name": t.name, "quad_class": t.quad_class, "description": t.description}
                for t in ontology.event_types.values()
            ],
            "modalities": [m.value for m in Modality],
            "countries": [c | {"name": _country_name(c["code"])} for c in countries],
            "top_dyads": dyads,
            "first_date": dates["first"],
            "last_date": dates["last"],
        }


def _country_name(code: str) -> str | None:
    found = pycountry.countries.get(alpha_3=code)
    return str(found.name) if found else None
