"""New French text from the sample's sentences: each sentence is a template whose content words move and change.

A template keeps the sentence's shape (function words, punctuation, elisions, multi-word expressions of the
themes and of the acronyms, which are never broken) and marks its slots: content words (shuffled among
themselves and replaced, with some probability, by words of the same themes drawn with their corpus
frequency), proper nouns (sometimes replaced by another of the sample), numbers (redrawn) and years (set
to the generated document's year). The output reads like the sample without repeating it verbatim.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from indexer.words import fold, stop_words

# Slot kinds.
FIXED, WORD, PROPER, NUMBER, YEAR = "x", "w", "P", "n", "y"

_TOKEN = re.compile(r"\w+(?:['’]\w+)*(?:[-‐]\w+)*|\s+|[^\w\s]+")
_YEAR = re.compile(r"^(?:19[5-9]\d|20[0-3]\d)$")
_ELISION = re.compile(r"^((?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu)['’])(\w.*)$", re.IGNORECASE)
_MONTHS = re.compile(
    r"\b(?:janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre"
    r"|decembre)\b",
    re.IGNORECASE,
)
VOWELS = frozenset("aeiouyhàâäéèêëîïôöûüœæ")


@dataclass(frozen=True)
class Token:
    """One piece of a template: its text, its kind, and for an elided word its prefix (« l’ »)."""

    text: str
    kind: str = FIXED
    prefix: str = ""


@dataclass(frozen=True)
class Template:
    """A sentence (or title, or heading) as slots; `dated` when it mentions a year or a month."""

    tokens: tuple[Token, ...]
    dated: bool
    words: int


def protected_pattern(expressions: list[str]) -> re.Pattern[str]:
    """A regex matching any of the multi-word expressions that must stay whole (longest first)."""
    multi = sorted({e.strip() for e in expressions if len(e.split()) >= 2}, key=len, reverse=True)
    if not multi:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(e) for e in multi) + r")(?!\w)", re.IGNORECASE)


def make_template(text: str, protected: re.Pattern[str]) -> Template:
    """Cut a sentence into slots (see the module docstring)."""
    spans = [(m.start(), m.end()) for m in protected.finditer(text)]
    stops = stop_words()
    tokens: list[Token] = []
    first_word = True
    words = 0
    dated = bool(_MONTHS.search(text))
    for m in _TOKEN.finditer(text):
        piece = m.group(0)
        if piece[0].isspace() or not (piece[0].isalnum() or piece[0] == "_"):
            tokens.append(Token(piece))
            continue
        words += 1
        at_start, first_word = first_word, False
        if any(a <= m.start() < b for a, b in spans):
            tokens.append(Token(piece))
            continue
        if piece.isdigit():
            if _YEAR.match(piece):
                dated = True
                tokens.append(Token(piece, YEAR))
            else:
                tokens.append(Token(piece, NUMBER))
            continue
        prefix, word = "", piece
        em = _ELISION.match(piece)
        if em:
            prefix, word = em.group(1), em.group(2)
        bare = word.replace("-", "").replace("‐", "")
        if not bare.isalpha() or len(word) < 4 or fold(word.lower()) in stops:
            tokens.append(Token(piece))
        elif word[0].isupper() and not (at_start and not prefix and word[1:].islower()):
            # A capitalised word inside the sentence (or an acronym anywhere): a proper noun.
            tokens.append(Token(word, PROPER, prefix) if word[1:].islower() else Token(piece))
        else:
            tokens.append(Token(word.lower() if at_start and not prefix else word, WORD, prefix))
    return Template(tuple(tokens), dated, words)


@dataclass
class Vocabulary:
    """Content words with their frequency (repeated in the lists), grouped by ending.

    A word is replaced by a word with the same last three letters (« -tion », « -ent », « -ées »…), which in
    French mostly keeps its part of speech, gender and number: the sentence stays readable.
    """

    words: list[str]
    by_suffix: dict[str, list[str]]

    @classmethod
    def of(cls, words: list[str]) -> Vocabulary:
        """From a list of word occurrences."""
        by_suffix: dict[str, list[str]] = {}
        for w in words:
            by_suffix.setdefault(w[-3:].lower(), []).append(w)
        return cls(words, by_suffix)

    def like(self, rng: random.Random, word: str, vowel: bool = False) -> str:
        """A word of the same ending (and starting with a vowel when it follows an elision), else `word`."""
        pool = self.by_suffix.get(word[-3:].lower())
        if not pool:
            return word
        for _ in range(4):
            candidate = rng.choice(pool)
            if not vowel or candidate[0].lower() in VOWELS:
                return candidate
        return word


_FULL_FORMS = {
    "l": "le ", "d": "de ", "j": "je ", "m": "me ", "n": "ne ", "s": "se ", "t": "te ", "c": "ce ", "qu": "que ",
}  # fmt: skip


def fit_prefix(prefix: str, word: str) -> str:
    """An elided prefix (« l’ ») kept before a vowel, written out (« le ») before a consonant."""
    if not prefix or word[0].lower() in VOWELS:
        return prefix
    head = prefix[:-1]
    full = _FULL_FORMS.get(head.lower(), head + "e ")
    return full[0].upper() + full[1:] if head[0].isupper() else full


def _redraw_number(rng: random.Random, digits: str) -> str:
    if len(digits) == 1:
        return str(rng.randint(2, 9))
    return str(rng.randint(10 ** (len(digits) - 1), 10 ** len(digits) - 1))


def render(
    template: Template,
    rng: random.Random,
    vocab: Vocabulary,
    propers: list[str],
    year: int | None,
    replace_p: float = 0.35,
    shuffle_p: float = 0.5,
) -> str:
    """One new sentence from a template (see the module docstring)."""
    tokens = list(template.tokens)
    slots = [i for i, t in enumerate(tokens) if t.kind == WORD]
    if len(slots) >= 2 and rng.random() < shuffle_p:
        # Move the content words among their slots (an elided article is written out before a consonant).
        for _ in range(max(1, len(slots) // 4)):
            a, b = rng.sample(slots, 2)
            ta, tb = tokens[a], tokens[b]
            if ta.text[-2:] != tb.text[-2:]:
                continue
            tokens[a] = Token(tb.text, WORD, fit_prefix(ta.prefix, tb.text))
            tokens[b] = Token(ta.text, WORD, fit_prefix(tb.prefix, ta.text))
    out: list[str] = []
    for i, t in enumerate(tokens):
        if t.kind == WORD:
            word = t.text
            if rng.random() < replace_p:
                word = vocab.like(rng, word, vowel=t.prefix.endswith(("'", "’")))
            piece = t.prefix + word
            out.append(piece[0].upper() + piece[1:] if i == 0 else piece)
        elif t.kind == PROPER:
            word = rng.choice(propers) if propers and rng.random() < 0.25 else t.text
            if t.prefix and word[0].lower() not in VOWELS:
                word = t.text
            out.append(t.prefix + word)
        elif t.kind == NUMBER:
            out.append(_redraw_number(rng, t.text) if rng.random() < 0.5 else t.text)
        elif t.kind == YEAR:
            out.append(str(year - rng.choice((0, 0, 0, 1, 1, 2))) if year else t.text)
        else:
            out.append(t.text)
    text = "".join(out)
    return text[0].upper() + text[1:] if text else text


def content_words(template: Template) -> list[str]:
    """The content words of a template (for the vocabulary)."""
    return [t.text for t in template.tokens if t.kind == WORD]


def proper_nouns(template: Template) -> list[str]:
    """The proper nouns of a template."""
    return [t.text for t in template.tokens if t.kind == PROPER]


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"A-ZÀ-ÖØ-Þ0-9])")


def split_sentences(text: str) -> list[str]:
    """Sentences of an extracted text (one block per line), kept when they read like prose."""
    out: list[str] = []
    for line in text.split("\n"):
        line = " ".join(line.split())
        if not line:
            continue
        for sentence in _SENTENCE_END.split(line):
            sentence = sentence.strip()
            n = len(sentence.split())
            if not 6 <= n <= 60:
                continue
            if not (sentence[0].isupper() or sentence[0] == "«") or sentence[-1] not in ".!?…»)":
                continue
            if any(bad in sentence for bad in ("http", "www.", "@", "....", ". . .", " · ", "…")):
                continue
            out.append(sentence)
    return out
