"""The Streamlit server's memory over many predictions and several training runs: does it grow?

Starts the app, then reads the server process's resident memory (VmRSS in /proc) before anything,
after the first prediction (PyTorch and the model loaded), every 100 predictions, after all
--predictions (one browser session on /Draw drawing 1, 0, 1, ... with a canvas reset in between,
as fast as the page allows), and after each of --runs training runs of the default preset (full
MNIST, one epoch, started from /Train one after another). Runs train in a child process, so
their own memory is not counted: what the server keeps of them (progress, curves, weights) is.

    CNN_DATA_DIR=../shared/data python -m bench.bench_memory [--predictions 500] [--runs 3]
"""
import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.common import setup
from cnn.record import Status
from support.browser import (
    CHROMIUM_FLAGS,
    VIEWPORT,
    Drawing,
    chromium_or_skip,
    draw_concurrently,
    ended_run_record,
    log_problems,
    server_pid,
    start_training,
    streamlit_server,
)

RUN_TIMEOUT_S = 1800
PROGRESS_EVERY = 100


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no VmRSS for process {pid}")


def predictions(url: str, count: int, pid: int, rss: dict[str, float]) -> list[Drawing]:
    """`count` drawings in one session, noting the server's memory after the first and printing it every 100."""
    def progress(n: int, drawing: Drawing) -> None:
        if n == 1:
            rss["after the first prediction"] = rss_mb(pid)
        if n % PROGRESS_EVERY == 0:
            print(f"{n} predictions, server RSS {rss_mb(pid):,.0f} MB", flush=True)

    return draw_concurrently(url, sessions=1, drawings=count, on_drawing=progress)[0]


def training_runs(page, url: str, runs: Path, count: int, pid: int) -> bool:
    """`count` one-epoch runs one after another; True if all finished."""
    all_finished = True
    for r in range(1, count + 1):
        start_training(page, url, epochs=1)
        record = ended_run_record(runs, RUN_TIMEOUT_S)
        if record.status is Status.FINISHED:
            page.get_by_text("Finished.").wait_for()
        all_finished &= record.status is Status.FINISHED
        print(f"run {r}: {record.status}, {record.metrics.images_per_sec:,.0f} images/s, "
              f"server RSS {rss_mb(pid):,.0f} MB", flush=True)
    return all_finished


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--predictions", type=int, default=500, help="drawings on the Draw page")
    p.add_argument("--runs", type=int, default=3, help="one-epoch training runs, one after another")
    args = p.parse_args()
    setup()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        runs, log = Path(tmp) / "runs", Path(tmp) / "app.log"
        with streamlit_server("app.py", {"CNN_RUNS_DIR": str(runs)}, log) as url:
            pid = server_pid(url)
            rss = {"before": rss_mb(pid)}
            drawings = predictions(url, args.predictions, pid, rss)
            rss[f"after {args.predictions} predictions"] = rss_mb(pid)
            browser = pw.chromium.launch(executable_path=chromium_or_skip(), args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(120_000)
            all_finished = training_runs(page, url, runs, args.runs, pid)
            rss[f"after the training runs ({args.runs})"] = rss_mb(pid)
            browser.close()
        predicted = sum(d.predicted is not None for d in drawings)
        problems = log_problems(log)
    print(f"predictions: {predicted} of {len(drawings)} drawings")
    for moment, mb in rss.items():
        print(f"server RSS {moment}: {mb:,.0f} MB")
    print(f"server log: {len(problems)} lines with Traceback or Exception", *problems, sep="\n  ")
    sys.exit(0 if predicted == len(drawings) and all_finished and not problems else 1)


if __name__ == "__main__":
    main()
