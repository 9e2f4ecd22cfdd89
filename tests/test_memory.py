"""Memory stays flat: many predictions on the Draw page and runs one after another do not make
the server grow. (bench/bench_memory.py measures the real server's RSS with 500 predictions.)"""
import ctypes
import gc
import logging
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from cnn.job import Registry
from support import drawn_digits
from support.samples import FIXTURE, tiny_job_config

APP = Path(__file__).resolve().parents[1] / "app.py"
# Over 30 Draw predictions after a warm-up, measured: malloc'd bytes in use moved by at most 1 KB and Python's
# allocated blocks by -58 to +38. Keeping each drawing's canvas (313 KB) adds 9.0 MB, a (32, 28, 28) tensor
# 2.9 MB; a dict of two small values, 74-82 blocks (under the bound: Python-object leaks show from a few objects
# per prediction). RSS moved by 20-30 MB over a few hundred predictions, leak or not (the allocator's pools),
# and needed 150 predictions to tell a kept canvas from that.
ALLOWED_MALLOC_GROWTH_MB = 1.0
ALLOWED_BLOCK_GROWTH = 120
RUNS_SPREAD_MB = 25  # runs one after another: a run's kept globals once cost 12-25 MB each
LIBC = ctypes.CDLL(None)  # this process's C library: glibc on Linux


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError("no VmRSS")


def malloc_in_use_mb() -> float:
    """Bytes that malloc has handed out and not had back, over all arenas (glibc's malloc_info): what PyTorch's
    and NumPy's arrays take. Unlike RSS, it does not move with what the allocator keeps in its pools."""
    buffer, size = ctypes.c_char_p(), ctypes.c_size_t()
    LIBC.open_memstream.restype = ctypes.c_void_p
    stream = ctypes.c_void_p(LIBC.open_memstream(ctypes.byref(buffer), ctypes.byref(size)))
    LIBC.malloc_info(0, stream)
    LIBC.fclose(stream)
    report = ET.fromstring(ctypes.string_at(buffer, size.value))
    LIBC.free(buffer)
    total = {e.get("type"): int(e.get("size")) for e in report.findall("total")}  # all arenas' free chunks
    system = {e.get("type"): int(e.get("size")) for e in report.findall("system")}
    return (system["current"] - total["fast"] - total["rest"] + total["mmap"]) / 2**20


def memory_in_use() -> tuple[float, int]:
    """(malloc'd MB in use, Python's allocated blocks) once garbage is collected."""
    gc.collect()
    return malloc_in_use_mb(), sys.getallocatedblocks()


def test_predictions_on_the_draw_page_do_not_grow_memory(monkeypatch, tmp_path, mnist_small):
    monkeypatch.setenv("CNN_DATA_DIR", str(FIXTURE))
    monkeypatch.setenv("CNN_RUNS_DIR", str(tmp_path / "runs"))
    canvases, _ = drawn_digits.drawn_set(mnist_small[1].images[:20, 0].numpy(), seed=2)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("pages/2_Draw.py").run()

    def predict(n):
        for i in range(n):
            at.session_state["draw_image"] = canvases[i % len(canvases)]
            at.run()
            assert not at.exception

    predict(40)  # warm-up: caches, allocator pools
    # pytest keeps every log record of a test, and AppTest logs a warning per run: none while measuring.
    logging.disable(logging.WARNING)
    try:
        malloc_before, blocks_before = memory_in_use()
        predict(30)
        malloc_after, blocks_after = memory_in_use()
    finally:
        logging.disable(logging.NOTSET)
    assert malloc_after - malloc_before < ALLOWED_MALLOC_GROWTH_MB, f"{malloc_after - malloc_before:+.2f} MB"
    assert blocks_after - blocks_before < ALLOWED_BLOCK_GROWTH, f"{blocks_after - blocks_before:+d} blocks"


def test_runs_one_after_another_do_not_grow_memory(tmp_path):
    registry = Registry(tmp_path)
    sizes = []
    for _ in range(3):  # as in the issue: three runs one after another
        job, _ = registry.start(tiny_job_config(max_steps=10))
        job.join(90)
        assert job.snapshot().status == "finished"
        sizes.append(rss_mb())
    assert np.ptp(sizes[1:]) < RUNS_SPREAD_MB  # after the first run, which loads what every run needs
