"""Which engine code is measured: a frozen copy of `indexer/` and `search_app/`, identified by its hash.

A run at 100,000 documents lasts hours, and the engine may be edited meanwhile: a build made by one version
and a server started from the next would be measured together (or fail: Whoosh pickles the analyser's
classes into the index). So a run copies both packages once into ``<work>/scale-code-<hash>/`` and runs every
build, server and in-process search from that copy; each size's results record the hash, and a size whose
index was built by another version is rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("indexer", "search_app")
_active: Path | None = None


def _files(root: Path, packages: tuple[str, ...] = PACKAGES) -> list[Path]:
    out = []
    for package in packages:
        for dirpath, dirs, names in os.walk(root / package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
            out += [Path(dirpath, n) for n in sorted(names) if not n.endswith((".pyc", ".pyo"))]
    return out


def code_hash(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> str:
    """A short hash of the engine's files (paths and contents), or of some of its packages only."""
    h = hashlib.sha256()
    for path in _files(root, packages):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def snapshot(work: Path) -> Path:
    """Copy the current engine code into `work` (once per version); returns the copy's folder."""
    digest = code_hash()
    target = work / f"scale-code-{digest}"
    if not target.exists():
        tmp = work / f".scale-code-{digest}.{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        for package in PACKAGES:
            shutil.copytree(ROOT / package, tmp / package, ignore=shutil.ignore_patterns("__pycache__"))
        if code_hash(tmp) != digest:  # edited while copying: try again
            shutil.rmtree(tmp, ignore_errors=True)
            return snapshot(work)
        os.replace(tmp, target)
    return target


def activate(folder: Path) -> None:
    """Import the engine from `folder` in this process (before anything imports it)."""
    global _active
    loaded = [m for m in sys.modules if m.split(".")[0] in PACKAGES]
    if loaded:
        raise RuntimeError(f"engine modules already imported: {loaded[:3]}")
    sys.path.insert(0, str(folder))
    _active = folder


def check() -> None:
    """Fail if an engine module was imported from elsewhere than the active folder."""
    if _active is None:
        return
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if name.split(".")[0] in PACKAGES and path and not Path(path).resolve().is_relative_to(_active.resolve()):
            raise RuntimeError(f"{name} imported from {path}, not from {_active}")


def active() -> Path:
    """The folder the engine is run from (the snapshot, or the working tree)."""
    return _active or ROOT


def active_hash() -> str:
    """The hash of the code being measured."""
    return active().name.removeprefix("scale-code-") if _active else code_hash()


def env() -> dict[str, str]:
    """The environment of the engine's subprocesses (run with ``cwd=active()``): the snapshot first."""
    paths = [str(active()), str(ROOT)]
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    return dict(os.environ, PYTHONPATH=os.pathsep.join(paths))


def index_hash(code: str | None = None, work: Path | None = None) -> str | None:
    """The hash of the indexer package alone (what an index depends on) for the active code, or for the
    snapshot `scale-code-<code>` in `work` when it still exists (None when it does not)."""
    if code is None:
        return code_hash(active(), ("indexer",))
    folder = (work or Path("/tmp")) / f"scale-code-{code}"
    return code_hash(folder, ("indexer",)) if (folder / "indexer").is_dir() else None
