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
    controls = sum(1 for b in head if b in _CONTROL)
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


def repair_text(text: str) -> str:
    """Undo mojibake (ftfy, keeping curly quotes), normalise newlines to \\n and drop NUL."""
    text = text.replace("\x00", "")
    try:
        text = ftfy.fix_text(text, _FTFY)
    except Exception:  # pragma: no cover - ftfy is not supposed to raise
        pass
    return _NEWLINES.sub("\n", text).replace("\x00", "")


def decode_bytes(raw: bytes) -> str:
    """Turn raw bytes into clean Unicode text; never raises."""
    return repair_text(decode_raw(raw))
