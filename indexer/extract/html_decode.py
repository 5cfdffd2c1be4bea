"""Decoding a saved web page's bytes: byte-order marks, the declared charset, UTF-8 with junk, windows-1252."""

from __future__ import annotations

import codecs
import logging
import re

from indexer.extract.normalise import (
    looks_binary,
)

logger = logging.getLogger(__name__)


_LATIN1_FALLBACK = "crpv-latin1-fallback"


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    """Decode the bytes a single-byte codec leaves undefined (0x81, 0x8D… in windows-1252) as latin-1."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error(_LATIN1_FALLBACK, _latin1_fallback)

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:-]+)|<\?xml[^>]*?encoding\s*=\s*["']([a-z0-9_.:-]+)""",
    re.IGNORECASE,
)
# Labels browsers read as windows-1252, and the names we record for common codecs.
_READ_AS_WINDOWS_1252 = {"iso8859-1", "ascii", "cp1252"}
_LABELS = {"cp1252": "windows-1252", "utf-8": "utf-8"}


def _declared_charset(data: bytes) -> str | None:
    """The Python codec name of the charset a page declares in its first 16 KB, if any and known."""
    match = _DECLARED_CHARSET.search(data[:16384])
    if not match:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii", errors="ignore")
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(data: bytes) -> tuple[str, str]:
    """Decode a page's bytes as a browser would; return the text and the charset used.

    A byte order mark wins; else bytes that decode as strict UTF-8 are UTF-8, whatever the page declares;
    so are UTF-8 pages with binary junk in a few lines (the junk is dropped); else the declared charset,
    ISO-8859-1, latin-1 and ASCII being read as windows-1252; else (no declaration, a false UTF-8
    declaration) windows-1252. Bytes that windows-1252 leaves undefined are read as latin-1.
    """
    for bom, name in BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace"), name
    if data[:2] == b"<\x00":
        return data.decode("utf-16-le", errors="replace"), "utf-16-le"
    if data[:2] == b"\x00<":
        return data.decode("utf-16-be", errors="replace"), "utf-16-be"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _utf8_apart_from_junk(data):
        return data.decode("utf-8", errors="replace").replace("\ufffd", ""), "utf-8"
    declared = _declared_charset(data)
    if declared and declared not in _READ_AS_WINDOWS_1252 and not declared.startswith("utf"):
        try:
            return data.decode(declared), _LABELS.get(declared, declared.replace("iso8859", "iso-8859"))
        except (UnicodeDecodeError, LookupError):
            logger.debug("declared charset %s does not decode the page, reading windows-1252", declared)
    return data.decode("cp1252", errors=_LATIN1_FALLBACK), "windows-1252"


def _utf8_apart_from_junk(data: bytes) -> bool:
    """Whether a page that is not strict UTF-8 is UTF-8 text damaged by binary junk in some lines.

    Lines with non-ASCII bytes are counted: valid UTF-8, binary junk (ignored), or other text. A page in
    windows-1252 has no valid UTF-8 line (« é » alone is not a UTF-8 sequence); a UTF-8 page with a
    corrupted block has many valid lines and only a few invalid text lines.
    """
    valid = invalid = 0  # non-ASCII bytes in valid UTF-8 lines, and in undecodable lines that look like text
    for line in data.split(b"\n"):
        if line.isascii():
            continue
        non_ascii = sum(1 for byte in line if byte > 0x7F)
        try:
            line.decode("utf-8")
            valid += non_ascii
        except UnicodeDecodeError:
            # Junk: control bytes, or a density of non-ASCII bytes that no French text in a legacy charset has.
            if not looks_binary(line) and non_ascii <= 0.3 * len(line):
                invalid += non_ascii
    return valid > 0 and valid >= 3 * invalid
