"""The role of a page, decided from its text when its page record is written (the `role` field).

A reference page (a table of contents, a glossary, a list of names) names a document's topics without
discussing them: it is never a document's best page, and is listed after the pages that discuss. A « Contacts
utiles » page is listed after them too, but still counts for ranking. The search reads these roles from the
index (`search_app.page_records.PageRecords`), never from the pages' text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from indexer.words import fold, stop_words

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_LEADER_LINE = re.compile(r"(?:\.\s?){4,}\s*\d+\s*$")
_GLOSSARY_ENTRY = re.compile(r"^\s*[A-ZÉ][A-ZÉ0-9]{1,9}(?:[ -]\d{1,4})?(?:\s*:\s*|\s+)\S")


# A page of at least this many words where function words are under this share is a list (`is_list_page`):
# in the sample's PDFs, prose pages have 0.28 or more, lists of participants 0.14 to 0.25.
LIST_PAGE_MIN_WORDS = 80
LIST_PAGE_FUNCTION_SHARE = 0.26
# The last page of a glossary or a table of contents holds the few entries left over, but they are most of its
# lines (the actes' glossary ends on a page of 5 entries among 11 lines; prose pages have under 35 %).
SHORT_LIST_SHARE_OF_MIN = 2 / 3
SHORT_LIST_LINE_SHARE = 0.4


def _lines_like(text: str, pattern: re.Pattern[str], at_least: int) -> bool:
    """Whether at least `at_least` of the page's non-empty lines, and 30 % of them, contain `pattern`; or, on
    the short last page of such a list (a few entries left over), at least two thirds of `at_least` and 40 %."""
    lines = [line for line in text.splitlines() if line.strip()]
    count = sum(1 for line in lines if pattern.search(line))
    if count >= at_least and count >= 0.3 * len(lines):
        return True
    return count >= SHORT_LIST_SHARE_OF_MIN * at_least and count >= SHORT_LIST_LINE_SHARE * len(lines)


def is_contents_page(text: str) -> bool:
    """Whether a page is a table of contents (« Sommaire »: lines of dot leaders ending in page numbers)."""
    return _lines_like(text, _LEADER_LINE, 3)


def is_glossary_page(text: str) -> bool:
    """Whether a page is (mostly) a glossary of acronyms (« Glossaire », « Sigles »: lines that start with an
    acronym followed by its meaning, « ESS : économie sociale et solidaire » or « CLSM conseil local… »)."""
    return _lines_like(text, _GLOSSARY_ENTRY, 6)


_CONTACTS_HEADING = re.compile(r"^(?:contacts?|adresses|liens)(?: utiles)?$|^carnet d.adresses$|^annuaire$")


def is_contacts_page(text: str) -> bool:
    """Whether a page opens with a « Contacts utiles » heading (or « Adresses utiles », « Annuaire »): a list of
    organisations that names many of the document's topics without discussing them. Unlike a table of contents,
    it still counts for ranking (it tells what a dossier covers; measured: treating it as a reference page
    dropped a relevant dossier out of the top 10 for « ANRU »), but it is listed after the pages that discuss."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return bool(_CONTACTS_HEADING.match(fold(first).strip().lower()))


def is_list_page(text: str) -> bool:
    """Whether a page is a list of names rather than prose (a list of participants, an index of speakers by
    function): French prose is a third or more of function words (« le », « de », « et »…), a list of
    names, functions and bodies far less. Short pages (a cover) are left alone."""
    words = _WORD.findall(text)
    if len(words) < LIST_PAGE_MIN_WORDS:
        return False
    function_words = sum(map(_is_function_word, words))  # C-level iteration: a page is hundreds of words
    return function_words < LIST_PAGE_FUNCTION_SHARE * len(words)


@lru_cache(maxsize=100_000)
def _is_function_word(word: str) -> bool:
    """A word of one letter or of the stop list (« le », « de », « et »…), as `is_list_page` counts them."""
    return len(word) == 1 or fold(word.lower()) in stop_words()


def is_reference_page(text: str) -> bool:
    """Whether a page names the document's topics, acronyms or people without discussing them: a table of
    contents, a glossary, a list of names. Such a page matches many queries; it is never a document's best
    page for ranking, and is shown only when no other page matches."""
    return is_contents_page(text) or is_glossary_page(text) or is_list_page(text)


ROLE_REFERENCE = "reference"
ROLE_CONTACTS = "contacts"


def page_role(text: str) -> str | None:
    """The role of a page (`ROLE_REFERENCE`, `ROLE_CONTACTS`), or None for a page that discusses. A page that is
    both a reference page and a « Contacts utiles » page is a reference page: it is then never a best page."""
    if is_reference_page(text):
        return ROLE_REFERENCE
    return ROLE_CONTACTS if is_contacts_page(text) else None
