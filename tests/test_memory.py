"""Memory stays flat: many predictions on the Draw page and runs one after another do not make
the server grow. (bench/bench_memory.py measures the real server with 500 predictions.)"""
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from cnn.job import Registry
from support import drawn_digits
from support.samples import FIXTURE, tiny_job_config

APP = Path(__file__).resolve().parents[1] / "app.py"
# The allocator's pools alone move RSS by 20-30 MB over a few hundred Draw predictions, before and after
# the network-design release alike (measured: +9, +26, +21, +30 MB after 100..400 predictions, no trend).
# What this guards against is larger: keeping each drawing's canvas (313 KB) would add 47 MB over 150.
ALLOWED_GROWTH_MB = 40
RUNS_SPREAD_MB = 25  # runs one after another: a run's kept globals once cost 12-25 MB each


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError("no VmRSS")


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
    before = rss_mb()
    predict(150)
    assert rss_mb() - before < ALLOWED_GROWTH_MB


def test_runs_one_after_another_do_not_grow_memory(tmp_path):
    registry = Registry(tmp_path)
    sizes = []
    for _ in range(3):  # as in the issue: three runs one after another
        job, _ = registry.start(tiny_job_config(max_steps=10))
        job.join(90)
        assert job.snapshot().status == "finished"
        sizes.append(rss_mb())
    assert np.ptp(sizes[1:]) < RUNS_SPREAD_MB  # after the first run, which loads what every run needs
