"""Four people drawing at once while a run trains: mouse-up to prediction, and the run's speed.

One headless Chromium page starts a run of the default preset on /Train (full MNIST, --epochs
epochs, so the run outlasts the drawing) and --train-pages pages in all stay open there, their live
charts redrawn every two seconds; then --sessions browser sessions on /Draw all draw at the same time,
--drawings digits each (1 and 0 in turn, half the sessions starting with 0, with a canvas reset in
between), timing each from mouse-up until its prediction shows. The run is then stopped (if still going) and its
images/s read from its run.json. Exits non-zero if a drawing got no prediction or the server
logged a traceback or an exception.

    CNN_DATA_DIR=../shared/data python -m bench.bench_load [--sessions 4] [--drawings 10] [--epochs 3] [--train-pages 2]
"""
import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

from bench.common import setup
from cnn.record import RunRecord
from support.browser import (
    CHROMIUM_FLAGS,
    VIEWPORT,
    Drawing,
    chromium_or_skip,
    draw_concurrently,
    ended_run_record,
    log_problems,
    start_training,
    stop_training,
    streamlit_server,
    training_running,
)


def report_drawings(drawings: list[Drawing]) -> bool:
    """Print the drawings' outcome and latencies; True if every drawing got a prediction."""
    latencies = [d.latency_ms for d in drawings if d.predicted is not None]
    right = sum(d.predicted == d.drawn for d in drawings)
    print(f"drawings: {len(drawings)}, with a prediction: {len(latencies)}, read as the digit drawn: {right}")
    if latencies:
        print(f"mouse-up to prediction: p50 {np.median(latencies):,.0f} ms, worst {max(latencies):,.0f} ms")
    return len(latencies) == len(drawings)


def step_shown(page) -> int:
    """The step the Train page's progress bar shows ("Step 1,234 of 2,814 ...")."""
    text = page.get_by_text(re.compile(r"Step [\d,]+ of")).first.inner_text()
    return int(re.search(r"Step ([\d,]+) of", text).group(1).replace(",", ""))


def report_run(record: RunRecord, trained_throughout: bool) -> None:
    metrics = record.metrics
    print(f"training run {record.name}: {record.status} after {metrics.steps:,} steps, "
          f"{metrics.images_per_sec:,.0f} images/s "
          f"({'still training' if trained_throughout else 'already ended'} when the drawing ended)")


def report_log(log: Path) -> bool:
    """Print the server log's tracebacks and exceptions, if any; True if there were none."""
    problems = log_problems(log)
    print(f"server log: {len(problems)} lines with Traceback or Exception")
    for line in problems:
        print(f"  {line}")
    if problems:
        print(log.read_text())
    return not problems


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sessions", type=int, default=4, help="browser sessions drawing at once")
    p.add_argument("--drawings", type=int, default=10, help="digits each session draws")
    p.add_argument("--epochs", type=int, default=3, help="epochs of the training run (it must outlast the drawing)")
    p.add_argument("--train-pages", type=int, default=2, help="Train pages open, showing the run live")
    args = p.parse_args()
    setup()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        runs, log = Path(tmp) / "runs", Path(tmp) / "app.log"
        with streamlit_server("app.py", {"CNN_RUNS_DIR": str(runs)}, log) as url:
            browser = pw.chromium.launch(executable_path=chromium_or_skip(), args=CHROMIUM_FLAGS)
            train_page = browser.new_page(viewport=VIEWPORT)
            train_page.set_default_timeout(120_000)
            start_training(train_page, url, args.epochs)
            watchers = [browser.new_page(viewport=VIEWPORT) for _ in range(args.train_pages - 1)]
            for watcher in watchers:
                watcher.goto(f"{url}/Train")
                watcher.get_by_text("images/s").first.wait_for(timeout=120_000)
            before = (time.monotonic(), step_shown(train_page))
            sessions = draw_concurrently(url, args.sessions, args.drawings)
            after = (time.monotonic(), step_shown(train_page))
            trained_throughout = training_running(train_page)
            stop_training(train_page)
            record = ended_run_record(runs)
            browser.close()
        all_predicted = report_drawings([d for session in sessions for d in session])
        report_run(record, trained_throughout)
        images = (after[1] - before[1]) * record.config["batch_size"]
        print(f"training while the sessions drew: {images / (after[0] - before[0]):,.0f} images/s "
              f"(steps {before[1]:,} to {after[1]:,} in {after[0] - before[0]:.0f} s)")
        log_clean = report_log(log)
    sys.exit(0 if all_predicted and log_clean else 1)


if __name__ == "__main__":
    main()
