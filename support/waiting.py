"""Waiting, in tests and benchmarks, for what another thread or process does."""
from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(condition: Callable[[], object], seconds: float = 60.0, every: float = 0.05) -> bool:
    """Whether `condition()` came true within `seconds`, looked at every `every` seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False
