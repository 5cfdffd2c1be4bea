"""Polite HTTP for the harvester: robots.txt, one User-Agent, at most 2 requests in flight per host, Crawl-delay,
time-outs, retries with backoff that honour Retry-After, size limits while downloading, conditional requests.

Only http(s) URLs on the hosts a source allows are ever requested; a redirect elsewhere is not followed. Every
refusal or failure is a `FetchError` whose reason is in French and names the true cause.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from indexer.web.transport_errors import transport_reason

logger = logging.getLogger(__name__)

TOOL_NAME = "crpv-recherche"
try:
    TOOL_VERSION = metadata.version(TOOL_NAME)
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    TOOL_VERSION = "0"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRIED = frozenset({429, 500, 502, 503, 504})
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A URL that could not be fetched, or that politeness forbids; `reason` is in French.

    `status` is the site's answer (None when it gave none: unreachable, time-out, refused before asking);
    `refused` is true when the request was never sent because it may not be (robots.txt, another site).
    `reason` may end with `tail` (« , même après plusieurs essais »): `at` puts a place before it.
    """

    def __init__(
        self, url: str, reason: str, status: int | None = None, *, tail: str = "", refused: bool = False
    ) -> None:
        super().__init__(f"{url} : {reason}{tail}")
        self.url = url
        self.reason = reason + tail
        self.status = status
        self.refused = refused
        self._head, self._tail = reason, tail

    def at(self, place: str) -> str:
        """The reason with where it happened: « erreur du serveur (500) sur la page d’accueil, même après… »."""
        return f"{self._head} {place}{self._tail}"

    @property
    def server_side(self) -> bool:
        """Whether the failure says nothing of what the site holds: no answer, a time-out, a 5xx, a 429."""
        return not self.refused and (self.status is None or self.status >= 500 or self.status == 429)


@dataclass(frozen=True)
class FetchPolicy:
    """How the harvester behaves towards a site (defaults fit a small association's shared hosting)."""

    contact: str = ""  # an e-mail or a web address, named in the User-Agent so a webmaster can reach us
    timeout: float = 20.0  # seconds to connect, and between two chunks of an answer
    retries: int = 3  # further attempts after a 429, a 5xx or a time-out
    backoff: float = 1.0  # first wait between attempts, doubled each time, when the site gives no Retry-After
    max_wait: float = 120.0  # longest Retry-After or Crawl-delay honoured; a longer one fails the URL
    per_host: int = 2  # requests in flight per host
    max_redirects: int = 5

    @property
    def user_agent(self) -> str:
        """« crpv-recherche/0.1 (+contact) »: the tool and who runs it."""
        # Header values are ASCII: the contact is given as typed, the rest carries no accent.
        contact = f"; +{self.contact}" if self.contact else ""
        return f"{TOOL_NAME}/{TOOL_VERSION} (recherche documentaire{contact})"


@dataclass
class Response:
    """One answer: `status` 200 (with `body`) or 304 (empty body); `url` is the address after redirects."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes = b""

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


@dataclass
class FetchStats:
    """What a run cost the site: requests sent, bytes received, 304 answers, retries."""

    requests: int = 0
    bytes: int = 0
    not_modified: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, *, requests: int = 0, received: int = 0, not_modified: int = 0, retries: int = 0) -> None:
        with self.lock:
            self.requests += requests
            self.bytes += received
            self.not_modified += not_modified
            self.retries += retries


class _Host:
    """Per-host politeness: a semaphore for the requests in flight and the time the last one started."""

    def __init__(self, per_host: int) -> None:
        self.slots = threading.BoundedSemaphore(per_host)
        self.lock = threading.Lock()
        self.robots_lock = threading.Lock()
        self.next_start = 0.0
        self.robots: Protego | None = None
        self.robots_error: str | None = None
        self.robots_read = False


class Fetcher:
    """Fetch URLs of the allowed hosts politely; thread-safe (the harvester downloads with 2 threads)."""

    def __init__(self, policy: FetchPolicy, allowed_hosts: Iterable[str]) -> None:
        self.policy = policy
        self.allowed = {host.lower() for host in allowed_hosts}
        self.stats = FetchStats()
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        timeout = httpx.Timeout(policy.timeout)
        self._client = httpx.Client(
            follow_redirects=False, timeout=timeout, headers={"User-Agent": policy.user_agent}, trust_env=False
        )

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- checks -------------------------------------------------------------------------------------------

    def check(self, url: str) -> None:
        """Raise `FetchError` when `url` may not be requested: scheme, host, robots.txt."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(
                url, f"adresse refusée (protocole « {parts.scheme or '?'} » : http et https seulement)", refused=True
            )
        if host_key(url) not in self.allowed:
            raise FetchError(url, f"autre site ({parts.netloc}) : non suivi, la source ne le déclare pas", refused=True)
        host = self._host(url)
        robots = self._robots(url, host)
        if host.robots_error:
            raise FetchError(url, host.robots_error)
        if robots is not None and not robots.can_fetch(url, self.policy.user_agent):
            raise FetchError(url, "interdit par le robots.txt du site : non demandé", refused=True)

    def sitemaps(self, url: str) -> list[str]:
        """The `Sitemap:` lines of the robots.txt of `url`'s site."""
        robots = self._robots(url, self._host(url))
        return list(robots.sitemaps) if robots is not None else []

    def _host(self, url: str) -> _Host:
        key = host_key(url)
        with self._hosts_lock:
            if key not in self._hosts:
                self._hosts[key] = _Host(self.policy.per_host)
            return self._hosts[key]

    def _robots(self, url: str, host: _Host) -> Protego | None:
        """The host's robots.txt rules, read once; every other request of the host waits for them."""
        with host.robots_lock:
            if not host.robots_read:
                self._read_robots(url, host)
                host.robots_read = True
        return host.robots

    def _read_robots(self, url: str, host: _Host) -> None:
        robots_url = urljoin(url, "/robots.txt")
        try:
            answer = self._send(robots_url, host, {}, max_bytes=512 * 1024)
            for _ in range(self.policy.max_redirects):  # http → https, www. → bare host: same site only
                target = urljoin(robots_url, answer.headers.get("location", ""))
                if answer.status not in _REDIRECTS or host_key(target) not in self.allowed:
                    break
                robots_url = target
                answer = self._send(robots_url, self._host(robots_url), {}, max_bytes=512 * 1024)
        except FetchError as error:
            if error.status is None:  # the site is unreachable: say so, robots.txt is not the cause
                host.robots_error = error.reason
            elif error.status >= 500:
                host.robots_error = f"robots.txt illisible : {error.reason} ; le site n’est pas parcouru pour l’instant"
            return  # a 4xx: no robots.txt, no rules
        if answer.status != 200:
            return
        host.robots = Protego.parse(answer.body.decode("utf-8", errors="replace"))
        delay = host.robots.crawl_delay(self.policy.user_agent)
        if delay:
            logger.info("%s : Crawl-delay de %s s respecté", host_key(url), delay)

    # -- requests -----------------------------------------------------------------------------------------

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None, max_bytes: int = 50 << 20
    ) -> Response:
        """GET `url` (conditional when a validator is given), following same-site redirects.

        Returns a 200 with its body or a 304; raises `FetchError` for anything else (with the status when
        the site answered), after the retries a 429, a 5xx or a time-out deserve.
        """
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _ in range(self.policy.max_redirects + 1):
            self.check(url)
            answer = self._send(url, self._host(url), headers, max_bytes=max_bytes)
            if answer.status not in _REDIRECTS:
                return answer
            location = answer.headers.get("location")
            if not location:
                raise FetchError(url, "redirection sans adresse de destination", answer.status)
            target = urljoin(url, location)
            if host_key(target) not in self.allowed:
                raise FetchError(
                    url, f"redirigé vers un autre site ({urlsplit(target).netloc}) : non suivi", answer.status
                )
            url = target
        raise FetchError(url, f"plus de {self.policy.max_redirects} redirections")

    def _send(self, url: str, host: _Host, headers: dict[str, str], max_bytes: int) -> Response:
        wait = self.policy.backoff
        for attempt in range(self.policy.retries + 1):
            last = attempt == self.policy.retries
            try:
                answer = self._once(url, host, headers, max_bytes)
            except httpx.TimeoutException:
                if last:
                    seconds = f"{self.policy.timeout:g}".replace(".", ",")
                    raise FetchError(url, f"le site ne répond pas : délai de {seconds} s dépassé") from None
                reason = "time-out"
            except httpx.TransportError as error:
                logger.debug("%s : %r", url, error)  # the raw error, in English, for the debug log only
                raise FetchError(url, f"site injoignable : {transport_reason(error)}") from None
            else:
                if answer.status in (200, 304) or answer.status in _REDIRECTS:
                    return answer
                if answer.status not in _RETRIED or last:
                    raise _status_error(url, answer.status)
                reason = str(answer.status)
                asked = retry_after(answer.headers.get("retry-after"))
                if asked is not None:
                    if asked > self.policy.max_wait:
                        raise FetchError(
                            url, f"le site demande d’attendre {asked:.0f} s (code {answer.status})", answer.status
                        )
                    wait = asked
            logger.info("%s : %s, nouvel essai dans %.2f s", url, reason, wait)
            self.stats.add(retries=1)
            time.sleep(wait)
            wait = min(wait * 2, self.policy.max_wait)
        raise AssertionError("unreachable")

    def _once(self, url: str, host: _Host, headers: dict[str, str], max_bytes: int) -> Response:
        with host.slots:
            self._pace(url, host)
            self.stats.add(requests=1)
            deadline = time.monotonic() + self.policy.timeout * 10  # a server that dribbles bytes forever
            with self._client.stream("GET", url, headers=headers) as answer:
                if answer.status_code == 304:
                    self.stats.add(not_modified=1)
                    return Response(url, 304, answer.headers)
                if answer.status_code != 200:
                    return Response(url, answer.status_code, answer.headers)
                declared = answer.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(url, _too_large(int(declared), max_bytes))
                chunks, size = [], 0
                try:
                    for chunk in answer.iter_bytes(_CHUNK):  # decoded: the limit holds for compressed answers too
                        size += len(chunk)
                        if size > max_bytes:
                            raise FetchError(url, _too_large(size, max_bytes, partial=True))
                        if time.monotonic() > deadline:
                            raise httpx.ReadTimeout("slow body")
                        chunks.append(chunk)
                finally:
                    self.stats.add(received=answer.num_bytes_downloaded)
                return Response(url, 200, answer.headers, b"".join(chunks))

    def _pace(self, url: str, host: _Host) -> None:
        """Wait for the host's Crawl-delay since the previous request started."""
        delay = 0.0
        if host.robots is not None:
            delay = min(float(host.robots.crawl_delay(self.policy.user_agent) or 0), self.policy.max_wait)
        with host.lock:
            now = time.monotonic()
            start = max(now, host.next_start)
            host.next_start = start + delay
        if start > now:
            time.sleep(start - now)


def host_key(url: str) -> str:
    """« host » or « host:port » in lower case: what a source allows and what politeness counts by."""
    parts = urlsplit(url)
    return (parts.hostname or "").lower() + (f":{parts.port}" if parts.port else "")


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), or None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _too_large(size: int, limit: int, partial: bool = False) -> str:
    mb = 1024 * 1024
    more = "plus de " if partial else ""
    return f"fichier trop volumineux ({more}{size / mb:.1f} Mo, limite {limit / mb:.1f} Mo) : non téléchargé".replace(
        ".", ","
    )


def _status_error(url: str, status: int) -> FetchError:
    known = {
        401: "accès refusé (401)",
        403: "accès interdit (403)",
        404: "page introuvable (404)",
        410: "page supprimée du site (410)",
    }
    if status in known:
        return FetchError(url, known[status], status)
    if status == 429:
        return FetchError(url, "trop de requêtes (429)", status, tail=", même après plusieurs essais")
    if status >= 500:
        return FetchError(url, f"erreur du serveur ({status})", status, tail=", même après plusieurs essais")
    return FetchError(url, f"réponse inattendue du site (code {status})", status)
