"""A long web page cut into sections, which become its page records as a PDF's pages do.

A page record of a 10,000-word post weighs an entry that answers no more than a passing mention, and its snippet
reads the whole text on every request: a post longer than `LONG_PAGE_WORDS` is cut at its h2/h3 headings, small
sections merged with the next, huge ones cut between paragraphs, so that the best section is ranked and shown.
Sections are made of whole blocks joined as the page's text is: joined again by blank lines, they give it back.
"""

from __future__ import annotations

import logging

from indexer.extract.normalise import normalise_spaces

logger = logging.getLogger(__name__)

LONG_PAGE_WORDS = 1500  # a shorter page stays one page record
SECTION_MIN_WORDS = 300  # a smaller section is merged with the next one (the last one with the one before)
SECTION_MAX_WORDS = 1500  # a larger section is cut between paragraphs


def _words(blocks: list[str]) -> int:
    return sum(len(block.split()) for block in blocks)


def _at_headings(blocks: list[str], starts: set[int]) -> list[list[str]]:
    """The blocks grouped into runs, a new run at each heading."""
    runs: list[list[str]] = []
    for index, block in enumerate(blocks):
        if index in starts or not runs:
            runs.append([])
        runs[-1].append(block)
    return runs


def _merged(runs: list[list[str]]) -> list[list[str]]:
    """Runs under `SECTION_MIN_WORDS` merged with the next one, as long as the merge stays under the maximum."""
    out: list[list[str]] = []
    for run in runs:
        if out and _words(out[-1]) < SECTION_MIN_WORDS and _words(out[-1]) + _words(run) <= SECTION_MAX_WORDS:
            out[-1] = out[-1] + run
        else:
            out.append(list(run))
    if len(out) > 1 and _words(out[-1]) < SECTION_MIN_WORDS:
        last = out.pop()
        out[-1] = out[-1] + last
    return out


def _cut(run: list[str]) -> list[list[str]]:
    """A run over `SECTION_MAX_WORDS` cut between blocks into parts of about equal size."""
    total = _words(run)
    if total <= SECTION_MAX_WORDS or len(run) < 2:
        return [run]
    target = total / -(-total // SECTION_MAX_WORDS)
    parts: list[list[str]] = [[]]
    for block in run:
        if parts[-1] and _words(parts[-1]) + len(block.split()) / 2 > target:
            parts.append([])
        parts[-1].append(block)
    return parts


def page_sections(blocks: list[str], starts: set[int]) -> list[str]:
    """The text of a web page as its page records: the whole text (blocks joined by blank lines) when it has
    `LONG_PAGE_WORDS` words or fewer, else its sections; `starts` are the indexes of the blocks that are
    h2/h3 headings."""
    whole = normalise_spaces("\n\n".join(blocks))
    if _words(blocks) <= LONG_PAGE_WORDS:
        return [whole]
    sections = [
        normalise_spaces("\n\n".join(part)) for run in _merged(_at_headings(blocks, starts)) for part in _cut(run)
    ]
    sections = [section for section in sections if section]
    if "\n\n".join(sections) != whole:  # never a body that differs from the page's text
        logger.debug("sections do not give the text back; kept as one page")
        return [whole]
    return sections
