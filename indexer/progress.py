"""What a running build or update shows and allows: a progress bar or log lines, and the crash tests' kill points."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

FAULT_ENV = "CRPV_FAULT_AT"


def checkpoint(name: str) -> None:
    """Fault injection for the crash tests: SIGKILL this process at the named point when asked to."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def progress(total: int, label: str) -> Callable[[Any], None]:
    """A tqdm bar on a terminal, plain log lines otherwise."""
    if total and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, desc=label, unit="fichier", leave=False)
        return lambda _result: bar.update(1)
    state = {"n": 0, "next": time.monotonic() + 5}

    def log_line(_result: Any) -> None:
        state["n"] += 1
        if state["n"] == total or time.monotonic() >= state["next"]:
            logger.info("%s : %d / %d fichiers", label, state["n"], total)
            state["next"] = time.monotonic() + 5

    return log_line
