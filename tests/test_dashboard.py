"""The dashboard in a real headless Chromium (Debian's, driven by Playwright) over the sample store.

A uvicorn server on 127.0.0.1 serves the app; the tests open the page, filter to a dyad, open an
event and its article, and check that the sentence is marked and that the page asks nothing of
any other host. Screenshots go to a temporary folder (and to $FLASHPOINT_SCREENSHOTS when set).
Without Chromium or the npm assets the tests skip, saying why; CI sets
FLASHPOINT_REQUIRE_BROWSER=1 so that they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flashpoint.serve import create_app
from flashpoint.serve.assets import INSTALL_HINT, missing, node_modules
from flashpoint.serve.server import BackgroundServer

CHROMIUM = Path(os.environ.get("FLASHPOINT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}
ROLES = ("trigger", "actor", "recipient", "place", "date")


def _unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.exists():
        return (
            f"no Chromium at {CHROMIUM}: apt-get install -y chromium (or set FLASHPOINT_CHROMIUM)"
        )
    absent = missing(node_modules())
    if absent:
        return f"dashboard assets missing ({', '.join(absent)}): run {INSTALL_HINT}"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _unavailable()
    if reason:
        if os.environ.get("FLASHPOINT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests must run here: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(served_store: Path) -> Iterator[BackgroundServer]:
    with BackgroundServer(create_app(served_store)) as running:
        yield running


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("screenshots")
    yield folder
    keep = os.environ.get("FLASHPOINT_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for shot in folder.glob("*.png"):
            shutil.copy(shot, Path(keep) / shot.name)


class Page:
    """One browser tab on the dashboard that records what it asks of other hosts and its errors."""

    def __init__(self, browser: Any, server: BackgroundServer) -> None:
        self.server = server
        self.page = browser.new_page(viewport=VIEWPORT)
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", self._request)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on(
            "console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None
        )

    def _request(self, request: Any) -> None:
        if not request.url.startswith((self.server.url, "data:")):
            self.outside.append(request.url)

    def open(self, fragment: str = "") -> Any:
        self.page.goto(f"{self.server.url}/{fragment}")
        self.page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        return self.page

    def close(self) -> None:
        self.page.close()
        assert not self.outside, f"the page asked other hosts: {self.outside}"
        assert not self.errors, f"errors in the page: {self.errors}"


@pytest.fixture
def tab(browser: Any, server: BackgroundServer) -> Iterator[Page]:
    page = Page(browser, server)
    yield page
    page.close()


def snap(page: Any, path: Path, full: bool = False) -> None:
    page.screenshot(path=str(path), full_page=full)
    assert path.stat().st_size > 10_000


def api(server: BackgroundServer, path: str, **params: Any) -> Any:
    return httpx.get(server.url + path, params=params, timeout=20).json()


def cells(page: Any, column: int) -> list[str]:
    return page.locator(f"[data-testid=event-row] td:nth-child({column})").all_inner_texts()


def test_the_overview_shows_every_view(tab: Page, shots: Path) -> None:
    page = tab.open()
    assert page.locator("[data-testid=event-row]").count() == 50
    assert page.locator("[data-testid=map] path").count() > 100  # the world basemap
    assert page.locator("[data-testid=map-dot]").count() > 5
    assert page.locator("[data-testid=network-node]").count() >= 5
    assert page.locator("[data-testid=network-edge]").count() >= 5
    assert page.locator("[data-testid=alert-item]").count() > 0
    assert page.locator("[data-testid=timeline] rect").count() > 0  # the busiest dyad
    assert "Busiest dyad" in page.inner_text("[data-testid=timeline-title]")
    snap(page, shots / "dashboard-overview.png")


def test_filtering_to_a_dyad(tab: Page, shots: Path) -> None:
    page = tab.open()
    page.select_option("[data-testid=f-actor]", "CHN")
    page.select_option("[data-testid=f-recipient]", "PHL")
    page.click("[data-testid=apply]")
    page.wait_for_function(
        "location.hash.includes('actor=CHN') && location.hash.includes('recipient=PHL')"
    )
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=event-row] td:nth-child(3)')]"
        ".every(td => td.textContent.startsWith('CHN'))"
    )
    expected = api(tab.server, "/api/events", actor="CHN", recipient="PHL", limit=50)["events"]
    assert page.locator("[data-testid=event-row]").count() == len(expected) > 0
    assert all(c.startswith("CHN") for c in cells(page, 3))
    assert all(c.startswith("PHL") for c in cells(page, 4))
    assert "CHN → PHL" in page.inner_text("[data-testid=timeline-title]")
    markers = api(tab.server, "/api/alerts", level="dyad", key="CHN>PHL", limit=200)["alerts"]
    assert page.locator("[data-testid=alert-marker]").count() == len(markers) > 0
    assert page.locator("[data-testid=network-edge]").count() == 1
    snap(page, shots / "dashboard-dyad.png", full=True)


def marked(page: Any) -> dict[str, str]:
    """The text each role covers in the event panel's first sentence."""
    script = """roles => Object.fromEntries(roles.map(role => [role,
        [...document.querySelectorAll('[data-testid=sentence]')[0]
            .querySelectorAll('mark.hl-' + role)].map(m => m.textContent).join('')]))"""
    return page.evaluate(script, list(ROLES))  # type: ignore[no-any-return]


def best_marked(server: BackgroundServer) -> tuple[str, dict[str, Any]]:
    """The CHN -> PHL event whose first report marks the most roles, with its details."""
    page = api(server, "/api/events", actor="CHN", recipient="PHL", limit=100)["events"]
    details = {e["event_id"]: api(server, f"/api/events/{e['event_id']}") for e in page}
    return max(
        details.items(),
        key=lambda kv: (len({m["role"] for m in kv[1]["mentions"][0]["marks"]}), kv[0]),
    )


def test_an_event_opens_with_its_sentence_marked(tab: Page, shots: Path) -> None:
    event_id, detail = best_marked(tab.server)
    page = tab.open("#actor=CHN&recipient=PHL")
    page.locator(f"[data-testid=event-row][data-event-id='{event_id}']").click()
    page.wait_for_selector("[data-testid=sentence] mark.hl-trigger")
    first = detail["mentions"][0]
    assert page.locator("[data-testid=sentence]").first.inner_text() == first["event"]["sentence"]
    shown = marked(page)
    roles = {m["role"] for m in first["marks"]}
    assert roles >= {"trigger", "actor", "recipient", "place", "date"}  # all five, in colour
    for mark in first["marks"]:
        # overlapping marks are cut into pieces; each role's pieces join back into its words
        assert shown[mark["role"]], f"{mark['role']} is not marked"
        assert mark["text"] in shown[mark["role"]] or shown[mark["role"]] in mark["text"]
    colours = page.evaluate(  # of the pieces that have one role only
        """roles => roles.map(r => document.querySelector(
              `[data-testid=sentence] mark[data-roles="${r}"]`))
            .filter(m => m).map(m => getComputedStyle(m).backgroundColor)""",
        sorted(roles),
    )
    assert len(colours) >= 3 and len(set(colours)) == len(colours), colours  # one per role
    assert f"event={event_id}" in page.evaluate("location.hash")
    assert page.locator("[data-testid=event-row].selected").count() == 1
    snap(page, shots / "dashboard-event.png")


def test_the_article_link_opens_the_article(tab: Page, shots: Path) -> None:
    events = api(tab.server, "/api/events", actor="CHN", recipient="PHL", q="water cannon")
    event = events["events"][0]
    page = tab.open(f"#actor=CHN&recipient=PHL&event={event['event_id']}")
    page.wait_for_selector("[data-testid=article-link]")
    page.locator("[data-testid=article-link]").first.click()
    page.wait_for_selector("[data-testid=article-text] mark.hl-sentence")
    first = api(tab.server, f"/api/events/{event['event_id']}")["mentions"][0]
    assert page.inner_text("[data-testid=article-title]") == first["article"]["title"]
    sentence = "".join(
        page.locator("[data-testid=article-text] mark.hl-sentence").all_inner_texts()
    )
    assert sentence == first["event"]["sentence"]
    assert page.locator("[data-testid=article-text] mark.hl-trigger").count() >= 1
    snap(page, shots / "dashboard-article.png")


def test_a_map_dot_and_a_network_node_filter_the_page(tab: Page) -> None:
    page = tab.open()
    page.locator("[data-testid=network-node]", has_text="IRQ").first.click()
    page.wait_for_function("location.hash.includes('country=IRQ')")
    page.wait_for_selector("body[data-ready=true]")
    assert "IRQ (as actor or recipient)" in page.inner_text("[data-testid=timeline-title]")
    page.locator("[data-testid=map-dot]").first.click(force=True)
    page.wait_for_function("location.hash.includes('place=')")
    page.wait_for_selector("body[data-ready=true]")
    place = page.input_value("[data-testid=f-place]")
    page.wait_for_function(
        "p => [...document.querySelectorAll('[data-testid=event-row] td:nth-child(6)')]"
        ".every(td => td.textContent.toLowerCase().startsWith(p.toLowerCase()))",
        arg=place,
    )
    assert place and page.locator("[data-testid=event-row]").count() > 0


# How the event panel cuts a sentence into marked pieces: (text, marks, pieces as (text, roles)).
SEGMENT_CASES = [
    ("abcdef", [], [("abcdef", [])]),
    ("abcdef", [("trigger", 1, 3)], [("a", []), ("bc", ["trigger"]), ("def", [])]),
    (  # a recipient inside the trigger phrase: both stay marked
        "abcdef",
        [("trigger", 0, 4), ("recipient", 2, 6)],
        [("ab", ["trigger"]), ("cd", ["trigger", "recipient"]), ("ef", ["recipient"])],
    ),
    (  # a place inside the actor's words
        "abcdef",
        [("actor", 0, 6), ("place", 2, 4)],
        [("ab", ["actor"]), ("cd", ["actor", "place"]), ("ef", ["actor"])],
    ),
    ("abcdef", [("date", 4, 99)], [("abcd", []), ("ef", ["date"])]),  # clipped to the text
    ("abcdef", [("date", 3, 3)], [("abcdef", [])]),  # empty: nothing to mark
]


def test_marks_are_cut_into_pieces(tab: Page) -> None:
    page = tab.open()
    for text, marks, expected in SEGMENT_CASES:
        got = page.evaluate(
            """async ([text, marks]) => {
                 const { segments } = await import('/static/js/detail.js');
                 return segments(text, marks.map(([role, start, end]) => ({ role, start, end })))
                   .map(p => [p.text, p.roles]);
               }""",
            [text, [list(m) for m in marks]],
        )
        assert [tuple(p) for p in got] == [(t, r) for t, r in expected], (text, marks)
