"""Whether a source is a WordPress site and where its REST API is, told apart from a site that is only down.

The home page's `rel="https://api.w.org/"` link (header or head) names the API root; without one (a theme or a
plugin may remove it, or the home page answers 404), the API's index `wp-json/` under the source's address is
asked. Only a clear answer leads to the sitemaps: no such index (a 4xx, or an answer that is not WordPress's), or
robots.txt forbids it. A server error (5xx, or 429 after the retries), a time-out or a site out of reach while
asking stops the source's sync with `FetchError`: a site that is down says nothing of what it holds, and reading
it another way would take what it still holds for removed.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urljoin

from indexer.web.fetch import FetchError, Response
from indexer.web.harvest import Harvest
from indexer.web.wordpress import discover

logger = logging.getLogger(__name__)

API_INDEX = "wp-json/"
_INDEX_MAX_BYTES = 20 << 20  # a real site's index lists every route: hundreds of kilobytes
_NOTHING_REMOVED = " ; rien n’est retiré de la copie"


def find_api(h: Harvest) -> str | None:
    """The REST API root of the source, or None when the site clearly has none (then: its sitemaps).

    Raises `FetchError` (its reason names the page and the cause) when the site could not say.
    """
    home = _home(h)
    if home is not None:
        cached = h.state.lists.get(h.source.url) or {}
        api = cached.get("api") if home.status == 304 else discover(home)
        if home.status == 200:
            h.state.lists[h.source.url] = {"etag": home.etag, "last_modified": home.last_modified, "api": api}
        if api:
            return api
    return _probe(h)


def _home(h: Harvest) -> Response | None:
    """The home page (200 or 304), or None when it answers a 4xx (noted: the probe decides)."""
    cached = h.state.lists.get(h.source.url) or {}
    try:
        return h.fetcher.get(
            h.source.url, etag=cached.get("etag"), last_modified=cached.get("last_modified"), max_bytes=h.limits.html
        )
    except FetchError as error:
        if error.server_side:
            raise _stopped(h, error, "sur la page d’accueil") from None
        h.report.notes.append(f"page d’accueil : {error.reason}")
        return None


def _probe(h: Harvest) -> str | None:
    """The API root when `wp-json/` answers WordPress's index; None when it clearly does not."""
    url = urljoin(h.source.url, API_INDEX)
    try:
        answer = h.fetcher.get(url, max_bytes=_INDEX_MAX_BYTES)
    except FetchError as error:
        if error.server_side:
            raise _stopped(h, error, "en demandant l’API WordPress") from None
        if error.status in (401, 403):
            h.report.notes.append(f"API WordPress fermée : {error.reason} ; lecture par les sitemaps")
        return None
    return answer.url if is_api_index(answer.body) else None


def is_api_index(body: bytes) -> bool:
    """Whether a body is the index of a WordPress REST API that serves `wp/v2`."""
    try:
        data = json.loads(body)
    except ValueError:
        return False
    namespaces = data.get("namespaces") if isinstance(data, dict) else None
    return isinstance(namespaces, list) and "wp/v2" in namespaces


def _stopped(h: Harvest, error: FetchError, place: str) -> FetchError:
    """The error that stops the source: where it happened (when the site answered), and that its copy stays."""
    reason = error.reason if error.status is None else error.at(place)
    return FetchError(error.url, reason + (_NOTHING_REMOVED if h.state.items else ""), error.status)
