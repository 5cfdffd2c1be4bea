"""What the snippets of a request mark (`snippets.Marks`), read from its page query and its quoted phrases.

A term the page query looks for on its own is marked wherever a word gives it. A run of terms is marked only
where the whole run is written: a phrase of the page query (an acronym's written-out form, a word the analyser
cuts in several terms), an acronym's written-out form that the index marks with « =acronyme », and a term of
several words that the vocabulary widens the typed one to (`query._target_query`: all its words, under the
typed term in a `DisjunctionMax`). A quoted phrase is marked where it is written as typed (accents and case
aside, its stop words included), as the exact field finds it: its analysed form in the page query is left out.
"""

from __future__ import annotations

import logging
from collections import Counter

from whoosh import query as wq

from indexer.analysis import EXPANSION_MARK, acronym_expansions
from indexer.words import exact_words
from search_app.query import PAGE_FIELD, ParsedQuery, analyse_text
from search_app.snippets import Marks

logger = logging.getLogger(__name__)

NodeKey = tuple[str, tuple[str, ...]]


def snippet_marks(page_query: wq.Query, parsed: ParsedQuery) -> Marks:
    """The marks of the snippets of a request whose page query is `page_query` (`query.build_page_query`)."""
    quoted = [c.text for c in parsed.positive if c.kind == "phrase" and len(exact_words(c.text)) > 1]
    reader = _QueryMarks(Counter(_quoted_key(text) for text in quoted))
    reader.visit(page_query)
    exact = tuple(dict.fromkeys(tuple(exact_words(text)) for text in quoted))
    return Marks(frozenset(reader.terms), tuple(reader.phrases), exact)


def _quoted_key(text: str) -> NodeKey:
    """The page query's node of a quoted phrase: a phrase of its analysed terms, or their one term."""
    terms = tuple(analyse_text(text))
    return ("phrase", terms) if len(terms) > 1 else ("term", terms)


class _QueryMarks:
    """The terms and runs of terms of a page query, but for the nodes of quoted phrases (`skip`: each left
    out once; two equal nodes give equal marks, whichever is left out). A node met again (the page query
    may hold its group parts twice: any of them, and all of them with a bonus) is read once."""

    def __init__(self, skip: Counter[NodeKey]) -> None:
        self.skip = skip
        self.terms: set[str] = set()
        self.phrases: list[tuple[str, ...]] = []
        self._seen: set[int] = set()

    def visit(self, q: wq.Query) -> None:
        if id(q) in self._seen:
            return
        self._seen.add(id(q))
        if isinstance(q, wq.Term):
            self._term(q.text if isinstance(q.text, str) else q.text.decode("utf-8"))
        elif isinstance(q, wq.Phrase):
            self._phrase(tuple(q.words), q.slop)
        elif isinstance(q, wq.DisjunctionMax):
            typed, *targets = q.subqueries
            self.visit(typed)
            for target in targets:  # a term of several words is all of them (`query._target_query`)
                if isinstance(target, wq.And):
                    self._run(target)
                else:
                    self.visit(target)
        elif isinstance(q, wq.AndNot):
            self.visit(q.a)
        elif isinstance(q, wq.CompoundQuery):
            for sub in q.subqueries:
                self.visit(sub)
        elif q.has_terms():
            self.terms.update(t for f, t in q.iter_all_terms() if f == PAGE_FIELD and isinstance(t, str))

    def _term(self, term: str) -> None:
        if term.startswith(EXPANSION_MARK):
            self._add_phrase(acronym_expansions().get(term[len(EXPANSION_MARK) :], ()))
        elif not self._skipped(("term", (term,))):
            self.terms.add(term)

    def _phrase(self, words: tuple[str, ...], slop: int) -> None:
        if slop > 1:  # words near one another (a proximity bonus): each counts alone
            self.terms.update(words)
        elif not self._skipped(("phrase", words)):
            self._add_phrase(words)

    def _run(self, q: wq.And) -> None:
        """A term of several words: its words in order, as a phrase."""
        words = tuple(t.decode("utf-8") if isinstance(t, bytes) else t for _f, t in q.iter_all_terms())
        self._add_phrase(words)

    def _add_phrase(self, words: tuple[str, ...]) -> None:
        """A run of terms, marked where whole; a run of one term is a term."""
        if len(words) == 1:
            self.terms.update(words)
        elif words and words not in self.phrases:
            self.phrases.append(words)

    def _skipped(self, key: NodeKey) -> bool:
        if self.skip[key] > 0:
            self.skip[key] -= 1
            return True
        return False
