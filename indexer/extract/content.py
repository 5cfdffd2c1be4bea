"""What a file's bytes look like, named in French for error reasons (« page HTML », « image PNG »…)."""

from __future__ import annotations

import re

__all__ = ["describe_content", "looks_binary"]
_MAGIC = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "image PNG"),
    (b"\xff\xd8\xff", "image JPEG"),
    (b"GIF8", "image GIF"),
    (b"PK\x03\x04", "archive ZIP ou document Office"),
    (b"\xd0\xcf\x11\xe0", "document Office ancien"),
    (b"\x1f\x8b", "archive gzip"),
    (b"Rar!", "archive RAR"),
    (b"7z\xbc\xaf", "archive 7-Zip"),
    (b"{\\rtf", "document RTF"),
    (b"II*\x00", "image TIFF"),
    (b"MM\x00*", "image TIFF"),
)
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|\?xml)", re.IGNORECASE | re.DOTALL
)


def describe_content(data: bytes) -> str:
    """Name in French what the bytes look like: « PDF », « page HTML », « texte », « image PNG »…

    Used in error reasons such as « ce fichier n’est pas un PDF (contenu : page HTML) ».
    """
    if not data:
        return "vide"
    head = data[:4096]
    if b"%PDF" in data[:1024]:
        return "PDF"
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="replace").encode("utf-8", errors="replace")
    elif head[:2] in (b"<\x00", b"\x00<"):  # UTF-16 without a byte order mark
        head = head.replace(b"\x00", b"")
    if looks_binary(head):
        return "données binaires"
    if _HTML_START.match(head):
        return "page HTML"
    return "texte"


def looks_binary(data: bytes) -> bool:
    """Whether bytes are binary data rather than text: more than 5 % of control bytes (NUL included)."""
    if not data:
        return False
    return len(_BINARY_BYTES.findall(data)) > 0.05 * len(data)
