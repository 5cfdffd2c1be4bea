"""A query widened by the vocabulary of urban policy over time (the query stage, `docs/architecture.md`).

A resource centre's archive spans the reforms: a 2010 report says « ZUS » and « CUCS », a 2020 one « QPV » and
« contrat de ville ». A typed term of the vocabulary tables (`indexer.vocab.policy_vocabulary`) also finds, with
a lower weight than the typed term (`Tuning.vocabulary_weight`), its equivalents, the terms it replaced and those
that replaced it, from one to the next (« Acsé » → CGET → ANCT), and, with a lower weight still
(`Tuning.neighbour_weight`), its direct neighbours. Siblings are not joined: « QPV » finds « ZUS » and « ZRU »,
but « ZUS » does not find « ZRU ».

A term is known by its analysed query terms, and a written-out acronym (« zones urbaines sensibles ») by its
acronym: the acronym table already joins the two forms, so the vocabulary never adds a form twice. Only plain
words are widened: a quoted phrase searches what it quotes, and an OR group what it names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from indexer.analysis import analyse, expansion_acronyms
from indexer.vocab import EQUIVALENCE, SUCCESSION, PolicyVocabulary
from indexer.words import elision_length

Key = tuple[str, ...]


@dataclass(frozen=True)
class Target:
    """A term a typed term is widened to: as the table writes it, its analysed query terms, and whether it is
    only a neighbour (searched with the neighbours' weight)."""

    text: str
    terms: Key
    neighbour: bool = False


@dataclass(frozen=True)
class Widening:
    """A run of `length` AND groups from group `start`, typed as `typed`, widened to `targets`."""

    typed: str
    start: int
    length: int
    targets: tuple[Target, ...]


class _WordClause(Protocol):
    kind: str
    text: str
    span: tuple[int, int]


def term_key(text: str) -> Key:
    """What identifies a term: its analysed query terms, or its acronym when it spells one out."""
    terms = tuple(analyse(text))
    acronym = expansion_acronyms().get(terms)
    return (acronym,) if acronym else terms


@dataclass
class VocabularyGraph:
    """The relations of a vocabulary between terms (`term_key`), and how typed words are looked up in it."""

    texts: dict[Key, str] = field(default_factory=dict)  # key → the term as first written
    equivalents: dict[Key, set[Key]] = field(default_factory=dict)
    successors: dict[Key, set[Key]] = field(default_factory=dict)
    predecessors: dict[Key, set[Key]] = field(default_factory=dict)
    neighbours: dict[Key, set[Key]] = field(default_factory=dict)
    spellings: dict[Key, Key] = field(default_factory=dict)  # each key → itself, as typed terms
    lookup: dict[Key, Key] = field(default_factory=dict)  # typed terms (an acronym's expansion too) → key
    problems: list[str] = field(default_factory=list)

    def add(self, term: str, relation: str, other: str, where: str) -> None:
        a, b = term_key(term), term_key(other)
        if not a or not b:
            word = term if not a else other
            self.problems.append(f"{where} : « {word} » ne contient aucun mot cherché (mots vides seulement).")
            return
        if a == b:
            return  # an acronym and its expansion: the acronym table joins them already
        for key, text in ((a, term), (b, other)):
            self.texts.setdefault(key, text)
            self.spellings[key] = key
        if relation == SUCCESSION:
            self.successors.setdefault(a, set()).add(b)
            self.predecessors.setdefault(b, set()).add(a)
        else:
            links = self.equivalents if relation == EQUIVALENCE else self.neighbours
            links.setdefault(a, set()).add(b)
            links.setdefault(b, set()).add(a)

    def targets(self, key: Key) -> tuple[Target, ...]:
        """What `key` is widened to: its equivalents and lineage, then its neighbours, each once."""
        close = (self._reach(key, self.successors) | self._reach(key, self.predecessors)) - {key}
        near = {n for k in self._reach(key, {}) for n in self.neighbours.get(k, ())}
        near = {m for n in near for m in self._reach(n, {})} - close - {key}
        out = [Target(self.texts[k], k) for k in sorted(close, key=self.texts.__getitem__)]
        out += [Target(self.texts[k], k, neighbour=True) for k in sorted(near, key=self.texts.__getitem__)]
        return tuple(out)

    def _reach(self, key: Key, steps: dict[Key, set[Key]]) -> set[Key]:
        """`key`, its equivalents, and what `steps` leads to from them, from one to the next."""
        seen = {key}
        todo = [key]
        while todo:
            current = todo.pop()
            for nxt in (*self.equivalents.get(current, ()), *steps.get(current, ())):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def index_spellings(self) -> None:
        """Fills `lookup`: each key, and each acronym key's written-out expansion."""
        self.lookup = dict(self.spellings)
        for terms, acronym in expansion_acronyms().items():
            if (acronym,) in self.spellings:
                self.lookup[terms] = (acronym,)


@lru_cache(maxsize=8)
def vocabulary_graph(vocabulary: PolicyVocabulary) -> VocabularyGraph:
    """The graph of a vocabulary (built once per vocabulary: the corpus's table is read again when it changes)."""
    graph = VocabularyGraph()
    for link in vocabulary.links:
        graph.add(link.term, link.relation, link.other, link.where)
    graph.index_spellings()
    return graph


def _typed_terms(group: Sequence[_WordClause]) -> Key | None:
    if len(group) != 1 or group[0].kind != "word":
        return None
    terms = tuple(analyse(group[0].text))
    return terms if len(terms) == 1 else None


def find_widenings(groups: Sequence[Sequence[_WordClause]], vocabulary: PolicyVocabulary, text: str) -> list[Widening]:
    """The runs of plain words of a query (its AND groups, parsed from `text`) that name a term of the
    vocabulary, longest first, with what each is widened to."""
    graph = vocabulary_graph(vocabulary)
    lookups = graph.lookup
    if not lookups:
        return []
    longest = max(len(k) for k in lookups)
    typed = [_typed_terms(g) for g in groups]
    out: list[Widening] = []
    i = 0
    while i < len(groups):
        for n in range(min(longest, len(groups) - i), 0, -1):
            window = typed[i : i + n]
            key = lookups.get(tuple(t[0] for t in window)) if all(window) else None  # type: ignore[index]
            targets = graph.targets(key) if key else ()
            if targets:
                out.append(Widening(_as_typed(groups[i : i + n], text), i, n, targets))
                i += n
                break
        else:
            i += 1
    return out


def _as_typed(groups: Sequence[Sequence[_WordClause]], text: str) -> str:
    """The run as typed: the query string from its first word to its last (« zones urbaines sensibles »)."""
    start, end = groups[0][0].span[0], groups[-1][0].span[1]
    typed = " ".join(text[start:end].split())
    return typed[elision_length(typed.lower()) :] if typed else " ".join(g[0].text for g in groups)
