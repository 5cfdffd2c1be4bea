"""Typed errors of the indexer. Each carries a reason in French that a documentalist understands."""

from __future__ import annotations


class IndexerError(Exception):
    """Base class: a run of the indexer could not complete (message in French, one line)."""


class CorpusNotFoundError(IndexerError):
    """The corpus folder does not exist or is not readable."""


class IndexLockedError(IndexerError):
    """Another build or update holds the index lock."""


class IndexMissingError(IndexerError):
    """No index exists yet at the given place, or it cannot be opened."""


class ExtractionError(IndexerError):
    """One file could not be extracted; the batch goes on and the file is reported with `reason`."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path} : {reason}")
        self.path = path
        self.reason = reason


class EncryptedPdfError(ExtractionError):
    """A PDF protected by a user password."""


class CorruptFileError(ExtractionError):
    """A damaged, truncated or mislabelled file."""


class FileTooLargeError(ExtractionError):
    """A file over the configured size or page limit."""


class ExtractionTimeoutError(ExtractionError):
    """Extraction took longer than the configured time limit."""


class UnsupportedFormatError(ExtractionError):
    """A file whose format the indexer does not read."""
