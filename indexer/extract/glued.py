"""Detect a page whose words lost their spaces (« Lesconseilscitoyensréunissent… »).

Some extractors glue the words of some PDFs together (pypdf with TeX's fonts that have no space glyph:
the word spaces are only displacements). French running text almost never has a word of 25 letters or
more (« anticonstitutionnellement » is the classic one), so a page where such tokens are frequent has lost
its spaces. Used by the PDF extractor to re-read such a page with the other library, whichever produced it.
"""

from __future__ import annotations

import re

__all__ = ["LONG_TOKEN_LETTERS", "long_token_share", "looks_glued"]

LONG_TOKEN_LETTERS = 25
# Normal French text: below 0.2 % of long tokens; a glued page: tens of percent.
_GLUED_SHARE = 0.02
_MIN_LONG_TOKENS = 2
_LETTERS = re.compile(r"[^\W\d_]+")


def long_token_share(text: str) -> tuple[int, float]:
    """The number of runs of letters of `LONG_TOKEN_LETTERS` or more, and their share of all runs."""
    tokens = _LETTERS.findall(text)
    if not tokens:
        return 0, 0.0
    long_tokens = sum(len(token) >= LONG_TOKEN_LETTERS for token in tokens)
    return long_tokens, long_tokens / len(tokens)


def looks_glued(text: str) -> bool:
    """Whether `text` reads as words glued together: several long tokens, far above normal French."""
    count, share = long_token_share(text)
    return count >= _MIN_LONG_TOKENS and share >= _GLUED_SHARE
