"""Readers: files, folders and streams of news to `Document`s, or `Reject`s naming what went wrong.

Formats, by file extension (or sniffed on a stream):

* text  (`.txt`, `.text`): optional front matter at the very top::

      ---
      title: Rebels seize border town
      date: 2026-09-05
      source: Daily Planet
      url: https://example.org/a
      id: dp-0001
      ---

  The body is the rest. Without a `date`, a YYYY-MM-DD in the file name is the publication date.
* html  (`.html`, `.htm`, `.xhtml`): article text via trafilatura, comments excluded; the headline
  is the first line and blocks are separated by blank lines.
* jsonl (`.jsonl`, `.ndjson`): one record per line, `{"id", "text" or "html", "title", "url",
  "date", "source", "synthetic"}`; each line becomes a document (origin `path:LINE`) or a reject.

In a folder, files are read recursively in sorted order. Hidden files and folders (".name"),
Markdown files (`.md`) and files named `README*` are skipped without a reject; any other unknown
extension yields an FP-E007 reject so that nothing is left out silently. Readers never raise on
bad input: every problem becomes a `Reject` whose message names the input and says what to do.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import (
    E_BAD_DATE,
    E_BAD_JSON,
    E_BAD_RECORD,
    E_BINARY,
    E_EMPTY,
    E_HTML_EXTRACT,
    E_TOO_LARGE,
    E_UNKNOWN_FORMAT,
    E_UNREADABLE,
    DataSchemaError,
    ErrorCode,
)
from ..knowledge import load_yaml
from ..model import Document, Reject
from .encoding import decode_bytes, decode_raw, looks_binary, repair_text

DEFAULT_MAX_BYTES = 20_000_000
FORMATS: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
KNOWN_FORMATS = frozenset(FORMATS.values())
_SILENT_SUFFIXES = frozenset({".md"})
_FRONT_KEYS = frozenset({"title", "date", "source", "url", "id", "synthetic"})
_FRONT_MAX_LINES = 60
_FRONT_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")
_NAME_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_HTML_SNIFF = re.compile(rb"<html|<body|<p>|<!doctype html|<article", re.IGNORECASE)
_DATE_FORMATS = (
    "%B %d, %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%d %B, %Y",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
)


# --------------------------------------------------------------------------------------------------
# helpers


def _sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _reject(origin: str, code: ErrorCode, what: str, raw_sha256: str = "") -> Reject:
    return Reject(
        origin=origin,
        code=code.code,
        message=f"{code.code} {origin}: {what}",
        raw_sha256=raw_sha256,
    )


def parse_date(value: str) -> dt.date | None:
    """Parse the date forms news metadata uses; None if none fits.

    Accepts "2026-09-05", "2026-09-05T08:00:00Z" (any ISO 8601), "September 5, 2026",
    "Sept. 5, 2026", "5 September 2026", "2026/09/05" and RFC 2822 ("Sat, 05 Sep 2026 08:00 GMT").
    """
    s = " ".join(value.strip().split())
    if not s:
        return None
    try:
        return dt.datetime.fromisoformat(s).date()
    except ValueError:
        pass
    try:
        return dt.date.fromisoformat(s[:10])
    except ValueError:
        pass
    # "Sept." and other abbreviations: drop the dots; strptime knows three-letter months only.
    norm = re.sub(r"(?<=[A-Za-z])\.", "", s)
    norm = re.sub(r"\bSept\b", "Sep", norm, flags=re.IGNORECASE)
    norm = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", norm)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(norm, fmt).date()
        except ValueError:
            continue
    try:
        parsed = email.utils.parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed.date() if parsed is not None else None


def _date_from_name(name: str) -> dt.date | None:
    for m in _NAME_DATE.finditer(name):
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
    return None


def _set_date(meta: dict[str, Any], origin: str, value: str | None) -> dt.date | None:
    if value is None or not value.strip():
        return None
    parsed = parse_date(value)
    if parsed is None:
        meta.setdefault("warnings", []).append(
            f"{E_BAD_DATE.code} {origin}: could not parse date {value!r}; "
            "write it as YYYY-MM-DD. The document has no publication date."
        )
    return parsed


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on"}
    return bool(value)


def sniff_format(raw: bytes) -> str:
    """Guess jsonl, html or text from the first bytes of a stream."""
    head = raw[:4096]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return "jsonl"
    if _HTML_SNIFF.search(head):
        return "html"
    return "text"


# --------------------------------------------------------------------------------------------------
# formats


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    fields: dict[str, str] = {}
    for i, line in enumerate(lines[1 : _FRONT_MAX_LINES + 1], start=1):
        if line.strip() == "---":
            return fields, "\n".join(lines[i + 1 :])
        if not line.strip():
            continue
        m = _FRONT_LINE.match(line)
        if m is None:
            return {}, text  # not front matter after all: keep the text as it is
        val = m.group(2).strip()
        if len(val) >= 2 and val[0] == val[-1] and val[0] in "\"'":
            val = val[1:-1]
        fields[m.group(1).lower()] = val
    return {}, text


def _text_document(text: str, origin: str, sha: str, filename: str) -> Document | Reject:
    front, body = _split_front_matter(text)
    if not body.strip():
        return _reject(
            origin,
            E_EMPTY,
            "holds front matter but no article text; add the text below the closing '---' line.",
            sha,
        )
    meta: dict[str, Any] = {}
    published = _set_date(meta, origin, front.get("date"))
    if published is None and "date" not in front:
        published = _date_from_name(filename)
    if "synthetic" in front:
        meta["synthetic"] = _truthy(front["synthetic"])
    extra = {k: v for k, v in front.items() if k not in _FRONT_KEYS}
    if extra:
        meta["front_matter"] = extra
    return Document(
        id=front.get("id") or sha[:16],
        text=body.strip("\n"),
        origin=origin,
        fmt="text",
        title=front.get("title") or None,
        url=front.get("url") or None,
        source=front.get("source") or None,
        published=published,
        raw_sha256=sha,
        meta=meta,
    )


_PRUNE_FILE = Path(__file__).resolve().parent.parent / "data" / "text" / "boilerplate.yaml"


@functools.lru_cache(maxsize=4)
def _prune_for(path: Path, mtime: float) -> tuple[str, ...]:
    try:
        data = load_yaml(path)
    except DataSchemaError:
        return ()
    items = data.get("html_prune", []) if isinstance(data, dict) else []
    return tuple(x for x in items if isinstance(x, str)) if isinstance(items, list) else ()


def _html_prune() -> list[str]:
    """XPath of page parts removed before extraction (`boilerplate.yaml`; reread if changed)."""
    return list(_current_prune())  # a copy: the cached tuple is shared


def _current_prune() -> tuple[str, ...]:
    try:
        mtime = _PRUNE_FILE.stat().st_mtime
    except OSError:
        mtime = 0.0  # load_yaml reports the missing file
    return _prune_for(_PRUNE_FILE, mtime)


@functools.lru_cache(maxsize=4)
def _compiled(xpaths: tuple[str, ...]) -> tuple[Any, ...]:
    """The prune list compiled once (trafilatura compiles a `prune_xpath` list on every page,
    which cost as much as the pruning). An entry that does not compile is left out here: the
    file's schema check (`load_clean_rules`, run when a pipeline is built) reports it."""
    from lxml.etree import XPath, XPathSyntaxError

    compiled = []
    for xpath in xpaths:
        try:
            compiled.append(XPath(xpath))
        except XPathSyntaxError:
            continue
    return tuple(compiled)


_DATE_PARAMS: dict[str, Any] = {"extensive_search": False, "original_date": True}


@functools.cache
def _extractor(recall: bool) -> Any:
    """trafilatura's settings for a page, built once: building them per page reads its config."""
    from trafilatura.settings import Extractor

    # an Extractor is not changed by an extraction (its recall retry works on a copy), so it
    # can be shared; the page's metadata is read by `_page_metadata`, before pruning
    return Extractor(
        output_format="python",
        recall=recall,
        comments=False,
        images=False,
        links=False,
        with_metadata=False,
    )


def _page_metadata(tree: Any) -> dict[str, str]:
    """Title, author, URL, site name and date of a parsed page, by trafilatura's metadata
    readers. Its `extract_metadata` also looks for categories, tags and a licence, which we do
    not keep and which took more than half of its time (regular expressions over every link)."""
    from html import unescape

    from htmldate import find_date
    from trafilatura import metadata as tm
    from trafilatura.utils import line_processing

    found = tm.examine_meta(tree)  # <meta> and OpenGraph tags
    if found.author and " " not in found.author:
        found.author = None  # one word is a handle, not a byline
    try:
        found = tm.extract_meta_json(tree, found)  # JSON-LD, which wins where present
    except Exception:  # a broken JSON-LD block leaves the <meta> values
        pass
    title = found.title or tm.extract_title(tree)
    author = found.author or tm.extract_author(tree)
    url = found.url or tm.extract_url(tree)
    date = find_date(tree, url=url, **_DATE_PARAMS)
    site = (found.sitename or tm.extract_sitename(tree) or "").lstrip("@")
    if site and "." not in site and not site[0].isupper():
        site = site.title()
    if not site and url and (domain := tm.META_URL.match(url)):
        site = domain[1]
    found_values = {"title": title, "date": date, "url": url, "sitename": site, "author": author}
    meta: dict[str, str] = {}
    for key, value in found_values.items():
        text = line_processing(unescape(value)) if isinstance(value, str) else None
        if text and text.strip():
            meta[key] = text.strip()
    return meta


def _parsed_pages(html: str) -> Iterator[tuple[Any, bool]]:
    """The page parsed, then (for a fragment, as in JSONL records, too short for the default
    thresholds) wrapped in a body and extracted with recall; with whether recall is on."""
    from trafilatura.utils import load_html

    attempts: list[tuple[str, bool]] = [(html, False)]
    if not re.search(r"<body|<html", html[:4096], re.IGNORECASE):
        attempts.append((f"<html><body>{html}</body></html>", True))
    for page, recall in attempts:
        try:
            tree = load_html(page)
        except Exception:  # an unparsable page is a reject, named by the caller
            tree = None
        if tree is not None:
            yield tree, recall


def _extract_tree(tree: Any, recall: bool) -> tuple[Any, dict[str, str]] | None:
    """trafilatura's extraction of a parsed page with its metadata, or None."""
    import trafilatura
    from trafilatura.htmlprocessing import prune_unwanted_nodes

    try:
        meta = _page_metadata(tree)
        prune = _compiled(_current_prune())
        if prune:
            tree = prune_unwanted_nodes(tree, list(prune))
        doc = trafilatura.bare_extraction(tree, options=_extractor(recall))
    except Exception:  # trafilatura's failures on odd pages: try the next way
        return None
    if doc is None or not (getattr(doc, "text", None) or "").strip():
        return None
    return doc, meta


def extract_html(html: str) -> tuple[str, dict[str, str]] | None:
    """Article text and metadata from an HTML page, or None if no text could be extracted.

    Comments, navigation, footers and share bars are left out by trafilatura. The headline is the
    first line; blocks are separated by blank lines.
    """
    extracted = None
    for tree, recall in _parsed_pages(html):
        extracted = _extract_tree(tree, recall)
        if extracted is not None:
            break
    if extracted is None:
        return None
    doc, meta = extracted
    lines = [" ".join(line.split()) for line in doc.text.split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        return None
    title = meta.get("title")
    if title:
        title = " ".join(title.split())
        if lines[0].casefold() != title.casefold():
            lines.insert(0, title)
        if len(lines) == 1:
            return None  # a title and nothing else is no article
    return "\n\n".join(lines), meta


def _html_document(
    html: str,
    origin: str,
    sha: str,
    filename: str,
    *,
    fmt: str = "html",
    record: dict[str, Any] | None = None,
) -> Document | Reject:
    extracted = extract_html(html)
    if extracted is None:
        return _reject(
            origin,
            E_HTML_EXTRACT,
            "no article text could be extracted from the HTML; "
            "check that the page holds the article (not a login or consent page) or "
            "save the article text as .txt.",
            sha,
        )
    text, hmeta = extracted
    rec = record or {}
    meta: dict[str, Any] = {}
    if hmeta.get("author"):
        meta["author"] = hmeta["author"]
    date_value = rec.get("date") or hmeta.get("date")
    published = _set_date(meta, origin, date_value)
    if published is None and date_value is None:
        published = _date_from_name(filename)
    return Document(
        id=str(rec["id"]) if rec.get("id") is not None else sha[:16],
        text=text,
        origin=origin,
        fmt=fmt,
        title=rec.get("title") or hmeta.get("title"),
        url=rec.get("url") or hmeta.get("url"),
        source=rec.get("source") or hmeta.get("sitename"),
        published=published,
        raw_sha256=sha,
        meta=meta,
    )


_RECORD_STR_FIELDS = ("text", "html", "title", "url", "date", "source")


def _record_document(line: bytes, origin: str) -> Document | Reject:
    sha = _sha(line)
    try:
        rec = json.loads(decode_raw(line))
    except (ValueError, RecursionError) as exc:
        return _reject(
            origin,
            E_BAD_JSON,
            f"not valid JSON ({exc}); fix or remove this line, "
            "each line must hold one JSON object.",
            sha,
        )
    if not isinstance(rec, dict):
        return _reject(
            origin,
            E_BAD_RECORD,
            f"a record must be a JSON object, not "
            f'{type(rec).__name__}; write {{"id": ..., "text": ...}}.',
            sha,
        )
    bad = [k for k in _RECORD_STR_FIELDS if rec.get(k) is not None and not isinstance(rec[k], str)]
    if rec.get("id") is not None and (
        isinstance(rec["id"], bool) or not isinstance(rec["id"], str | int)
    ):
        bad.insert(0, "id")
    if bad:
        return _reject(
            origin,
            E_BAD_RECORD,
            f"field(s) {', '.join(bad)} must be strings; fix the record's types.",
            sha,
        )
    text, html = rec.get("text"), rec.get("html")
    if text is None and html is None:
        return _reject(
            origin,
            E_BAD_RECORD,
            "record has neither 'text' nor 'html'; add the article text under one of them.",
            sha,
        )
    for key in ("title", "url", "source", "date"):
        if isinstance(rec.get(key), str):
            rec[key] = " ".join(repair_text(rec[key]).split()) or None
    meta_extra: dict[str, Any] = {}
    if "synthetic" in rec:
        meta_extra["synthetic"] = _truthy(rec["synthetic"])
    if text is not None and text.strip():
        body = repair_text(text).strip("\n")
        meta: dict[str, Any] = {"record_format": "text"}
        published = _set_date(meta, origin, rec.get("date"))
        doc: Document | Reject = Document(
            id=str(rec["id"]) if rec.get("id") is not None else sha[:16],
            text=body,
            origin=origin,
            fmt="jsonl",
            title=rec.get("title"),
            url=rec.get("url"),
            source=rec.get("source"),
            published=published,
            raw_sha256=sha,
            meta=meta,
        )
    elif html is not None and html.strip():
        doc = _html_document(repair_text(html), origin, sha, "", fmt="jsonl", record=rec)
        if isinstance(doc, Document):
            doc.meta["record_format"] = "html"
    else:
        return _reject(
            origin, E_EMPTY, "record's text is empty; add the article text or drop the line.", sha
        )
    if isinstance(doc, Document):
        doc.meta.update(meta_extra)
    return doc


def _jsonl_documents(raw: bytes, origin: str) -> Iterator[Document | Reject]:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for lineno, line in enumerate(raw.split(b"\n"), start=1):
        line = line.rstrip(b"\r")
        if not line.strip():
            continue
        yield _record_document(line, f"{origin}:{lineno}")


def _from_bytes(raw: bytes, origin: str, fmt: str, filename: str) -> Iterator[Document | Reject]:
    sha = _sha(raw)
    if not raw.strip():
        yield _reject(
            origin,
            E_EMPTY,
            "is empty or holds only whitespace; remove it or add the article text.",
            sha,
        )
        return
    if looks_binary(raw):
        yield _reject(
            origin,
            E_BINARY,
            "looks binary, not text; pass text, HTML or JSON Lines "
            "(convert PDFs and word-processor files to text first).",
            sha,
        )
        return
    if fmt == "jsonl":
        yield from _jsonl_documents(raw, origin)
        return
    text = decode_bytes(raw)
    if not text.strip():
        yield _reject(
            origin,
            E_EMPTY,
            "holds no text after decoding; check the file's encoding or remove it.",
            sha,
        )
        return
    if fmt == "html":
        yield _html_document(text, origin, sha, filename)
    else:
        yield _text_document(text, origin, sha, filename)


# --------------------------------------------------------------------------------------------------
# public API


def read_stream(
    stream: BinaryIO,
    *,
    name: str = "<stdin>",
    fmt: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[Document | Reject]:
    """Read one stream (stdin, a BytesIO). `fmt` is text, html or jsonl; sniffed if None."""
    if fmt is not None and fmt not in KNOWN_FORMATS:
        yield _reject(
            name,
            E_UNKNOWN_FORMAT,
            f"format {fmt!r} is not one flashpoint reads; use "
            f"one of {', '.join(sorted(KNOWN_FORMATS))}.",
        )
        return
    try:
        raw = stream.read(max_bytes + 1)
    except (OSError, ValueError) as exc:
        yield _reject(name, E_UNREADABLE, f"could not be read ({exc}); check the input source.")
        return
    if not isinstance(raw, bytes):
        raw = str(raw).encode("utf-8")
    if len(raw) > max_bytes:
        yield _reject(
            name,
            E_TOO_LARGE,
            f"is larger than the {max_bytes}-byte cap; split it or raise max_bytes.",
        )
        return
    yield from _from_bytes(raw, name, fmt or sniff_format(raw), name)


def _unreadable(origin: str, exc: BaseException) -> Reject:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return _reject(
        origin,
        E_UNREADABLE,
        f"could not be read ({reason}); check that it exists, "
        "is a regular file and that you may read it.",
    )


def _read_file(path: Path, fmt: str, max_bytes: int) -> Iterator[Document | Reject]:
    origin = str(path)
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, "is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise OSError(0, "not a regular file")
        if st.st_size > max_bytes:
            yield _reject(
                origin,
                E_TOO_LARGE,
                f"is {st.st_size} bytes, larger than the "
                f"{max_bytes}-byte cap; split it or raise max_bytes.",
            )
            return
        with path.open("rb") as fh:
            # the size it has: a read of the cap would allocate the cap first, for every file
            raw = fh.read(st.st_size + 1)
            if len(raw) > st.st_size:  # it grew after stat (or stat gives no size)
                raw += fh.read(max_bytes + 1 - len(raw))
    except OSError as exc:
        yield _unreadable(origin, exc)
        return
    if len(raw) > max_bytes:  # the file grew after stat
        yield _reject(
            origin,
            E_TOO_LARGE,
            f"is larger than the {max_bytes}-byte cap; split it or raise max_bytes.",
        )
        return
    yield from _from_bytes(raw, origin, fmt, path.name)


def _silently_skipped(path: Path) -> bool:
    name = path.name
    return (
        name.startswith(".")
        or path.suffix.lower() in _SILENT_SUFFIXES
        or (name.upper().startswith("README"))
    )


def _walk(folder: Path, max_bytes: int) -> Iterator[Document | Reject]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield _unreadable(str(folder), exc)
        return
    for entry in entries:
        path = Path(entry.path)
        if _silently_skipped(path):
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(path, max_bytes)
            continue
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            yield _reject(
                str(path),
                E_UNKNOWN_FORMAT,
                "skipped: not a news format; flashpoint "
                f"reads {', '.join(sorted(FORMATS))}. Rename it or move it out.",
            )
            continue
        yield from _read_file(path, fmt, max_bytes)


def read_path(
    path: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Document | Reject]:
    """Read a file or, recursively, a folder. Yields documents and rejects; never raises."""
    p = Path(path)
    try:
        is_dir = p.is_dir()
    except OSError:
        is_dir = False
    if is_dir:
        yield from _walk(p, max_bytes)
        return
    if not p.exists() and not p.is_symlink():
        yield _reject(str(p), E_UNREADABLE, "does not exist; check the path.")
        return
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        yield _reject(
            str(p),
            E_UNKNOWN_FORMAT,
            "is not a file type flashpoint reads; use "
            f"{', '.join(sorted(FORMATS))}, or pipe it to stdin with a --format.",
        )
        return
    yield from _read_file(p, fmt, max_bytes)
