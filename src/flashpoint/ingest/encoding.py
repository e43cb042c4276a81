"""Bytes to text: encoding detection and repair of mis-decoded text.

Scraped news arrives as UTF-8 most of the time, as Windows-1252 or Latin-1 some of the time, and
often as UTF-8 that was once decoded as Windows-1252 and encoded again ("mojibake": "â€™" for "’").
`decode_bytes` tries strict UTF-8 first, then a charset-normalizer guess, then cp1252 with
replacement, and finally lets ftfy undo mojibake. It never raises.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer
import ftfy

_SNIFF = 8192
# Byte order marks of UTF-16/32: such input holds NUL bytes but is text.
_WIDE_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control bytes that ordinary text does not contain (tab, LF, FF, CR and ESC are allowed).
_CONTROL = frozenset(set(range(32)) - {9, 10, 12, 13, 27} | {127})
_BINARY_SHARE = 0.10
_CHAOS_SLACK = 0.1
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, explain=False)
_FTFY_NO_HTML = _FTFY._replace(unescape_html=False)
# Characters ftfy may change on a line that is otherwise printable ASCII (every fixer but HTML
# unescaping needs one: non-ASCII, \r, ESC, other controls and DEL); "&" matters while unescaping.
_FTFY_TOUCHES = re.compile(r"[^\t\n\x20-\x7e]")
_PLAIN_ASCII = b"\t\n" + bytes(range(0x20, 0x7F))
_CONTROL_BYTES = bytes(sorted(_CONTROL))


def _wide_codec(raw: bytes) -> str | None:
    for bom, codec in _WIDE_BOMS:
        if raw.startswith(bom):
            return codec
    return None


def looks_binary(raw: bytes) -> bool:
    """True if the first 8 KiB hold NUL bytes or many control bytes (UTF-16/32 with BOM is text)."""
    head = raw[:_SNIFF]
    if not head or _wide_codec(head) is not None:
        return False
    if b"\x00" in head:
        return True
    # translate deletes the control bytes in C; the length lost is their count
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls / len(head) > _BINARY_SHARE


def decode_raw(raw: bytes) -> str:
    """Decode without repair: BOM-aware UTF-8/16/32, else the best guess, else cp1252."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    wide = _wide_codec(raw)
    if wide is not None:
        return raw.decode(wide, errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        matches = list(charset_normalizer.from_bytes(raw))
    except Exception:  # pragma: no cover - the detector is not supposed to raise
        matches = []
    if matches:
        best = matches[0]
        # On short Western text the detector often ranks a DOS, Baltic or Central European code
        # page first although Windows-1252 decodes the bytes as cleanly (no more "chaos"); legacy
        # news pages are far more often Windows-1252, so it wins such ties.
        for m in matches:
            if "cp1252" in m.could_be_from_charset and m.chaos <= best.chaos + _CHAOS_SLACK:
                return raw.decode("cp1252", errors="replace")
        try:
            return str(best)
        except Exception:  # pragma: no cover
            pass
    return raw.decode("cp1252", errors="replace")


def _fix_text(text: str) -> str:
    """Exactly `ftfy.fix_text(text, _FTFY)`, without handing ftfy the lines it leaves unchanged.

    ftfy fixes each line (up to and including its "\n") on its own, and stops unescaping HTML
    entities from the first line that holds "<" on. A line of printable ASCII, tabs and its
    "\n" comes out unchanged unless it holds "&" while unescaping is still on, so only the
    other lines go to ftfy, each with the setting ftfy would have used for it.
    """
    if len(text) > _FTFY.max_decode_length:
        return ftfy.fix_text(text, _FTFY)  # ftfy also splits overlong lines: keep its own loop
    end = len(text)
    lt = text.find("<")
    html_from = end if lt < 0 else text.rfind("\n", 0, lt) + 1  # start of the first "<" line
    out: list[str] = []
    pos = 0
    # the common case, checked in C many times faster than by the regex: nothing but "&" to fix
    plain = text.isascii() and not text.encode("ascii").translate(None, _PLAIN_ASCII)
    touch = None if plain else _FTFY_TOUCHES.search(text)
    amp = text.find("&", 0, html_from)
    while pos < end:
        if touch is not None and touch.start() < pos:
            touch = _FTFY_TOUCHES.search(text, pos)
        if 0 <= amp < pos:
            amp = text.find("&", pos, html_from)
        hit = min(touch.start() if touch is not None else end, amp if amp >= 0 else end)
        if hit >= end:
            out.append(text[pos:])
            break
        start = text.rfind("\n", pos, hit) + 1 or pos
        stop = text.find("\n", hit) + 1 or end
        out.append(text[pos:start])
        cfg = _FTFY if start < html_from else _FTFY_NO_HTML
        out.append(ftfy.fix_text(text[start:stop], cfg))
        pos = stop
    return "".join(out)


def repair_text(text: str) -> str:
    """Undo mojibake (ftfy, keeping curly quotes), normalise newlines to \\n and drop NUL."""
    text = text.replace("\x00", "")
    try:
        text = _fix_text(text)
    except Exception:  # pragma: no cover - ftfy is not supposed to raise
        pass
    if "\r" in text or not text.isascii():  # else there is no line break to normalise
        text = _NEWLINES.sub("\n", text)
    return text.replace("\x00", "")


def decode_bytes(raw: bytes) -> str:
    """Turn raw bytes into clean Unicode text; never raises."""
    return repair_text(decode_raw(raw))
