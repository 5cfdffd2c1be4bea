"""One settings object for the indexer and the search app: defaults, then the environment (prefix ``CRPV_``).

Command-line options override both (the CLI passes them as keyword arguments to `Settings.load`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from indexer.errors import IndexerError

ENV_PREFIX = "CRPV_"


class ConfigError(IndexerError):
    """A ``CRPV_*`` environment variable whose value cannot be read (message in French, one line)."""


@dataclass(frozen=True)
class Settings:
    """Paths and limits. Every field can be set from ``CRPV_<NAME>`` (e.g. ``CRPV_INDEX=/srv/index``)."""

    corpus: Path = Path("corpus")
    index: Path = Path("index")
    # Extraction limits: one file can never hang a run or exhaust memory (defaults fit 2 cores, a few GB).
    max_file_mb: float = 100.0  # a PDF larger than this is refused before it is read
    max_html_mb: float = 40.0  # same for a web page
    max_pdf_pages: int = 3000  # a longer PDF is refused (its page count is read first, cheaply)
    max_page_chars: int = 1_000_000  # text kept per page (a long HTML page has one per section); the rest is dropped
    max_document_chars: int = 20_000_000  # text kept per document (later pages are kept empty)
    extraction_timeout: float = 120.0  # seconds per file (SIGALRM in the worker); 0 = no limit
    extraction_grace: float = 15.0  # then the worker is killed if it did not stop (a loop in C code)
    max_worker_memory_mb: int = 1500  # address-space cap of each extraction process (RLIMIT_AS); 0 = none
    workers: int = max(1, min(4, os.cpu_count() or 1))  # extraction processes; 0 = in the calling process
    # OCR of PDF pages without a text layer (Tesseract); "off" as the command turns OCR off.
    ocr_command: str = "tesseract"  # found on PATH unless a path is given
    ocr_languages: str = "fra+eng"  # Tesseract language packs, main language first
    ocr_page_timeout: float = 60.0  # seconds per page; the page is then left unread (and reported)
    ocr_max_pages: int = 50  # pages OCR'd per file; later pages without text are left unread (and reported)
    ocr_dpi: int = 300  # highest resolution of the page images given to Tesseract (a scan's own is used below)
    ocr_max_pixels: int = 40_000_000  # a larger page image is rendered at a lower resolution
    # Following websites (`python -m indexer sync`).
    sync_contact: str = ""  # e-mail or address named in the User-Agent, so a webmaster can reach the centre
    sync_timeout: float = 20.0  # seconds to connect and between two chunks of an answer
    sync_retries: int = 3  # further attempts after a 429, a 5xx or a time-out
    sync_backoff: float = 1.0  # first wait between attempts when the site gives no Retry-After (then doubled)
    # Search app.
    admin_token: str = ""
    per_page: int = 10
    max_per_page: int = 50
    max_page: int = 1000
    max_query_chars: int = 500
    max_url_bytes: int = 4096  # longer query strings are refused (414) before any search
    rate_limit: str = "120/minute"  # per client on / and /api/search (Flask-Limiter); "off" = no limit
    rate_limit_storage: str = "memory://"  # e.g. redis://… to share the counts between server processes
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted (0: none, the client
    # is the peer address). Trusting a header no proxy of ours sets would let a client pick its own address.
    trusted_proxies: int = 0

    def __post_init__(self) -> None:
        """Refuse values that read but mean nothing (a rate limit « beaucoup », -1 proxies) at start-up."""
        if not rate_limit_is_off(self.rate_limit):
            from limits import parse_many

            try:
                parse_many(self.rate_limit)
            except ValueError:
                raise ConfigError(
                    f"Valeur invalide pour {ENV_PREFIX}RATE_LIMIT : « {self.rate_limit[:40]} » (attendu : une "
                    "limite comme « 120/minute », « 10/second;500/hour », ou « off »)."
                ) from None
        if not 0 <= self.trusted_proxies <= 10:
            raise ConfigError(
                f"Valeur invalide pour {ENV_PREFIX}TRUSTED_PROXIES : « {self.trusted_proxies} » (attendu : le nombre "
                "de mandataires inverses devant le serveur, de 0 à 10)."
            )

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Defaults, then ``CRPV_*`` environment variables, then the non-None keyword overrides."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = os.environ.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            try:
                values[f.name] = _convert(f.type, raw)
            except ValueError:
                raise ConfigError(
                    f"Valeur invalide pour {ENV_PREFIX + f.name.upper()} : « {raw[:40]} » "
                    f"(attendu : {_EXPECTED.get(str(f.type), 'un texte')})."
                ) from None
        settings = cls(**values)
        given = {k: v for k, v in overrides.items() if v is not None}
        for key in ("corpus", "index"):
            if key in given:
                given[key] = Path(given[key])
        return replace(settings, **given)


_EXPECTED = {"int": "un nombre entier", "float": "un nombre"}
RATE_LIMIT_OFF = ("", "0", "off", "non", "none", "aucune")


def rate_limit_is_off(value: str) -> bool:
    """Whether a ``CRPV_RATE_LIMIT`` value turns the limit off."""
    return value.strip().lower() in RATE_LIMIT_OFF


def _convert(type_name: Any, raw: str) -> Any:
    name = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", str(type_name))
    if name == "Path":
        return Path(raw)
    if name == "int":
        return int(raw)
    if name == "float":
        return float(raw)
    return raw
