"""The corpus folder: which files are indexed (a scan), and reading one of them safely.

A file is identified by its corpus-relative POSIX path, exactly as named on disk. What is not indexed on
purpose is reported as `Skipped`; a file that could not be read or extracted is a `Failure`, a value with a
French reason, never an exception that would stop a run.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from indexer import extract
from indexer.config import Settings
from indexer.errors import CorpusNotFoundError
from indexer.vocab import VOCABULARY_NAME

# Files at the corpus root that the documentalist writes for the engine (not documents): the catalogue, the
# vocabulary, and the sites `sync` follows (`indexer.web.sources.SOURCES_NAME`, not imported here: it would load
# the HTTP client into every scan). The sync's own state is in `.sync/`, hidden like every dot folder.
DOCUMENTALIST_TABLES = ("catalogue.csv", VOCABULARY_NAME, "sources.toml")


@dataclass(frozen=True)
class FileInfo:
    """A corpus file as seen by a scan: its corpus-relative path, size and modification time."""

    path: str
    size: int
    mtime: float


@dataclass(frozen=True)
class Failure:
    """A file that could not be indexed, with a reason a documentalist understands (French)."""

    path: str
    reason: str
    content_hash: str = ""
    size: int = 0
    mtime: float = 0.0


@dataclass(frozen=True)
class Skipped:
    """A file of the corpus folder that is not indexed on purpose (unsupported format, link outside…)."""

    path: str
    reason: str


OUTSIDE_LINK_REASON = "lien symbolique vers l’extérieur du corpus"
BAD_NAME_REASON = "nom de fichier illisible (octets non UTF-8) : renommez le fichier"
SAVED_PAGE_REASON = "ressources d’une page web enregistrée complète (« {page} ») : dossier non indexé"
# A browser's « Page web complète » save writes `page.html` and its styles, scripts, images and embedded
# players in `page_files/` (`page_fichiers/` in some French browsers): parts of the page, not documents.
SAVED_PAGE_SUFFIXES = ("_files", "_fichiers")


def _saved_page_of(folder: str, filenames: set[str]) -> str | None:
    """The saved page (`x.html`) whose resources folder `folder` is (`x_files`), if any, by name."""
    for suffix in SAVED_PAGE_SUFFIXES:
        if folder.lower().endswith(suffix):
            stem = folder[: -len(suffix)]
            pages = (n for n in sorted(filenames) if n.rsplit(".", 1)[0] == stem and extract.format_of(n) == "html")
            return next(pages, None)
    return None


def scan_corpus(corpus: Path) -> tuple[dict[str, FileInfo], list[Skipped]]:
    """Every indexable file under `corpus`, recursively, by corpus-relative POSIX path; and what was skipped.

    Extensions are matched case-insensitively. Hidden files and folders are ignored silently. Reported as
    skipped, with a French reason: unsupported formats (except the corpus's own files at its root,
    `catalogue.csv`, `vocabulaire.tsv` and `sources.toml`), symbolic links leading
    outside the corpus (files and folders), links to folders inside it (not followed: a loop or a second
    copy of the same files), names that are not valid UTF-8, special files (pipes, devices) and files
    that cannot be examined. A file's path is its name exactly as on disk (no Unicode normalisation).
    """
    if not corpus.is_dir():
        raise CorpusNotFoundError(f"Dossier du corpus introuvable : {corpus}")
    root = corpus.resolve()
    found: dict[str, FileInfo] = {}
    skipped: list[Skipped] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = _folders_to_walk(root, Path(dirpath), dirnames, set(filenames), skipped)
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            full = Path(dirpath, name)
            rel = full.relative_to(root).as_posix()
            if not _is_utf8(rel):
                skipped.append(Skipped(_printable(rel), BAD_NAME_REASON))
                continue
            if extract.format_of(rel) is None:
                if rel not in DOCUMENTALIST_TABLES:
                    skipped.append(Skipped(rel, extract.unsupported_reason(rel)))
                continue
            try:
                if full.is_symlink() and not Path(os.path.realpath(full)).is_relative_to(root):
                    skipped.append(Skipped(rel, OUTSIDE_LINK_REASON))
                    continue
                st = full.stat()
            except OSError as exc:
                reason = "lien symbolique cassé" if full.is_symlink() else f"fichier illisible ({exc.strerror or exc})"
                skipped.append(Skipped(rel, reason))
                continue
            if not stat.S_ISREG(st.st_mode):
                skipped.append(Skipped(rel, "pas un fichier ordinaire (tube, périphérique…)"))
                continue
            found[rel] = FileInfo(rel, st.st_size, st.st_mtime)
    return found, skipped


def _folders_to_walk(
    root: Path, here: Path, dirnames: list[str], filenames: set[str], skipped: list[Skipped]
) -> list[str]:
    """The sub-folders of `here` to walk into; a saved page's resources folder and folder links are skipped."""
    kept = []
    for name in sorted(dirnames):
        if name.startswith("."):
            continue
        full = here / name
        page = _saved_page_of(name, filenames)
        if page is not None:
            rel = _printable(full.relative_to(root).as_posix())
            skipped.append(Skipped(rel, SAVED_PAGE_REASON.format(page=page)))
            continue
        if full.is_symlink():
            rel = _printable(full.relative_to(root).as_posix())
            inside = Path(os.path.realpath(full)).is_relative_to(root)
            reason = "lien symbolique vers un dossier : non suivi" if inside else OUTSIDE_LINK_REASON
            skipped.append(Skipped(rel, reason))
            continue
        kept.append(name)
    return kept


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, kept by os.fsdecode as lone surrogates
        return False
    return True


def _printable(name: str) -> str:
    """A name as text that can be stored and shown (undecodable bytes as U+FFFD)."""
    return os.fsencode(name).decode("utf-8", errors="replace")


def read_file(root: Path, info: FileInfo, settings: Settings) -> bytes | Failure:
    """The bytes of a corpus file, read safely: inside the corpus, a regular file, at most its size limit.

    Checked again at read time (the scan may be minutes old): a file replaced by a link leading outside,
    by a named pipe (which would block a plain read forever) or grown past its limit is refused.
    """

    def failure(reason: str) -> Failure:
        return Failure(info.path, reason, size=info.size, mtime=info.mtime)

    real = Path(os.path.realpath(root / info.path))
    if not real.is_relative_to(root):
        return failure(OUTSIDE_LINK_REASON)
    limit = extract.size_limit(info.path, settings) or int(settings.max_file_mb * 1024 * 1024)
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with open(fd, "rb", closefd=True) as handle:
            st = os.fstat(handle.fileno())
            if not stat.S_ISREG(st.st_mode):
                return failure("pas un fichier ordinaire (tube, périphérique…)")
            if st.st_size > limit:
                return failure(extract.too_large_reason(st.st_size, info.path, settings))
            data = handle.read(limit + 1)
    except FileNotFoundError:
        return failure("fichier introuvable (supprimé pendant l’indexation ?)")
    except OSError as exc:
        return failure(f"fichier illisible ({exc.strerror or exc})")
    if len(data) > limit:  # it grew since the fstat
        return failure(extract.too_large_reason(len(data), info.path, settings))
    return data
