"""Processes as Linux's /proc shows them: whether one is alive, its parent, its nice level, its descendants."""
from __future__ import annotations

import os
from pathlib import Path

# Fields of /proc/<pid>/stat after the command name, counted from 0 (proc(5) numbers them from 3).
STATE, PARENT, NICE = 0, 1, 16


def stat(pid: int, thread: int | None = None) -> list[str]:
    """The fields after the command name (which may hold spaces and parentheses) of a process, or of one of
    its threads. Raises OSError once it has gone."""
    path = Path(f"/proc/{pid}") / (f"task/{thread}/stat" if thread else "stat")
    return path.read_text().rsplit(")", 1)[1].split()


def alive(pid: int) -> bool:
    """Running or sleeping: a zombie has ended too."""
    try:
        return stat(pid)[STATE] != "Z"
    except OSError:
        return False


def parent(pid: int) -> int:
    return int(stat(pid)[PARENT])


def nice_level(pid: int) -> int:
    return int(stat(pid)[NICE])


def thread_nice_levels(pid: int) -> list[int]:
    """The nice level of every thread of process `pid` (Linux keeps one per thread)."""
    return [int(stat(pid, int(tid))[NICE]) for tid in os.listdir(f"/proc/{pid}/task")]


def descendants(pid: int) -> list[int]:
    """Its children, theirs, and so on: a training run is a child of the fork server, itself the server's child."""
    parents = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            parents[int(entry)] = parent(int(entry))
        except OSError:  # ended while we looked
            pass
    found, last = set(), {pid}
    while last:
        last = {p for p, ppid in parents.items() if ppid in last} - found
        found |= last
    return sorted(found)
