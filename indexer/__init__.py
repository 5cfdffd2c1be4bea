"""Indexer of the centre's publications: HTML pages and PDF dossiers into a French Whoosh index.

Public API: `build_index`, `update_index`, `index_status` (and `Settings` to configure them).
"""

from indexer.build import build_index
from indexer.config import Settings
from indexer.status import index_status
from indexer.store import RunReport
from indexer.update import update_index

__all__ = ["RunReport", "Settings", "build_index", "index_status", "update_index"]
