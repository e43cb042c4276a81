"""The dashboard's routes: the page, our static files and the npm-installed vendor files.

The page is sent with a Content-Security-Policy that lets it reach this server only, so nothing
it loads or calls can come from elsewhere (docs/dashboard.md).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from ..errors import E_API_ASSETS
from . import assets

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
)


def add_dashboard(app: FastAPI, vendor: Path) -> None:
    """`/` (the page, or what to run when the assets are missing), `/static/`, `/vendor/`."""
    app.mount("/static", StaticFiles(directory=assets.STATIC), name="static")

    def secured(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        absent = assets.missing(vendor)
        if absent:
            return secured(HTMLResponse(_assets_missing_page(absent), status_code=503))
        return secured(FileResponse(assets.STATIC / "index.html", media_type="text/html"))

    @app.get("/vendor/{name}", include_in_schema=False)
    def vendor_file(name: str) -> Response:
        path = assets.vendor_file(vendor, name)
        if path is None:
            detail = f"{name}: not installed; run {assets.INSTALL_HINT}"
            body = {"code": E_API_ASSETS.code, "detail": detail, "errors": []}
            return JSONResponse(body, status_code=404)
        return secured(FileResponse(path, headers={"Cache-Control": "max-age=86400"}))


def _assets_missing_page(absent: list[str]) -> str:
    files = ", ".join(absent)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>flashpoint: dashboard assets missing</title></head><body>
<h1>The dashboard's assets are not installed</h1>
<p>{E_API_ASSETS.code}: the browser libraries ({files}) come from npm and are installed at
setup, never from the internet at run time. Run:</p>
<pre>{assets.INSTALL_HINT}</pre>
<p>then reload this page. The API works without them: <a href="/api/health">/api/health</a>,
<a href="/openapi.json">/openapi.json</a>.</p></body></html>"""
