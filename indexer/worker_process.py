"""The life of one extraction process: it dies with its parent, runs under a memory cap, and its death is
told in French.
"""

from __future__ import annotations

import logging
import os
import signal

logger = logging.getLogger(__name__)


def die_with_parent(parent: int | None = None) -> None:
    """In each extraction worker: die with the parent (Linux), so that a killed run leaves no orphan.

    Sibling workers hold each other's pipe ends, so an orphaned worker would otherwise wait forever.
    `parent` is the pid of the process that started the worker (the parent may itself be pid 1 in a container).
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != (parent or os.getppid()):  # the parent died before the call above took effect
            os._exit(1)
    except (OSError, AttributeError):  # not Linux: the worker only outlives a parent killed with SIGKILL
        pass


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space (RLIMIT_AS) at `megabytes`, but never below what it already uses."""
    if megabytes <= 0:
        return
    try:
        import resource
    except ImportError:  # not POSIX
        return
    wanted = megabytes * 1024 * 1024
    current = _address_space()
    if current + 256 * 1024 * 1024 > wanted:
        logger.warning(
            "Plafond mémoire des processus d’extraction (%d Mo) trop bas : %d Mo déjà utilisés, plafond porté à %d Mo",
            megabytes,
            current // (1024 * 1024),
            (current + 256 * 1024 * 1024) // (1024 * 1024),
        )
        wanted = current + 256 * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ValueError, OSError) as exc:
        logger.warning("Impossible de plafonner la mémoire du processus d’extraction : %s", exc)


def _address_space() -> int:
    """This process's current address-space size in bytes (VmSize), 0 when unknown."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def death_reason(exitcode: int | None) -> str:
    if exitcode == -signal.SIGKILL:
        return "le processus d’extraction a été tué par le système (mémoire épuisée ?)"
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = str(-exitcode)
        return f"le processus d’extraction s’est arrêté brutalement (signal {name})"
    return f"le processus d’extraction s’est arrêté brutalement (code {exitcode})"
