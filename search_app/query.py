"""From what users type to Whoosh queries.

Syntax users already know: plain words (all required), « "expression exacte" » (or « … »), ``-exclu``,
``OU``/``OR`` between two terms, ``préfix*``. Anything else is searched as plain words: parsing never fails.
Acronyms expand both ways (QPV ↔ quartier prioritaire de la politique de la ville) with a lower weight
for the form the user did not type, so documents using the typed form stay first.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq
from whoosh import scoring

from indexer.analysis import (
    EXPANSION_MARK,
    acronym_expansions,
    analyse,
    derived_terms,
    exact_terms,
    expansion_acronyms,
    surface_words,
)
from indexer.words import exact_words, fold, index_forms

logger = logging.getLogger(__name__)

# Field weights of the ranking (BM25F per field, summed); tuned by the relevance benchmark. The title's weight
# was 3 until the seventh session: the best page (a web page's whole text) then counted four times in a score
# and the title once, and a post that quotes a title in its text passed the post of that title. Tune half,
# 91 queries, nDCG@10 with the proximity weight at 2: title 4 → 0.9848, 4.5 to 7 → 0.9877, 7.5 → 0.9869 (at
# proximity 1, 9 → 0.9829); headings 0.8 / 3.2 → 0.9826 / 0.9864 (1.6 kept); meta 0.7 / 2.8 → 0.9876 / 0.9869.
FIELD_BOOSTS: dict[str, float] = {"title": 6.0, "headings": 1.6, "body": 1.0, "meta": 1.4}
ACRONYM_WEIGHT = 0.5  # weight of the form (acronym or expansion) the user did not type
# Weight of the mark of a written-out expansion (« =qpv ») when the acronym is typed: one term stands for the
# four or five words of the expansion that the phrase query used to score, hence a weight of its own.
EXPANSION_MARK_WEIGHT = 0.5
ALT_FORM_WEIGHT = 0.9  # weight of the secondary stemming form of a word
DERIVED_WEIGHT = 0.3  # weight of the nouns of a typed verb’s family (« prévention » for « prévenir »; 0 = off)
MINMATCH_FROM = 0  # with at least this many clauses, all but one suffice (0 = every clause is required)
# Extra weight when the typed words stand close together, in order (0 = off). Tune half, 91 queries, title
# weight 6: 1 → 0.9846, 1.5 to 3 → 0.9877 (a post with the whole query in a row passes one that has its words
# apart); at title weight 3, 4 → 0.9871 on 88 queries.
PROXIMITY_BOOST = 2.0
PROXIMITY_SLOP = 1  # how far apart they may stand
# Weight of a document's best page in its own score (see `search._add_best_page_scores`; 0 = off); the page
# counts by its words, without the proximity bonus. On the tune half (83 queries, fifth session), overall
# nDCG@10 0.9758 (2.5), 0.9782 (4), 0.9775 (6); with the page's proximity bonus counted too, 0.9731 (2.5),
# 0.9755 (4). Session 4, bonus included, 79 queries: 0.973 (off), 0.979 (2.5), 0.982 (4), 0.980 (6).
PAGE_SCORE_WEIGHT = 4.0
PAGE_ALL_WORDS_BOOST = 0.0  # extra weight, when choosing a PDF's best pages, for pages with every word
# BM25F: term saturation and length normalisation (per field). Long dossiers must not lose to the short
# posts that announce them only because of their length.
BM25_K1 = 1.2
BM25_B = {"title": 0.75, "headings": 0.75, "body": 0.5, "meta": 0.75, "page_body": 0.5}
PAGE_FIELD = "page_body"  # the field of page records, searched to choose a PDF's best pages
MAX_CLAUSES = 32  # words beyond this are ignored (a query is refused only by its length in characters)
MAX_PREFIX_TERMS = 64  # a prefix expands to at most this many terms per field
MAX_PREFIX_CLAUSES = 4  # prefixes beyond this many are searched as plain words (bounds a query's expansion)

_TOKEN = re.compile(r'(-?)(?:"([^"]*)"|«\s*([^»]*?)\s*»|(\S+))')
_OR_WORDS = {"OU", "OR", "|"}
_AND_WORDS = {"ET", "AND", "&"}
_NOT_WORDS = {"SAUF", "NOT"}


@dataclass
class Clause:
    """One element of the user's query."""

    kind: str  # "word", "phrase" or "prefix"
    text: str
    negated: bool = False


@dataclass
class ParsedQuery:
    """The user's query: an AND of OR-groups of clauses, and clauses to exclude."""

    groups: list[list[Clause]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)

    @property
    def positive(self) -> list[Clause]:
        """All clauses that must or may match (not the excluded ones)."""
        return [c for g in self.groups for c in g]

    @property
    def is_empty(self) -> bool:
        """No positive clause (only exclusions, or nothing)."""
        return not self.groups


def ranking_model() -> scoring.WeightingModel:
    """The BM25F model the searchers rank with (see BM25_K1 and BM25_B)."""
    return scoring.BM25F(K1=BM25_K1, **{f"{name}_B": b for name, b in BM25_B.items()})


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
        if not clause.text.strip() or not analyse_text(clause.text):
            pending_or = False
            continue
        count += 1
        if count > MAX_CLAUSES:
            break
        prefixes += clause.kind == "prefix"
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


def analyse_text(text: str) -> list[str]:
    """Query terms of a piece of text (one per word, stop words removed)."""
    return analyse(text, mode="query")


# ---------------------------------------------------------------------------------------------------------
# Building Whoosh queries


def _fields(boosts: dict[str, float] | None) -> dict[str, float]:
    return boosts or FIELD_BOOSTS


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


def _term_query(term_forms: list[str], boosts: dict[str, float]) -> wq.Query:
    subs: list[wq.Query] = []
    for fieldname, boost in boosts.items():
        for i, form in enumerate(term_forms):
            subs.append(wq.Term(fieldname, form, boost=boost * (1.0 if i == 0 else ALT_FORM_WEIGHT)))
    return wq.Or(subs)


def _phrase_query(terms: list[str], boosts: dict[str, float], weight: float = 1.0) -> wq.Query:
    if len(terms) == 1:
        return _term_query(terms, {f: b * weight for f, b in boosts.items()})
    return wq.Or([wq.Phrase(f, terms, boost=b * weight) for f, b in boosts.items()])


def _exact_phrase_query(text: str, boosts: dict[str, float]) -> wq.Query:
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


def _weights_of_phrase(terms: list[str], boosts: dict[str, float]) -> wq.Query:
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


def _prefix_query(prefix: str, boosts: dict[str, float], reader: Any) -> wq.Query:
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


def clause_query(clause: Clause, reader: Any, boosts: dict[str, float] | None = None) -> wq.Query:
    """The Whoosh query of one clause, with acronym expansion for single words."""
    boosts = _fields(boosts)
    if clause.kind == "prefix":
        return _prefix_query(clause.text, boosts, reader)
    terms = analyse_text(clause.text)
    if clause.kind == "phrase":
        q = _exact_phrase_query(clause.text, boosts)
        acronym = expansion_acronyms().get(tuple(terms))
        if acronym:
            q = wq.Or([q, _term_query([acronym], {f: b * ACRONYM_WEIGHT for f, b in boosts.items()})])
        return q
    if len(terms) != 1:
        return _phrase_query(terms, boosts)
    forms = _word_terms(clause.text)
    q = _term_query(forms, boosts)
    derived = [t for t in derived_terms().get(forms[0], ()) if t not in forms] if forms else []
    if derived and DERIVED_WEIGHT:
        q = wq.Or([q, *(wq.Term(f, t, boost=b * DERIVED_WEIGHT) for t in derived for f, b in boosts.items())])
    key = clause.text.lower()
    expansion = acronym_expansions().get(key)
    if expansion and len(expansion) >= 2:
        # Where the expansion is written out, the index has the term « =acronyme » (see ExpansionMarkFilter).
        marked = {f: b * EXPANSION_MARK_WEIGHT for f, b in boosts.items()}
        q = wq.Or([q, _term_query([EXPANSION_MARK + key], marked)])
    elif expansion:
        q = wq.Or([q, _phrase_query(list(expansion), boosts, ACRONYM_WEIGHT)])
    return q


def _group_queries(parsed: ParsedQuery, reader: Any, boosts: dict[str, float] | None) -> list[wq.Query]:
    """One query per AND-group; runs of single words that spell an acronym's expansion also match it."""
    boosts = _fields(boosts)
    groups = parsed.groups
    singles = [len(g) == 1 and g[0].kind == "word" and len(analyse_text(g[0].text)) == 1 for g in groups]
    terms = [analyse_text(g[0].text)[0] if ok else None for g, ok in zip(groups, singles, strict=True)]
    out: list[wq.Query] = []
    i = 0
    expansions = expansion_acronyms()
    longest = max((len(k) for k in expansions), default=0)
    while i < len(groups):
        matched = 0
        for n in range(min(longest, len(groups) - i), 1, -1):
            window = terms[i : i + n]
            if all(window) and tuple(window) in expansions:
                acronym = expansions[tuple(window)]
                words = wq.And([clause_query(g[0], reader, boosts) for g in groups[i : i + n]])
                alt = _term_query([acronym], {f: b * ACRONYM_WEIGHT for f, b in boosts.items()})
                out.append(wq.Or([words, alt]))
                matched = n
                break
        if matched:
            i += matched
            continue
        group = groups[i]
        subs = [clause_query(c, reader, boosts) for c in group]
        out.append(subs[0] if len(subs) == 1 else wq.Or(subs))
        i += 1
    return out


def build_query(
    parsed: ParsedQuery,
    reader: Any,
    mode: str = "all",
    boosts: dict[str, float] | None = None,
    proximity: bool = True,
) -> wq.Query:
    """The document-level query: all groups required (`mode="all"`) or any of them (`"any"`).

    With `proximity=False` the proximity bonus (see `proximity_words`) is left out: the search adds it
    itself to the best candidates only (see `search_app.matching`).
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
        elif MINMATCH_FROM and len(groups) >= MINMATCH_FROM:
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
    if not PROXIMITY_BOOST or len(parsed.groups) < 2:
        return []
    if not all(len(g) == 1 and g[0].kind == "word" for g in parsed.groups):
        return []
    words = [t for g in parsed.groups for t in analyse_text(g[0].text)]
    return words if len(words) >= 2 else []


def _proximity(parsed: ParsedQuery, boosts: dict[str, float]) -> wq.Query | None:
    """A sloppy phrase of the typed words (plain words only), to reward them standing close together."""
    words = proximity_words(parsed)
    if not words:
        return None
    return wq.Or([wq.Phrase(f, words, slop=PROXIMITY_SLOP, boost=b * PROXIMITY_BOOST) for f, b in boosts.items()])


def build_page_query(parsed: ParsedQuery, reader: Any, proximity: bool = True) -> wq.Query:
    """The page-level query that finds the best pages of a document: any clause, in the page text, with
    extra weight for pages that have every clause and where the words stand close together (unless
    `proximity` is False: the caller then adds the bonus itself, see `proximity_words`)."""
    boosts = {PAGE_FIELD: 1.0}
    groups = _group_queries(parsed, reader, boosts)
    if not groups:
        return wq.NullQuery
    if len(groups) == 1:
        return groups[0]
    q: wq.Query = wq.Or(groups)
    if PAGE_ALL_WORDS_BOOST:
        q = wq.Or([q, wq.And(groups, boost=PAGE_ALL_WORDS_BOOST)])
    near = _proximity(parsed, boosts) if proximity else None
    return wq.AndMaybe(q, near) if near is not None else q


def highlight_terms(q: wq.Query) -> frozenset[str]:
    """The index terms a query looks for (to mark them in snippets)."""
    terms: set[str] = set()
    for _fieldname, text in q.iter_all_terms():
        term = text.decode("utf-8") if isinstance(text, bytes) else text
        if term.startswith(EXPANSION_MARK):  # an acronym's expansion: its words
            terms.update(acronym_expansions().get(term[len(EXPANSION_MARK) :], ()))
        else:
            terms.add(term)
    return frozenset(terms)
