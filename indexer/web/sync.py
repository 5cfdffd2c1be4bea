"""One sync run: for each source, find how to read it (WordPress REST API, else sitemaps), harvest it into the
mirror, and keep its report. A source that cannot be read at all is reported (`fatal`) and the others go on; a
site that is down while its API is looked for is such a source (see `discovery`), never one read another way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from indexer.config import Settings
from indexer.web.discovery import find_api
from indexer.web.fetch import Fetcher, FetchError, FetchPolicy, host_key
from indexer.web.harvest import Harvest, Limits, SyncReport
from indexer.web.mirror import MIRROR_DIR, clean_temporaries
from indexer.web.sitemaps import NoSitemap, harvest_sitemaps
from indexer.web.sources import Source
from indexer.web.state import SourceState, save_report
from indexer.web.wordpress import ApiClosed, harvest_wordpress
from indexer.wording import decimal

logger = logging.getLogger(__name__)

_MB = 1024 * 1024


@dataclass(frozen=True)
class SyncOptions:
    """How a run fetches (politeness) and what it accepts (the indexer's size limits)."""

    policy: FetchPolicy
    limits: Limits

    @classmethod
    def from_settings(cls, settings: Settings, contact: str = "") -> SyncOptions:
        """Options from the settings (`CRPV_SYNC_*`); a contact from the sources file wins over the settings'."""
        policy = FetchPolicy(
            contact=contact or settings.sync_contact,
            timeout=settings.sync_timeout,
            retries=settings.sync_retries,
            backoff=settings.sync_backoff,
        )
        return cls(policy, Limits(html=int(settings.max_html_mb * _MB), pdf=int(settings.max_file_mb * _MB)))


def sync_sources(corpus: Path, sources: Iterable[Source], options: SyncOptions) -> list[SyncReport]:
    """Sync every source in turn; one report each."""
    corpus.mkdir(parents=True, exist_ok=True)
    return [sync_source(corpus, source, options) for source in sources]


def sync_source(corpus: Path, source: Source, options: SyncOptions) -> SyncReport:
    """Bring one source's mirror up to date; never raises for a site's fault (see `SyncReport.fatal`)."""
    report = SyncReport(source.name, source.label, source.url)
    state = SourceState.load(corpus, source.name)
    state.label = source.label
    clean_temporaries(corpus / MIRROR_DIR / source.name)
    with Fetcher(options.policy, source.allowed_hosts) as fetcher:
        harvest = Harvest(corpus, source, fetcher, state, report, options.limits)
        try:
            _harvest(harvest)
        except NoSitemap as error:
            report.fatal = f"{source.url} : {error}"
        except FetchError as error:
            report.fatal = f"{error.url} : {error.reason}"
        finally:
            harvest.finish()
    if report.fatal:
        logger.error("%s", report.fatal)
    save_report(corpus, source.name, report.as_dict())
    return report


def _harvest(h: Harvest) -> None:
    api = find_api(h)
    if api and host_key(api) in h.source.allowed_hosts:
        h.state.api, h.state.kind = api, "wordpress"
        h.report.kind = "wordpress"
        try:
            harvest_wordpress(h)
            return
        except ApiClosed as error:
            h.report.notes.append(f"API WordPress fermée : {error} ; lecture par les sitemaps")
    h.state.kind = h.report.kind = "sitemap"
    harvest_sitemaps(h)


def summary_line(report: SyncReport) -> str:
    """One line in French for a source's sync."""
    if report.fatal:
        return f"{report.label} : échec — {report.fatal}"
    kind = {"wordpress": "API WordPress", "sitemap": "sitemaps"}.get(report.kind, report.kind)
    errors = f", {len(report.errors)} erreur(s)" if report.errors else ""
    return (
        f"{report.label} ({kind}) : {report.added} ajouté(s), {report.changed} modifié(s), "
        f"{report.removed} supprimé(s), {report.unchanged} inchangé(s){errors} — {report.requests} requête(s), "
        f"{decimal(report.bytes / 1024, 0)} Ko reçus en {decimal(report.duration_s, 1)} s"
    )
