"""French words one at a time: accent folding, stop words, elisions, stemming, and what the analyser chain
makes of one token (fused and cached per token: a reindex analyses millions of tokens, and words repeat).

`indexer.analysis` assembles these into Whoosh analysers; the search app uses them to read queries and to
highlight snippets as the index sees words.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import cache, lru_cache

from whoosh.lang import stopwords_for_language

from indexer.vocab import acronym_keys

logger = logging.getLogger(__name__)

# Words, keeping inner apostrophes (both ' and ’) and hyphens: « l’économie », « socio-économique ».
TOKEN_JOINERS = r"['’\-‐]"  # what joins two runs of word characters into one token
WORD_PATTERN = rf"\w+(?:{TOKEN_JOINERS}\w+)*"
# Where a token of WORD_PATTERN ends: no word character next, nor a joiner and one (which would extend it).
TOKEN_END = rf"(?!\w)(?!{TOKEN_JOINERS}\w)"

ELISIONS = frozenset(
    ["l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu", "quelqu"]
)
APOSTROPHES = "'’"
HYPHENS = "-‐"

# Whoosh's French list plus a few forms that carry no meaning for search.
_EXTRA_STOPS = {
    "les", "leurs", "être", "avoir", "cet", "cette", "ceux", "celle", "celles", "celui", "ils", "elles",
    "aussi", "dont", "où", "ainsi", "très", "lors",
}  # fmt: skip


# Longest text whose folding is cached: words and short labels repeat, whole openings of documents do not (a
# cache of those would hold every document's text in the build's main process).
FOLD_CACHE_CHARS = 64


def fold(text: str) -> str:
    """Accent folding: « Économie » → « Economie », « cœur » → « coeur »."""
    return _fold_cached(text) if len(text) <= FOLD_CACHE_CHARS else _fold(text)


@lru_cache(maxsize=200_000)
def _fold_cached(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    if text.isascii():
        return text
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Forms of Whoosh's French list that are also nouns users search for: « été », the season (« quartiers d’été »,
# « université d’été »), is kept; as the participle it is frequent enough to weigh little.
_NOT_STOPS = {"été"}


@cache
def stop_words() -> frozenset[str]:
    """The French stop list, accent-folded, so that « etre » is stopped like « être »."""
    words = (set(stopwords_for_language("fr")) | _EXTRA_STOPS) - _NOT_STOPS
    return frozenset(fold(w) for w in words)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer  # PyStemmer: the Snowball French stemmer in C

    return Stemmer.Stemmer("french")


# Ordinals written with digits (« 4e », « 4ème », « 4eme », « 4è ») or in letters (« quatrième »): one term,
# « 4e », so that « 4e rencontres » finds « quatrième édition des rencontres » and each spelling finds the others.
_ORDINAL_DIGITS = re.compile(r"^(\d{1,3})(?:e|è|ème|eme|ième|ieme|er|re|ère|ere)s?$")
_ORDINAL_WORDS = {
    f"{name}{ending}": number
    for number, name in enumerate(
        [
            "deuxieme", "troisieme", "quatrieme", "cinquieme", "sixieme", "septieme", "huitieme", "neuvieme",
            "dixieme", "onzieme", "douzieme", "treizieme", "quatorzieme", "quinzieme", "seizieme", "dixseptieme",
            "dixhuitieme", "dixneuvieme", "vingtieme",
        ],
        start=2,
    )
    for ending in ("", "s")
}  # fmt: skip


def ordinal(word: str) -> str | None:
    """The one term of an ordinal number (« 4e » for « 4ème », « 4eme » or « quatrième »), or None."""
    found = _ORDINAL_DIGITS.match(word)
    if found:
        return f"{int(found.group(1))}e"
    number = _ORDINAL_WORDS.get(fold(word))
    return f"{number}e" if number else None


# A word of digits then letters (« 3EVA », « 100km »), which a text may also write apart (« 3.EVA », « 3 EVA »).
_DIGITS_LETTERS = re.compile(r"(\d+)([^\W\d_]{2,})")


def digits_and_letters(word: str) -> tuple[str, str] | None:
    """A lowercase word of digits then two letters or more, not an ordinal number (« 3eva », not « 4eme »), cut
    in two; or None."""
    found = _DIGITS_LETTERS.fullmatch(word)
    if found is None or ordinal(word):
        return None
    return found.group(1), found.group(2)


@lru_cache(maxsize=300_000)
def stem(word: str) -> str:
    """Snowball French stem of a lowercase word; acronyms of the vocabulary are left whole, ordinal numbers
    written one way (`ordinal`)."""
    if word in acronym_keys() or word.isdigit():
        return word
    return ordinal(word) or _stemmer().stemWord(word)


def index_forms(word: str) -> tuple[str, ...]:
    """The terms indexed for one lowercase word: fold(stem(w)) and, when different, stem(fold(w))."""
    first = fold(stem(word))
    second = stem(fold(word))
    return (first,) if first == second else (first, second)


def query_form(word: str) -> str:
    """The term searched for one lowercase word (the primary form, used in phrases)."""
    return fold(stem(word))


def elision_length(word: str) -> int:
    """The length of the elision that opens a lowercase token (« l’ », « qu’ », either apostrophe), or 0."""
    if "'" not in word and "’" not in word:
        return 0
    head, _, rest = word.replace("’", "'").partition("'")
    return len(head) + 1 if head in ELISIONS and rest else 0


def without_elision(word: str) -> str:
    """A lowercase token without its elision (l’, d’, qu’…, either apostrophe) and without apostrophes."""
    if "'" not in word and "’" not in word:
        return word
    return word[elision_length(word) :].replace("’", "").replace("'", "")


@lru_cache(maxsize=500_000)
def word_analysis(raw: str) -> tuple[tuple[str, ...], ...]:
    """What the chain makes of one token at index time: the terms at each position it occupies.

    Empty for a stop word; one position for a plain word (its two stemming forms); for a compound, the
    joined word's forms with the first part's, then one position per further part. The stages are those of
    `french_chain` (lowercase, elision, stop words, compounds, stemming and folding), fused and cached per
    token because a reindex analyses millions of tokens and words repeat.
    """
    word = without_elision(raw.lower())
    if (len(word) < 2 and not word.isdigit()) or fold(word) in stop_words():
        return ()
    if "-" not in word and "‐" not in word:
        return (index_forms(word),)
    parts = [p for p in re.split(r"[-‐]+", word) if p]
    joined = "".join(parts)
    if len(parts) < 2:
        return (index_forms(joined),)
    kept = [p for p in parts if len(p) >= 2 and fold(p) not in stop_words()]
    if not kept:
        return (index_forms(joined),)
    first = tuple(dict.fromkeys(index_forms(joined) + index_forms(kept[0])))
    return (first, *(index_forms(p) for p in kept[1:]))


@lru_cache(maxsize=500_000)
def word_query_term(raw: str) -> str | None:
    """What the chain makes of one token at query time: one term (the joined compound), or None."""
    analysis = word_analysis(raw)
    if not analysis:
        return None
    parts = [p for p in re.split(r"[-‐]+", without_elision(raw.lower())) if p]
    return query_form("".join(parts))


_WORD_RE = re.compile(WORD_PATTERN)


@lru_cache(maxsize=200_000)
def exact_word(raw: str) -> str:
    """One token as the exact chain makes it at query time: lowercase, elision removed, a compound joined,
    accents folded."""
    word = without_elision(raw.lower())
    if "-" in word or "‐" in word:
        word = "".join(p for p in re.split(r"[-‐]+", word) if p)
    return fold(word)


def exact_words(text: str) -> list[str]:
    """The terms of `text` in the exact field, at query time (the exact chain in query mode, fused: one
    cached function per token, as `word_analysis` does for the French chain; a test compares them)."""
    return list(filter(None, map(exact_word, _WORD_RE.findall(text))))  # C-level iteration over the tokens
