"""The sources file (`corpus/sources.toml`): the sites a centre follows.

```toml
contact = "documentation@centre.fr"      # named in the User-Agent (optional)

[[source]]
name = "vt-occitanie"                    # folder of the mirror, value of the `source` facet
label = "Villes et Territoires Occitanie"
url = "https://www.villesetterritoireslr.fr/"
include = ["/category/*", "/20*"]        # optional: only these paths (shell patterns, query included)
exclude = ["/tag/*"]                     # optional: never these
max_documents = 5000                     # optional: at most this many pages or posts
hosts = ["cdn.villesetterritoireslr.fr"] # optional: other hosts its files may be on
```
A mistake gives a `SourcesError` in French that names the line and what is wrong.
"""

from __future__ import annotations

import fnmatch
import logging
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from indexer.errors import IndexerError
from indexer.web.fetch import host_key

logger = logging.getLogger(__name__)

SOURCES_NAME = "sources.toml"
DEFAULT_MAX_DOCUMENTS = 10_000
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")  # a facet value in URLs
_KEYS = {"name", "label", "url", "include", "exclude", "max_documents", "hosts"}


class SourcesError(IndexerError):
    """The sources file cannot be read or has a mistake (message in French, with the line)."""


@dataclass(frozen=True)
class Source:
    """One followed site."""

    name: str
    label: str
    url: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_documents: int = DEFAULT_MAX_DOCUMENTS
    hosts: tuple[str, ...] = ()

    @property
    def allowed_hosts(self) -> set[str]:
        """The source's own host and the other hosts it declares."""
        return {host_key(self.url), *(h.lower() for h in self.hosts)}

    def wants(self, url: str) -> bool:
        """Whether a page's URL passes the include and exclude patterns (matched on path and query)."""
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if self.include and not any(fnmatch.fnmatchcase(target, p) for p in self.include):
            return False
        return not any(fnmatch.fnmatchcase(target, p) for p in self.exclude)


@dataclass(frozen=True)
class SourcesFile:
    """The sources and the contact of a sources file."""

    sources: tuple[Source, ...]
    contact: str = ""


def name_from_url(url: str) -> str:
    """A source name for a bare URL: its host (« www.site.fr »), with the port when there is one."""
    return re.sub(r"[^a-z0-9-]+", "-", host_key(url)).strip("-")[:63] or "site"


def source_from_url(url: str) -> Source:
    """A source for a URL given on the command line."""
    check_url(url, where="adresse donnée")
    return Source(name=name_from_url(url), label=urlsplit(url).hostname or url, url=url)


def check_url(url: str, where: str) -> None:
    """Raise `SourcesError` unless `url` is an absolute http(s) address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourcesError(f"{where} : « {url} » n’est pas une adresse http(s) complète (https://site.fr/…)")


def load_sources(path: Path) -> SourcesFile:
    """Read and check a sources file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesError(f"Fichier des sources introuvable : {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SourcesError(f"Fichier des sources illisible : {path} ({error})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SourcesError(f"{path.name} : {_toml_reason(str(error))}") from None
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip().startswith("[[source]]")]
    unknown = set(data) - {"contact", "source"}
    if unknown:
        raise SourcesError(f"{path.name} : clé inconnue « {sorted(unknown)[0]} » (attendu : contact, [[source]])")
    raw = data.get("source")
    if not isinstance(raw, list) or not raw:
        raise SourcesError(f"{path.name} : aucune source ; ajoutez un bloc [[source]] avec name, label et url")
    sources, names = [], set()
    for number, entry in enumerate(raw):
        where = f"{path.name}, ligne {lines[number] if number < len(lines) else '?'} (source n° {number + 1})"
        source = _source(entry, where)
        if source.name in names:
            raise SourcesError(f"{where} : le nom « {source.name} » est déjà pris par une autre source")
        names.add(source.name)
        sources.append(source)
    logger.debug("%s : %d source(s)", path, len(sources))
    contact = data.get("contact", "")
    if not isinstance(contact, str):
        raise SourcesError(f"{path.name} : « contact » doit être un texte (adresse électronique ou site)")
    return SourcesFile(tuple(sources), contact)


def _source(entry: dict[str, Any], where: str) -> Source:
    unknown = set(entry) - _KEYS
    if unknown:
        raise SourcesError(f"{where} : clé inconnue « {sorted(unknown)[0]} » (attendu : {', '.join(sorted(_KEYS))})")
    for key in ("name", "label", "url"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise SourcesError(f"{where} : « {key} » manque ou n’est pas un texte")
    name = entry["name"].strip()
    if not _NAME.match(name):
        raise SourcesError(f"{where} : nom « {name} » invalide (minuscules, chiffres et « - », 63 caractères au plus)")
    check_url(entry["url"], where)
    patterns = {}
    for key in ("include", "exclude", "hosts"):
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise SourcesError(f'{where} : « {key} » doit être une liste de textes, par exemple ["/category/*"]')
        patterns[key] = tuple(value)
    cap = entry.get("max_documents", DEFAULT_MAX_DOCUMENTS)
    if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
        raise SourcesError(f"{where} : « max_documents » doit être un nombre entier positif")
    return Source(name, entry["label"].strip(), entry["url"].strip(), max_documents=cap, **patterns)


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_TOML_REASONS = {
    "Invalid value": "valeur invalide",
    "Expected '=' after a key in a key/value pair": "« = » attendu après la clé",
    "Unclosed array": "liste non fermée (« ] » manquant)",
    "Cannot declare": "clé ou table déclarée deux fois",
    "Illegal character": "caractère interdit",
    "Invalid statement": "ligne incompréhensible",
}


def _toml_reason(message: str) -> str:
    position = _TOML_POSITION.search(message)
    where = f"ligne {position.group(1)}, colonne {position.group(2)}" if position else "position inconnue"
    for english, french in _TOML_REASONS.items():
        if message.startswith(english):
            return f"{where} : {french}"
    return f"{where} : syntaxe TOML incorrecte"
