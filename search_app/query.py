"""From what users type to Whoosh queries.

Syntax users already know: plain words (all required), « "expression exacte" » (or « … »), ``-exclu``,
``OU``/``OR`` between two terms, ``préfix*``. Anything else is searched as plain words: parsing never fails.
Acronyms expand both ways (QPV ↔ quartier prioritaire de la politique de la ville) with a lower weight
for the form the user did not type, so documents using the typed form stay first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq

from indexer.analysis import (
    EXPANSION_MARK,
    acronym_expansions,
    analyse,
    derived_terms,
    exact_terms,
    expansion_acronyms,
    surface_words,
)
from indexer.words import WORD_PATTERN, digits_and_letters, exact_words, fold, index_forms
from search_app import tuning
from search_app.widening import Target, Widening

logger = logging.getLogger(__name__)

PAGE_FIELD = "page_body"  # the field of page records, searched to choose a PDF's best pages
MAX_CLAUSES = 32  # words beyond this are ignored (a query is refused only by its length in characters)
MAX_PREFIX_TERMS = 64  # a prefix expands to at most this many terms per field
MAX_PREFIX_CLAUSES = 4  # prefixes beyond this many are searched as plain words (bounds a query's expansion)

_TOKEN = re.compile(r'(-?)(?:"([^"]*)"|«\s*([^»]*?)\s*»|(\S+))')
_ONE_WORD = re.compile(WORD_PATTERN)
_OR_WORDS = {"OU", "OR", "|"}
_AND_WORDS = {"ET", "AND", "&"}
_NOT_WORDS = {"SAUF", "NOT"}


@dataclass
class Clause:
    """One element of the user's query."""

    kind: str  # "word", "phrase" or "prefix"
    text: str
    negated: bool = False
    span: tuple[int, int] = (0, 0)  # where it stands in the query string


@dataclass
class ParsedQuery:
    """The user's query: an AND of OR-groups of clauses, and clauses to exclude; runs of its groups that the
    vocabulary of urban policy widens (`search_app.widening`, set by the search)."""

    groups: list[list[Clause]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)
    widenings: list[Widening] = field(default_factory=list)

    @property
    def positive(self) -> list[Clause]:
        """All clauses that must or may match (not the excluded ones)."""
        return [c for g in self.groups for c in g]

    @property
    def is_empty(self) -> bool:
        """No positive clause (only exclusions, or nothing)."""
        return not self.groups


def parse(text: str) -> ParsedQuery:
    """Parse the user syntax; never raises."""
    parsed = ParsedQuery()
    pending_or = False
    negate_next = False
    count = prefixes = 0
    for m in _TOKEN.finditer(text or ""):
        minus, quoted, guillemets, bare = m.groups()
        if bare is not None and not minus:
            if bare in _OR_WORDS:
                pending_or = bool(parsed.groups)
                continue
            if bare in _AND_WORDS:
                continue
            if bare in _NOT_WORDS:
                negate_next = True
                continue
        phrase = quoted if quoted is not None else guillemets
        if phrase is not None:
            clause = Clause("phrase", phrase.strip())
        else:
            word = bare.strip('"«»()[]{},;:!?.')
            if len(word) >= 3 and word.endswith("*") and word[:-1].strip("*") and prefixes < MAX_PREFIX_CLAUSES:
                clause = Clause("prefix", word.rstrip("*"))
            else:
                clause = Clause("word", word.replace("*", " ").replace('"', " "))
        if not _searchable(clause):
            pending_or = False
            continue
        count += 1
        if count > MAX_CLAUSES:
            break
        prefixes += clause.kind == "prefix"
        clause.span = m.span()
        clause.negated = bool(minus) or negate_next
        negate_next = False
        if clause.negated:
            parsed.excluded.append(clause)
        elif pending_or and parsed.groups:
            parsed.groups[-1].append(clause)
        else:
            parsed.groups.append([clause])
        pending_or = False
    return parsed


def _searchable(clause: Clause) -> bool:
    """Whether a clause searches something: a word or a phrase that is not only stop words, a prefix that has
    a letter or a digit (« ma* » is applied, though « ma » alone is a stop word)."""
    if clause.kind == "prefix":
        return bool(_ONE_WORD.search(clause.text))
    return bool(clause.text.strip()) and bool(analyse_text(clause.text))


def analyse_text(text: str) -> list[str]:
    """Query terms of a piece of text (one per word, stop words removed)."""
    return analyse(text, mode="query")


# ---------------------------------------------------------------------------------------------------------
# Building Whoosh queries


def _fields(boosts: Mapping[str, float] | None) -> Mapping[str, float]:
    return boosts or tuning.TUNING.field_boosts


def _word_terms(word: str) -> list[str]:
    """Alternative index terms for one typed word: the query form first, then the other stemming forms."""
    primary = analyse_text(word)
    if len(primary) != 1:
        return primary
    words = surface_words(word)
    forms = [primary[0]]
    if len(words) == 1 and words[0].isalpha():
        for form in index_forms(words[0]):
            if form not in forms:
                forms.append(form)
    return forms


def _term_query(term_forms: list[str], boosts: Mapping[str, float]) -> wq.Query:
    subs: list[wq.Query] = []
    for fieldname, boost in boosts.items():
        for i, form in enumerate(term_forms):
            subs.append(wq.Term(fieldname, form, boost=boost * (1.0 if i == 0 else tuning.TUNING.alt_form_weight)))
    return wq.Or(subs)


def _phrase_query(terms: list[str], boosts: Mapping[str, float], weight: float = 1.0) -> wq.Query:
    if len(terms) == 1:
        return _term_query(terms, {f: b * weight for f, b in boosts.items()})
    return wq.Or([wq.Phrase(f, terms, boost=b * weight) for f, b in boosts.items()])


def _exact_phrase_query(text: str, boosts: Mapping[str, float]) -> wq.Query:
    """A quoted phrase: the words as typed, in order, in the exact field (accents and case aside); the
    analysed fields only add their weights (title first) to the documents that have it."""
    terms = analyse_text(text)
    if set(boosts) == {PAGE_FIELD}:
        # Pages have no exact field (it would double the cost of indexing them): the best pages of a
        # document that has the exact phrase are those with its analysed form.
        return _phrase_query(terms, boosts) if terms else wq.NullQuery
    words = exact_words(text)
    if not words:
        return wq.NullQuery
    pairs = exact_terms(words)
    exact = wq.Term("exact", pairs[0]) if len(pairs) == 1 else wq.And([wq.Term("exact", p) for p in pairs])
    if not terms:
        return exact
    return wq.AndMaybe(exact, _weights_of_phrase(terms, boosts))


# Fields short enough for their phrase to be checked by positions when weighting a quoted phrase.
SHORT_FIELDS = ("title", "headings")


def _weights_of_phrase(terms: list[str], boosts: Mapping[str, float]) -> wq.Query:
    """What a quoted phrase adds to the score of a document that has it (the exact field found it): the
    phrase in the short fields (a title that has it), its words in the long ones. A document with the exact
    phrase has its words together in its text; checking it again by positions in every such document
    (nearly all of them for « "politique de la ville" ») was the most costly part of a phrase query."""
    if len(terms) == 1:
        return _term_query(terms, boosts)
    subs: list[wq.Query] = []
    for fieldname, boost in boosts.items():
        if fieldname in SHORT_FIELDS:
            subs.append(wq.Phrase(fieldname, terms, boost=boost))
        else:
            subs.append(wq.And([wq.Term(fieldname, t) for t in terms], boost=boost))
    return wq.Or(subs)


def _prefix_query(prefix: str, boosts: Mapping[str, float], reader: Any) -> wq.Query:
    text = fold(prefix.lower())
    subs: list[wq.Query] = []
    for fieldname, boost in boosts.items():
        terms = []
        for term in reader.expand_prefix(fieldname, text):
            terms.append(term.decode("utf-8") if isinstance(term, bytes) else term)
            if len(terms) >= MAX_PREFIX_TERMS:
                break
        subs.extend(wq.Term(fieldname, t, boost=boost) for t in terms)
    return wq.Or(subs) if subs else wq.NullQuery


def clause_query(clause: Clause, reader: Any, boosts: Mapping[str, float] | None = None) -> wq.Query:
    """The Whoosh query of one clause, with acronym expansion for single words."""
    boosts = _fields(boosts)
    if clause.kind == "prefix":
        return _prefix_query(clause.text, boosts, reader)
    terms = analyse_text(clause.text)
    if clause.kind == "phrase":
        q = _exact_phrase_query(clause.text, boosts)
        acronym = expansion_acronyms().get(tuple(terms))
        if acronym:
            q = wq.Or([q, _term_query([acronym], {f: b * tuning.TUNING.acronym_weight for f, b in boosts.items()})])
        return q
    if len(terms) != 1:
        return _phrase_query(terms, boosts)
    forms = _word_terms(clause.text)
    q = _apart(clause.text, _term_query(forms, boosts), boosts)
    derived = [t for t in derived_terms().get(forms[0], ()) if t not in forms] if forms else []
    if derived and tuning.TUNING.derived_weight:
        q = wq.Or(
            [q, *(wq.Term(f, t, boost=b * tuning.TUNING.derived_weight) for t in derived for f, b in boosts.items())]
        )
    key = clause.text.lower()
    expansion = acronym_expansions().get(key)
    if expansion and len(expansion) >= 2:
        # Where the expansion is written out, the index has the term « =acronyme » (see ExpansionMarkFilter).
        marked = {f: b * tuning.TUNING.expansion_mark_weight for f, b in boosts.items()}
        q = wq.Or([q, _term_query([EXPANSION_MARK + key], marked)])
    elif expansion:
        q = wq.Or([q, _phrase_query(list(expansion), boosts, tuning.TUNING.acronym_weight)])
    return q


def _apart(word: str, q: wq.Query, boosts: Mapping[str, float]) -> wq.Query:
    """The query `q` of a typed word of digits then letters (« 3EVA »), or, in the documents it does not find, its
    digits and its letters in sequence, as a text may write them (« 3.EVA », « 3 EVA »)."""
    split = digits_and_letters(word.lower())
    terms = analyse_text(" ".join(split)) if split else []
    if len(terms) != 2:
        return q
    return _or_else(q, _phrase_query(terms, boosts))


def _or_else(q: wq.Query, alternative: wq.Query) -> wq.Query:
    """`q`, and `alternative` in the documents `q` does not match: those keep the score `q` gives them alone."""
    return wq.Or([q, wq.AndNot(alternative, q)])


def _group_queries(parsed: ParsedQuery, reader: Any, boosts: Mapping[str, float] | None) -> list[wq.Query]:
    """One query per AND-group; runs of single words that spell an acronym's expansion also match it, and
    runs that the vocabulary widens also match what they are widened to."""
    boosts = _fields(boosts)
    groups = parsed.groups
    singles = [len(g) == 1 and g[0].kind == "word" and len(analyse_text(g[0].text)) == 1 for g in groups]
    terms = [analyse_text(g[0].text)[0] if ok else None for g, ok in zip(groups, singles, strict=True)]
    widened = {w.start: w for w in parsed.widenings}
    out: list[wq.Query] = []
    i = 0
    expansions = expansion_acronyms()
    longest = max((len(k) for k in expansions), default=0)
    while i < len(groups):
        widening = widened.get(i)
        n = widening.length if widening else 1
        if widening is None:
            for size in range(min(longest, len(groups) - i), 1, -1):
                if all(terms[i : i + size]) and tuple(terms[i : i + size]) in expansions:
                    n = size
                    break
        subs = [clause_query(c, reader, boosts) for c in groups[i]]
        if n == 1:
            alternatives = [subs[0] if len(subs) == 1 else wq.Or(subs)]
        else:
            alternatives = [wq.And([clause_query(g[0], reader, boosts) for g in groups[i : i + n]])]
            acronym = expansions.get(tuple(terms[i : i + n]))  # type: ignore[arg-type]
            if acronym:
                weights = {f: b * tuning.TUNING.acronym_weight for f, b in boosts.items()}
                alternatives.append(_term_query([acronym], weights))
        typed = alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives)
        if widening is not None:
            # The best of the typed term and the terms it is widened to, never their sum: a document that
            # has the typed term keeps its score, one that has only a linked term comes in below it.
            typed = wq.DisjunctionMax([typed, *(_target_query(t, reader, boosts) for t in widening.targets)])
        out.append(typed)
        i += n
    return out


def _target_query(target: Target, reader: Any, boosts: Mapping[str, float]) -> wq.Query:
    """A term the vocabulary widens a typed term to, with its lower weight: a one-term target as a typed word
    (an acronym with its expansion), a longer one as all its words."""
    t = tuning.TUNING
    weight = t.vocabulary_weight * (t.neighbour_weight if target.neighbour else 1.0)
    weights = {f: b * weight for f, b in boosts.items()}
    if len(target.terms) == 1:
        return clause_query(Clause("word", target.text), reader, weights)
    return wq.And([_term_query([term], weights) for term in target.terms])


def build_query(
    parsed: ParsedQuery,
    reader: Any,
    mode: str = "all",
    boosts: Mapping[str, float] | None = None,
    proximity: bool = True,
) -> wq.Query:
    """The document-level query: all groups required (`mode="all"`) or any of them (`"any"`).

    With `proximity=False` the proximity bonus (see `proximity_words`) is left out: the search adds it
    itself to the best candidates only (see `search_app.rank`).
    """
    groups = _group_queries(parsed, reader, boosts)
    excluded = [clause_query(c, reader, boosts) for c in parsed.excluded]
    if not groups:
        positive: wq.Query = wq.Every()
    elif len(groups) == 1:
        positive = groups[0]
    else:
        if mode != "all":
            positive = wq.Or(groups)
        elif tuning.TUNING.minmatch_from and len(groups) >= tuning.TUNING.minmatch_from:
            positive = wq.Or(groups, minmatch=len(groups) - 1)
        else:
            positive = wq.And(groups)
        near = _proximity(parsed, _fields(boosts)) if proximity else None
        if near is not None:
            positive = wq.AndMaybe(positive, near)
    if excluded:
        return wq.AndNot(positive, wq.Or(excluded))
    return positive


def proximity_words(parsed: ParsedQuery) -> list[str]:
    """The words whose standing close together, in order, earns the proximity bonus (plain words only;
    empty when there is no bonus for this query)."""
    if not tuning.TUNING.proximity_boost or len(parsed.groups) < 2:
        return []
    if not all(len(g) == 1 and g[0].kind == "word" for g in parsed.groups):
        return []
    words = [t for g in parsed.groups for t in analyse_text(g[0].text)]
    return words if len(words) >= 2 else []


def _proximity(parsed: ParsedQuery, boosts: Mapping[str, float]) -> wq.Query | None:
    """A sloppy phrase of the typed words (plain words only), to reward them standing close together."""
    words = proximity_words(parsed)
    if not words:
        return None
    return wq.Or(
        [
            wq.Phrase(f, words, slop=tuning.TUNING.proximity_slop, boost=b * tuning.TUNING.proximity_boost)
            for f, b in boosts.items()
        ]
    )


def page_parts(parsed: ParsedQuery, reader: Any) -> list[wq.Query]:
    """The parts of the page query, one per AND group (or run of groups that one term spells), each of which a
    page that holds every word of the query matches."""
    return _group_queries(parsed, reader, {PAGE_FIELD: 1.0})


def build_page_query(parsed: ParsedQuery, reader: Any, proximity: bool = True) -> wq.Query:
    """The page-level query that finds the best pages of a document: any clause, in the page text, with
    extra weight for pages that have every clause and where the words stand close together (unless
    `proximity` is False: the caller then adds the bonus itself, see `proximity_words`)."""
    boosts = {PAGE_FIELD: 1.0}
    groups = page_parts(parsed, reader)
    if not groups:
        return wq.NullQuery
    if len(groups) == 1:
        return groups[0]
    q: wq.Query = wq.Or(groups)
    if tuning.TUNING.page_all_words_boost:
        q = wq.Or([q, wq.And(groups, boost=tuning.TUNING.page_all_words_boost)])
    near = _proximity(parsed, boosts) if proximity else None
    return wq.AndMaybe(q, near) if near is not None else q
