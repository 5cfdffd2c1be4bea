"""Measuring a phase: wall time, peak memory of a process tree, our CPU time and the machine's other load.

The peak RSS of a build is the largest *sum* of the resident sizes of the build process and its worker
processes, sampled from /proc every 0.1 s (``ru_maxrss`` only knows the largest single process). The CPU time
the machine spent on other processes during the phase (from /proc/stat, minus ours) is recorded too: the
benchmark shares two cores with whatever else runs, and a number measured under load must say so.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICK = os.sysconf("SC_CLK_TCK")


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        ppid = int(data[data.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    children = _children_map()
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(children.get(p, []))
    return out


def rss_bytes(pid: int) -> int:
    """Resident size of one process (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def anon_bytes(pid: int) -> int:
    """Anonymous memory of one process (heap and private allocations, not the mapped index files that RSS
    also counts, once per mapping): what the process really costs in RAM."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Anonymous:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process and of its waited-for children."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except OSError:
        return 0.0
    fields = data[data.rindex(b")") + 2 :].split()
    return sum(int(x) for x in fields[11:15]) / _TICK


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a live process tree (processes that already exited and were reaped are in their parent)."""
    return sum(cpu_seconds(p) for p in tree(pid))


def machine_busy_seconds() -> float:
    """CPU time spent by the whole machine (all cores) since boot, idle and iowait excluded."""
    with open("/proc/stat") as fh:
        parts = fh.readline().split()[1:]
    values = [int(x) for x in parts]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / _TICK


def own_cpu_seconds() -> float:
    """CPU time of this process and of its reaped children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process tree until stopped; `peak` is the largest sum seen.

    `peak_anon` is the largest sum of anonymous memory (see `anon_bytes`). With `kill_above` (bytes), a tree
    whose anonymous memory passes it is killed (SIGKILL) and `killed` is set: on a shared machine with no
    swap, a runaway benchmark must not bring the OOM killer onto other people's processes.
    """

    def __init__(self, pid: int, interval: float = 0.1, kill_above: int = 0) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.kill_above = kill_above
        self.killed = False
        self.peak_anon = 0
        self.peak = 0
        self.peak_processes = 0
        self.peak_root = 0  # largest RSS of the root process alone
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            pids = tree(self.pid)
            sizes = [rss_bytes(p) for p in pids]
            total = sum(sizes)
            self.peak_root = max(self.peak_root, sizes[0] if sizes else 0)
            if total > self.peak:
                self.peak, self.peak_processes = total, len(pids)
            anon = sum(anon_bytes(p) for p in pids)
            self.peak_anon = max(self.peak_anon, anon)
            if self.kill_above and anon > self.kill_above and not self.killed:
                self.killed = True
                for p in reversed(pids):
                    with contextlib.suppress(OSError):
                        os.kill(p, signal.SIGKILL)
            self._stop_event.wait(self.interval)

    def stop(self) -> int:
        self._stop_event.set()
        self.join(timeout=5)
        return self.peak


@dataclass
class Phase:
    """A measured phase: use as a context manager; `extra_pids` are live processes whose CPU counts as ours."""

    name: str
    extra_pids: list[int] = field(default_factory=list)
    wall: float = 0.0
    own_cpu: float = 0.0
    other_cpu: float = 0.0
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def __enter__(self) -> Phase:
        self.load_before = os.getloadavg()
        self._t = time.perf_counter()
        self._busy = machine_busy_seconds()
        self._own = own_cpu_seconds()
        self._extra = {p: tree_cpu_seconds(p) for p in self.extra_pids}
        return self

    def __exit__(self, *exc: Any) -> None:
        self.wall = time.perf_counter() - self._t
        busy = machine_busy_seconds() - self._busy
        own = own_cpu_seconds() - self._own
        own += sum(tree_cpu_seconds(p) - before for p, before in self._extra.items())
        self.own_cpu = own
        self.other_cpu = max(0.0, busy - own)

    def report(self) -> dict[str, float]:
        """Wall time, our CPU (in cores: CPU seconds per second), the others' CPU, load average."""
        wall = max(self.wall, 1e-9)
        return {
            "wall_s": round(self.wall, 3),
            "cpu_s": round(self.own_cpu, 2),
            "cores_used": round(self.own_cpu / wall, 2),
            "other_processes_cores": round(self.other_cpu / wall, 2),
            "loadavg_1min_before": round(self.load_before[0], 2),
        }
