"""Training speed with the Train page open in a browser, against `python -m cnn.train`.

Same settings both ways (the default preset on the full MNIST, for --epochs epochs: two by
default, so the page's first full render is a small part of the run, as in real use). The app run is
started from the real page in headless Chromium, which stays open and redraws its charts
every second until the run finishes; its images/s is read from the run's record. Rounds
alternate CLI and app so both meet the same load on this shared machine.

    CNN_DATA_DIR=../shared/data python -m bench.bench_app_training [--rounds 2]
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.common import setup
from cnn.record import Status
from cnn.runs import list_runs, read_record
from support.browser import CHROMIUM_FLAGS, ROOT, chromium_or_skip, streamlit_server


def cli_images_per_sec(out: Path, epochs: int) -> float:
    proc = subprocess.run([sys.executable, "-m", "cnn.train", "--preset", "fast", "--epochs", str(epochs), "--json",
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])["images_per_sec"]


def app_images_per_sec(page, url: str, runs: Path, epochs: int) -> float:
    page.goto(f"{url}/Train")
    page.get_by_text("Advanced").click()
    page.get_by_label("Epochs").fill(str(epochs))
    page.get_by_label("Epochs").press("Enter")
    before = {r.name for r in list_runs(runs)}
    page.get_by_role("button", name="Start training").click()
    page.get_by_text("images/s").first.wait_for()
    # Wait by reading the run's record from disk, not through Playwright: its waits poll the
    # page, and a user's browser has no driver polling it.
    while True:
        time.sleep(2)
        new = [r for r in list_runs(runs) if r.name not in before]
        if new and read_record(new[0].folder).status is not Status.RUNNING:
            page.get_by_text("Finished.").wait_for()  # and the page says so
            return read_record(new[0].folder).metrics.images_per_sec


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--epochs", type=int, default=2, help="epochs of the default preset per run")
    args = p.parse_args()
    setup()
    results = {"cli": [], "app": []}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        runs = Path(tmp) / "runs"
        with streamlit_server("app.py", {"CNN_RUNS_DIR": str(runs)}, Path(tmp) / "app.log") as url:
            browser = pw.chromium.launch(executable_path=chromium_or_skip(), args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            for r in range(args.rounds):
                results["cli"].append(cli_images_per_sec(Path(tmp) / f"cli{r}.pt", args.epochs))
                results["app"].append(app_images_per_sec(page, url, runs, args.epochs))
                print(f"round {r + 1}: cli {results['cli'][-1]:,.0f} images/s, app {results['app'][-1]:,.0f} images/s",
                      flush=True)
            browser.close()
    cli, app = statistics.median(results["cli"]), statistics.median(results["app"])
    print(f"median: cli {cli:,.0f}, app with the Train page open {app:,.0f} images/s: app/cli = {app / cli:.2f}")


if __name__ == "__main__":
    main()
