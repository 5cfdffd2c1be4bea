"""One settings object for the indexer and the search app: defaults, then the environment (prefix ``CRPV_``).

Command-line options override both (the CLI passes them as keyword arguments to `Settings.load`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "CRPV_"


@dataclass(frozen=True)
class Settings:
    """Paths and limits. Every field can be set from ``CRPV_<NAME>`` (e.g. ``CRPV_INDEX=/srv/index``)."""

    corpus: Path = Path("corpus")
    index: Path = Path("index")
    # Extraction limits: one file can never hang a run or exhaust memory.
    max_file_mb: float = 100.0
    max_html_mb: float = 40.0
    max_pdf_pages: int = 3000
    extraction_timeout: float = 120.0
    workers: int = max(1, min(4, os.cpu_count() or 1))
    # Search app.
    admin_token: str = ""
    per_page: int = 10
    max_per_page: int = 50
    max_page: int = 1000
    max_query_chars: int = 500

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Defaults, then ``CRPV_*`` environment variables, then the non-None keyword overrides."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = os.environ.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.type, raw)
        settings = cls(**values)
        given = {k: v for k, v in overrides.items() if v is not None}
        for key in ("corpus", "index"):
            if key in given:
                given[key] = Path(given[key])
        return replace(settings, **given)


def _convert(type_name: Any, raw: str) -> Any:
    name = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", str(type_name))
    if name == "Path":
        return Path(raw)
    if name == "int":
        return int(raw)
    if name == "float":
        return float(raw)
    return raw
