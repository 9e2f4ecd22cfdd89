"""Writing a file so that a crash leaves the old file or the new one, never half of one."""
from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomically(path: Path, write: Callable[[BinaryIO], None], mode: int = 0o644) -> Path:
    """Call `write` on a temporary file beside `path`, sync it, then rename it over `path`.
    The temporary file starts with "." and ends with ".tmp", so listings can skip it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, mode)  # mkstemp makes it private; these are ordinary files
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


STALE_AFTER = 60.0  # seconds: no write of ours takes that long, so an older temporary is a leftover


def remove_stale_temporaries(folder: Path) -> None:
    """Remove the temporary files that writes cut off by a crash (a SIGKILL mid-save) left in
    `folder`. Only those untouched for STALE_AFTER seconds: a write in progress is never touched."""
    cutoff = time.time() - STALE_AFTER
    for tmp in Path(folder).glob(".*.tmp"):
        try:
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
        except OSError:  # gone meanwhile, or a read-only folder: nothing to clean here
            pass
