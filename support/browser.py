"""Helpers for real-browser tests, benchmarks and the screenshot script: a Streamlit server on a
free port, headless Chromium, a run started from the Train page, and several sessions drawing at
once on Draw."""
from __future__ import annotations

import asyncio
import math
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import async_playwright

from cnn.record import RunRecord, Status
from cnn.runs import read_record
from support.procs import ROOT
from support.samples import FIXTURE

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_or_skip() -> str:
    """Chromium's path; without one the test skips, unless CNN_REQUIRE_BROWSER says it must run."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    message = "no Chromium found (apt-get install chromium); browser tests need a real browser"
    if os.environ.get("CNN_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(script: str, env: dict[str, str], log: Path):
    """Run `streamlit run script` on a free port until the block ends; yields its URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
           "--server.headless", "true", "--server.address", "127.0.0.1"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            proc.wait(20)


@contextmanager
def app_on_fixture(tmp: Path):
    """The app on a free port with the committed MNIST slice and the runs folder tmp/runs; yields its URL.
    Fails afterwards if the server logged a traceback."""
    log = tmp / "server.log"
    with streamlit_server("app.py", {"CNN_DATA_DIR": str(FIXTURE), "CNN_RUNS_DIR": str(tmp / "runs")}, log) as url:
        yield url
    assert "Traceback" not in log.read_text(), log.read_text()


def _wait_healthy(url: str, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not start")


def stroke(page, points: list[tuple[float, float]]) -> None:
    """One mouse stroke on the drawing canvas, points in canvas pixels."""
    box = page.locator("canvas.upper-canvas").bounding_box()
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=2)
    page.mouse.up()


def draw_on_draw_page(page, url: str, strokes, answer: str, stroke_with: Callable = stroke) -> None:
    """Open Draw, draw each stroke (points in canvas pixels) with `stroke_with` (stroke, or touch_stroke
    on a phone) and wait for `answer` on the page."""
    page.goto(f"{url}/Draw")
    page.locator("canvas.upper-canvas").wait_for()
    for points in strokes:
        stroke_with(page, points)
    page.get_by_text(answer).first.wait_for()


def touch_stroke(page, points: list[tuple[float, float]], canvas_width: int = 280) -> None:
    """One finger stroke on the drawing canvas (the phone profiles have touch), points in the canvas's own
    pixels, `canvas_width` wide, wherever the page's CSS zoom puts it. Sent as touch events through the
    DevTools protocol: Playwright's touchscreen only taps."""
    box = page.locator("canvas.upper-canvas").bounding_box()
    scale = box["width"] / canvas_width
    swipe(page, [(box["x"] + x * scale, box["y"] + y * scale) for x, y in _dense(points)])


def _dense(points: list[tuple[float, float]], step: float = 8) -> list[tuple[float, float]]:
    """The polyline through `points` with a point every `step` px or less: a finger moves in small steps,
    and fabric.js draws a long single move as a line from the stroke's start, skipping the corner."""
    out = [points[0]]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        n = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / step))
        out += [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(1, n + 1)]
    return out


def swipe(page, points: list[tuple[float, float]]) -> None:
    """A finger down at the first point, moved through the others, lifted: points in page pixels."""
    cdp = page.context.new_cdp_session(page)
    for kind, (x, y) in zip(["touchStart"] + ["touchMove"] * (len(points) - 1), points):
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y, "id": 1}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


# Elements that reach past the viewport's right edge, described. Streamlit scrolls its main container, not the
# document, so the page scrolls sideways exactly when something in it does. Not counted: what an ancestor inside
# the page clips where it ends within the viewport (a slider's visually hidden input; a box that scrolls its own
# content sideways, as Streamlit's tab bar does, keeps the page still).
_STICKING_OUT_JS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const past = e => e.getBoundingClientRect().right > innerWidth + 1;
    const clipped = e => {
        for (let a = e.parentElement; a && a !== main; a = a.parentElement)
            if (getComputedStyle(a).overflowX !== 'visible' && !past(a)) return true;
        return false;
    };
    const name = e => {
        const within = e.closest('[data-testid]'), key = e.closest('[class*="st-key-"]');
        return `${e.tagName.toLowerCase()} in ${within ? within.dataset.testid : '?'}` +
            (key ? ` (${key.className.match(/st-key-\\S+/)[0]})` : '') +
            `, right edge ${Math.round(e.getBoundingClientRect().right)} px`;
    };
    const out = new Set([...main.querySelectorAll('*')].filter(e => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && past(e) && getComputedStyle(e).visibility !== 'hidden' && !clipped(e);
    }));
    return [...out].filter(e => !out.has(e.parentElement)).map(name);  // the outermost: a chart, not its every mark
}"""


def sticking_out(page) -> list[str]:
    """What on the page reaches past the window's right edge (what would scroll it sideways), described."""
    return page.evaluate(_STICKING_OUT_JS)


def server_pid(url: str) -> int:
    """The pid of the server that `streamlit_server` started at `url`, found by its port in /proc
    (Linux), so a benchmark can read the server's memory without the context manager changing."""
    port = url.rsplit(":", 1)[1].encode()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:  # the process ended while we looked
            continue
        if b"streamlit" in args and b"--server.port" in args and args[args.index(b"--server.port") + 1] == port:
            return int(cmdline.parent.name)
    raise LookupError(f"no Streamlit server on port {port.decode()}")


def log_problems(log: Path, since: int = 0) -> list[str]:
    """The server log's lines that mention a traceback or an exception, from character `since` on (where a
    test began): the app must not raise under load."""
    return [line for line in log.read_text()[since:].splitlines() if "Traceback" in line or "Exception" in line]


# Training from the Train page, in the sync API, and the run's record on disk.

VIEWPORT = {"width": 1400, "height": 1000}


@contextmanager
def page_in_new_context(browser, **options):
    """A page in a browser context of its own (its own cookies and storage: one more person), each of its
    waits allowed a minute; `options` go to new_context (viewport, colour scheme, a device profile)."""
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()


def start_training(page, url: str, epochs: int) -> None:
    """Start the default preset ("fast") with `epochs` epochs from the Train page; returns once it
    trains, and raises with the page's message if the run fails first (e.g. MNIST not found)."""
    page.goto(f"{url}/Train")
    page.get_by_text("Advanced").click()
    page.get_by_label("Epochs").fill(str(epochs))
    page.get_by_label("Epochs").press("Enter")
    page.get_by_role("button", name="Start training").click()
    failed = page.get_by_text("Failed.")
    page.get_by_text("images/s").or_(failed).first.wait_for()
    if failed.count():
        raise RuntimeError(failed.first.inner_text())


def training_running(page) -> bool:
    """Whether the Train page still offers Stop, i.e. the run has not ended."""
    return page.get_by_role("button", name="Stop").is_enabled()


def stop_training(page) -> None:
    """Press Stop if the run is still going; `ended_run_record` then waits for it to end."""
    if training_running(page):
        page.get_by_role("button", name="Stop").click()


def ended_run_record(runs: Path, timeout_s: float = 120) -> RunRecord:
    """The newest run's record once the run has ended. Read from disk, not the page: the page says
    "Stopped." a moment before the record is saved, and Playwright's waits keep the page busy."""
    deadline = time.monotonic() + timeout_s
    while True:
        newest = max((read_record(path.parent) for path in Path(runs).glob("*/run.json")), key=lambda r: r.started)
        if newest.status is not Status.RUNNING:
            return newest
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {newest.name} still running after {timeout_s:.0f} s")
        time.sleep(1)


# Several people drawing at once on /Draw: one browser context each, driven concurrently with
# Playwright's async API (its sync API serves one page at a time).

DIGIT_STROKES = {
    1: [(140, 40 + 10 * i) for i in range(21)],
    0: [(140 + 60 * math.sin(t / 20 * 2 * math.pi), 140 - 95 * math.cos(t / 20 * 2 * math.pi)) for t in range(22)],
}
DRAW_HINT = "Draw a digit on the black canvas"
PREDICTION_TIMEOUT_MS = 60_000
# The digit of the "#### Prediction: N (xx.x%)" heading, or null; textContent, unlike innerText,
# needs no layout, so polling it every frame in several pages stays cheap.
PREDICTED_DIGIT_JS = """() => {
    for (const h of document.querySelectorAll('h4')) {
        const m = h.textContent.match(/Prediction: (\\d) \\(/);
        if (m) return m[1];
    }
    return null;
}"""


@dataclass(frozen=True)
class Drawing:
    drawn: int
    predicted: int | None  # None: no prediction appeared within PREDICTION_TIMEOUT_MS
    latency_ms: float | None  # mouse-up to the prediction on the page


def draw_concurrently(url: str, sessions: int, drawings: int,
                      on_drawing: Callable[[int, Drawing], None] | None = None) -> list[list[Drawing]]:
    """`sessions` browser sessions on /Draw, all drawing at once, each `drawings` digits with a canvas
    reset in between, 1 and 0 in turn (the first session starts with 1, the second with 0, ...); returns
    each session's drawings. `on_drawing(n, drawing)` hears of every drawing (n counts from 1 within its
    session). It runs in a thread of its own, so a caller may hold a sync Playwright browser (e.g. on the
    Train page) meanwhile: the sync API refuses to share a thread with a running event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _draw_sessions(url, sessions, drawings, on_drawing)).result()


async def _draw_sessions(url, sessions, drawings, on_drawing) -> list[list[Drawing]]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_or_skip(), args=CHROMIUM_FLAGS)
        # All pages load before any draws, so the drawing really overlaps.
        pages = await asyncio.gather(*(_open_draw_page(browser, url) for _ in range(sessions)))
        results = await asyncio.gather(*(_draw_digits(page, drawings, on_drawing, first=1 - i % 2)
                                         for i, page in enumerate(pages)))
        await browser.close()
    return list(results)


async def _open_draw_page(browser, url: str):
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    page.set_default_timeout(60_000)
    await page.goto(f"{url}/Draw")
    await page.locator("canvas.upper-canvas").wait_for()
    await page.get_by_text(DRAW_HINT).wait_for()
    return page


async def _draw_digits(page, drawings: int, on_drawing, first: int) -> list[Drawing]:
    """Draws `first` (1 or 0), then the other, and so on."""
    results = []
    for n in range(1, drawings + 1):
        if n > 1:
            await page.get_by_role("button", name="Reset canvas & history").click()
            await page.get_by_text(DRAW_HINT).wait_for()  # the old prediction is gone
        results.append(await _draw_and_time(page, first if n % 2 else 1 - first))
        if on_drawing:
            on_drawing(n, results[-1])
    return results


async def _draw_and_time(page, digit: int) -> Drawing:
    """Draw `digit` as `stroke` does and time from mouse-up until the page shows its prediction."""
    points = DIGIT_STROKES[digit]
    box = await page.locator("canvas.upper-canvas").bounding_box()
    await page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    await page.mouse.down()
    for x, y in points[1:]:
        await page.mouse.move(box["x"] + x, box["y"] + y, steps=2)
    lifted = time.perf_counter()
    await page.mouse.up()
    try:
        shown = await page.wait_for_function(PREDICTED_DIGIT_JS, polling="raf", timeout=PREDICTION_TIMEOUT_MS)
    except PlaywrightTimeout:
        return Drawing(digit, None, None)
    latency_ms = (time.perf_counter() - lifted) * 1000
    return Drawing(digit, int(await shown.json_value()), latency_ms)
