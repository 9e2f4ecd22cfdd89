"""Processes as Linux's /proc shows them: whether one is alive, its parent, its nice level, its descendants;
and what a fresh interpreter imports."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

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


def imported_by(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code` in the project's folder (this
    environment passed on). Raises RuntimeError, with the error, if `code` fails."""
    probe = f"{code}\nimport sys; print(' '.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise RuntimeError(done.stderr)
    return set(done.stdout.split())
