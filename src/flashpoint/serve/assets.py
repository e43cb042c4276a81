"""Where the dashboard's files are: ours in `static/`, third-party ones installed by npm.

Third-party code is never committed: `web/package.json` and its lock file name d3,
topojson-client and world-atlas, and `npm ci --prefix src/flashpoint/serve/web` (run by `make
assets`, `make demo` and `make test`) installs them into the ignored `web/node_modules`. The
server serves only the files listed in `VENDOR`, under `/vendor/`, so the page loads nothing
from outside the app.
"""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
WEB = HERE / "web"
ASSETS_ENV = "FLASHPOINT_ASSETS"
INSTALL_HINT = "make assets  (or: npm ci --prefix src/flashpoint/serve/web)"

# Name served under /vendor/ -> path inside node_modules.
VENDOR = {
    "d3.min.js": "d3/dist/d3.min.js",
    "topojson-client.min.js": "topojson-client/dist/topojson-client.min.js",
    "countries-110m.json": "world-atlas/countries-110m.json",
}


def node_modules(override: Path | None = None) -> Path:
    """The npm folder: `--assets`, else $FLASHPOINT_ASSETS, else the package's own web/."""
    if override is not None:
        return Path(override)
    env = os.environ.get(ASSETS_ENV)
    return Path(env) if env else WEB / "node_modules"


def missing(root: Path) -> list[str]:
    """The vendor files that are not installed under `root`."""
    return [name for name, rel in VENDOR.items() if not (root / rel).is_file()]


def vendor_file(root: Path, name: str) -> Path | None:
    rel = VENDOR.get(name)
    if rel is None:
        return None
    path = root / rel
    return path if path.is_file() else None
