"""The real app in real headless Chromium, driven by Playwright with mouse strokes."""
import os
import re
import signal
import time

import numpy as np
import onnxruntime
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

import cnn
from support import procs
from support.browser import (
    DIGIT_STROKES,
    VIEWPORT,
    draw_concurrently,
    draw_on_draw_page,
    ended_run_record,
    log_problems,
    page_in_new_context,
    server_pid,
    start_training,
    stop_training,
    streamlit_server,
    stroke,
    training_running,
)
from support.fake_runs import write_fake_run
from support.photos import photo_of
from support.samples import FIXTURE
from support.waiting import wait_until
from ui import charts
from ui.train_view import LIVE_EVERY

ONE, ZERO = DIGIT_STROKES[1], DIGIT_STROKES[0]
STEP = re.compile(r"Step ([\d,]+) of ([\d,]+)")


@pytest.fixture
def page(browser):
    with page_in_new_context(browser, viewport=VIEWPORT) as page:
        yield page


def test_draw_a_one_and_a_zero_and_reset(server, page):
    page.goto(f"{server}/Draw")
    page.locator("canvas.upper-canvas").wait_for()
    page.get_by_text("Draw a digit on the black canvas").wait_for()
    stroke(page, ONE)
    page.get_by_text("Prediction: 1 (").wait_for()
    bars = page.locator('[data-testid="stVegaLiteChart"] [aria-roledescription="bar"]')  # Vega drew the spec
    expect(bars).to_have_count(10)
    expect(bars.and_(page.locator('[aria-label$="; digit: 1"]'))).to_have_attribute("fill", charts.ACCENT)
    page.get_by_role("button", name="Reset canvas & history").click()
    page.get_by_text("Draw a digit on the black canvas").wait_for()
    assert page.get_by_text("Prediction:").count() == 0
    stroke(page, ZERO)
    page.get_by_text("Prediction: 0 (").wait_for()
    expect(page.get_by_text("conv2 · 64 × 14 × 14")).to_be_visible()  # sent just after the answer


def progress_step(page) -> int:
    text = page.get_by_text(STEP).first.inner_text()
    return int(STEP.search(text).group(1).replace(",", ""))


def wait_for_step_above(page, step: int) -> int:
    """The step the page shows once it is past `step`; fails with what the page says if it never gets there."""
    try:
        page.wait_for_function(
            """min => [...document.querySelectorAll('[data-testid="stProgress"]')].some(e => {
                   const m = e.innerText.match(/Step ([\\d,]+) of/); return m && +m[1].replace(/,/g, '') > min; })""",
            arg=step)
    except PlaywrightTimeout:
        pytest.fail(f"no step above {step} within the timeout; the page says:\n{page.inner_text('body')[:3000]}")
    return progress_step(page)


def test_train_survives_a_trip_to_draw_and_stops(server, page):
    page.goto(f"{server}/Train")
    page.get_by_text("Advanced").click()
    epochs = page.get_by_label("Epochs")
    epochs.fill("50")
    epochs.press("Enter")
    page.get_by_role("button", name="Start training").click()
    page.get_by_text("images/s").first.wait_for()
    first = wait_for_step_above(page, 0)
    later = wait_for_step_above(page, first)  # the page updates by itself
    page.get_by_role("link", name="Draw").click()
    page.locator("canvas.upper-canvas").wait_for()
    page.get_by_role("link", name="Train").click()
    back = wait_for_step_above(page, later)  # the run went on while we were away
    assert back > later > first
    page.reload()  # a new browser session finds the same run, still going
    assert wait_for_step_above(page, back) > back
    expect(page.get_by_role("button", name="Start training")).to_be_disabled()
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("Stopped.").wait_for()
    expect(page.get_by_role("button", name="Start training")).to_be_enabled()  # the page redraws once


def nice_levels(pids: list[int]) -> dict[int, int]:
    """Each live process's nice level, by pid."""
    levels = {}
    for pid in pids:
        try:
            levels[pid] = procs.nice_level(pid)
        except OSError:  # it ended while we looked
            pass
    return levels


def training_processes(server: int, seconds: float = 15) -> list[int]:
    """The server's descendants (the run, and on Linux the fork server it came from) once one of them, the run,
    trains at a lower priority than the server; fails, saying what it found, if none does within `seconds`."""
    def niced() -> bool:
        return any(level > procs.nice_level(server) for level in nice_levels(procs.descendants(server)).values())

    assert wait_until(niced, seconds, every=0.5), f"no training process: server nice {procs.nice_level(server)}, " \
                                                   f"descendants' nice levels {nice_levels(procs.descendants(server))}"
    return procs.descendants(server)


def test_a_server_killed_mid_run_restarts_with_the_run_interrupted_and_usable(page, tmp_path):
    env = {"CNN_DATA_DIR": str(FIXTURE), "CNN_RUNS_DIR": str(tmp_path / "runs")}
    with streamlit_server("app.py", env, tmp_path / "first.log") as url:
        start_training(page, url, epochs=50)
        page.wait_for_function("() => document.body.innerText.includes('test (all 10,000)')")  # an epoch saved
        server = server_pid(url)
        started = training_processes(server)
        os.kill(server, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while any(procs.alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(procs.alive(pid) for pid in started), "the run outlived its server"
    with streamlit_server("app.py", env, tmp_path / "second.log") as url:
        page.goto(f"{url}/Draw")
        page.get_by_text("Draw a digit on the black canvas").wait_for()  # the page has run: no redraw closes the list
        page.get_by_label("Model").click()  # the interrupted run is offered, and predicts
        page.get_by_role("option", name=re.compile("interrupted")).click()
        stroke(page, ONE)
        expect(page.get_by_text("Prediction: 1 (")).to_be_visible()
        page.get_by_role("link", name="Train").click()  # and it goes on from its last epoch's checkpoint
        page.get_by_text(re.compile(r"Saved runs \(1\)")).click()
        page.get_by_role("button", name="Resume this run").click()
        resumed_at = wait_for_step_above(page, 0)
        assert resumed_at >= 32  # 2,000 fixture images at batch 64: 32 steps an epoch
        assert wait_for_step_above(page, resumed_at) > resumed_at
        page.get_by_role("button", name="Stop").click()
        page.get_by_text("Stopped.").wait_for()
    assert "Traceback" not in (tmp_path / "second.log").read_text()


def test_pause_holds_a_run_step_trains_one_batch_and_resume_goes_on(server, page):
    start_training(page, server, epochs=50)
    wait_for_step_above(page, 0)
    page.get_by_role("button", name="Pause").click()
    page.get_by_text("paused").first.wait_for()
    held = progress_step(page)
    time.sleep(LIVE_EVERY + 0.5)  # a redraw of the live view: a run going on would be dozens of steps further
    assert progress_step(page) == held
    page.get_by_role("button", name="Step").click()
    assert wait_for_step_above(page, held) == held + 1
    time.sleep(LIVE_EVERY + 0.5)
    assert progress_step(page) == held + 1 and page.get_by_text("paused").count()
    page.get_by_role("button", name="Resume").click()
    assert wait_for_step_above(page, held + 1) > held + 1
    expect(page.get_by_role("button", name="Step")).to_be_disabled()
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("Stopped.").wait_for()


def test_four_sessions_draw_while_a_run_trains(server, server_home, page):
    """Four people drawing at once while a run trains: every drawing gets its prediction, the run keeps
    training, and the server raises nothing."""
    log = server_home / "server.log"
    since = len(log.read_text())
    start_training(page, server, epochs=50)  # 50 epochs of the fixture's 2,000 images outlast the drawing
    sessions = draw_concurrently(server, sessions=4, drawings=1)  # two draw a 1, two a 0
    trained_throughout = training_running(page)
    stop_training(page)
    record = ended_run_record(server_home / "runs")
    drawings = [d for session in sessions for d in session]
    assert len(drawings) == 4
    assert [d.predicted for d in drawings] == [d.drawn for d in drawings]  # each 1 reads 1, each 0 reads 0
    assert trained_throughout and record.status == "stopped" and record.metrics.steps > 0
    assert not log_problems(log, since), log.read_text()[since:]


def test_evaluate_a_click_on_a_confusion_cell_shows_its_images(server, page):
    labels = cnn.load_split(False, FIXTURE).labels.numpy()
    predicted = cnn.classify(cnn.load_model(), cnn.load_split(False, FIXTURE).images[:, 0].numpy()).argmax(1)
    right_ones = int(((labels == 1) & (predicted == 1)).sum())
    page.goto(f"{server}/Evaluate")
    cell = page.locator('[data-testid="stVegaLiteChart"] path[aria-roledescription="rect mark"]'
                        '[aria-label^="predicted digit: 1; true digit: 1;"]')
    cell.wait_for()  # evaluated once, within a few seconds
    expect(cell).to_have_attribute("aria-label", re.compile(f"test images: {right_ones};"))  # the hover text
    cell.click(position={"x": 3, "y": 3})  # beside the number
    page.get_by_text(f"{right_ones} test images: 1s predicted correctly").wait_for()
    number = page.locator('[data-testid="stVegaLiteChart"] text[aria-roledescription="text mark"]'
                          '[aria-label^="predicted digit: 0; true digit: 0;"]')
    box = number.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # on the cell's number
    page.get_by_text("test images: 0s predicted correctly").wait_for()
    for picker in ("True digit", "Predicted as"):  # the pickers follow the click
        expect(page.get_by_role("combobox", name=picker)).to_have_value("0")


def test_keep_a_drawing_and_find_it_in_my_digits(server, page):
    draw_on_draw_page(page, server, [ONE], "Prediction: 1 (")
    page.get_by_role("button", name="Right: keep as a 1").click()
    page.get_by_text(re.compile(r"Kept as a 1: \d+ in My digits")).wait_for()
    page.get_by_role("link", name="My digits").click()
    expect(page.get_by_role("tab", name=re.compile(r"^1 \([1-9]"))).to_be_visible()


def test_upload_a_photo_and_refuse_a_file_over_the_limit(server, page, tmp_path, mnist_small):
    _, test = mnist_small
    photo = tmp_path / "digit.jpg"
    photo.write_bytes(photo_of(test.images[0, 0].numpy(), np.random.default_rng(0)))
    page.goto(f"{server}/Photo")
    dropzone = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    dropzone.set_input_files(photo)
    page.get_by_text(f"Prediction: {int(test.labels[0])} (").wait_for()
    expect(page.get_by_text("Ink: clearly darker than the paper around it")).to_be_visible()
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + os.urandom(3 * 2**20))
    dropzone.set_input_files(big)
    page.get_by_text(re.compile(r"File must be 2(\.0)? ?MB or smaller")).wait_for()


def test_download_the_chosen_model_and_load_it_and_its_onnx_export(server, page, tmp_path):
    page.goto(f"{server}/Draw")
    page.get_by_role("button", name="Download", exact=True).click()
    saved = {}
    for label, name in (("Checkpoint (.pt)", "mnist_cnn.pt"), ("ONNX (.onnx)", "mnist_cnn.onnx")):
        with page.expect_download() as download:
            page.get_by_role("button", name=label).click()
        assert download.value.suggested_filename == name
        saved[name] = tmp_path / name
        download.value.save_as(saved[name])
    assert saved["mnist_cnn.pt"].read_bytes() == cnn.BUNDLED_MODEL.read_bytes()
    images = np.random.default_rng(0).random((3, 1, 28, 28), dtype=np.float32)
    (probs,) = onnxruntime.InferenceSession(saved["mnist_cnn.onnx"]).run(None, {"image": images})
    np.testing.assert_allclose(probs, cnn.classify(cnn.load_model(saved["mnist_cnn.pt"]), images[:, 0]), atol=1e-4)


def test_upload_a_model_and_draw_uses_it(server, page):
    page.goto(f"{server}/Draw")
    page.get_by_role("button", name="Upload", exact=True).click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(cnn.BUNDLED_MODEL)  # 6.6 MB
    page.get_by_text(re.compile(r"Added as the run uploaded-mnist_cnn-\d{8}-\d{6}, chosen above")).wait_for()
    page.keyboard.press("Escape")  # the menu closed
    expect(page.get_by_role("combobox", name="Model")).to_have_value(re.compile(r"^uploaded-mnist_cnn-"))
    stroke(page, ONE)
    page.get_by_text("Prediction: 1 (").wait_for()


def test_compare_two_models_on_the_same_drawing(server, page):
    draw_on_draw_page(page, server, [ZERO], "Prediction: 0 (")
    page.get_by_text("Compare with a second model").click()
    page.get_by_label("Second model", exact=True).click()
    page.get_by_role("option", name=re.compile("Bundled model")).click()
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(3)  # the answer's bars, then two
    expect(page.locator("p", has_text=re.compile(r"^Prediction: 0 \("))).to_have_count(2)  # one per model


def test_a_click_on_a_feature_map_works_out_that_value_and_play_slides_the_kernel(server, page):
    draw_on_draw_page(page, server, [ZERO], "Prediction: 0 (")
    page.get_by_role("tab", name="One number, computed").click()
    section = page.get_by_role("tabpanel", name="One number, computed")
    section.get_by_text("The network's own value here").wait_for()
    cell = section.locator('path[aria-roledescription="rect mark"][aria-label^="col: 20; row: 3;"]')
    cell.click()
    section.get_by_text("channel 10, at (3, 20)").wait_for()  # the bundled model's conv1 fires most on 10
    for name, value in (("Row", "3"), ("Column", "20")):  # the sliders follow the click
        expect(section.get_by_role("slider", name=name)).to_have_value(value)
    section.get_by_role("button", name="Play").click()
    window = section.locator("svg#slide1 g.rows")
    window.first.wait_for()
    at = [window.first.evaluate("g => getComputedStyle(g).transform")]
    time.sleep(1.5)  # 50 positions a second: the window moves down a row every 0.56 s
    at.append(window.first.evaluate("g => getComputedStyle(g).transform"))
    assert at[0] != at[1], at


def test_a_shared_train_link_opens_with_its_settings_and_the_address_follows_changes(server, page):
    page.goto(f"{server}/Train?preset=tutorial&lr=0.05&batch=100&net=16,32&kernel=3&dense=128&bn=1")
    page.get_by_text("Network: custom").wait_for()
    assert "conv 16, 32 · 3×3 · dense 128" in page.get_by_text("Network: custom").inner_text()
    expect(page.get_by_role("radio", name="tutorial")).to_be_checked()
    page.get_by_text("Advanced").click()
    expect(page.get_by_role("spinbutton", name="Learning rate (peak)")).to_have_value("0.0500")
    page.get_by_label("Epochs").fill("3")
    page.get_by_label("Epochs").press("Enter")
    page.wait_for_url(re.compile(r"epochs=3"))
    assert "net=16%2C32" in page.url or "net=16,32" in page.url


def test_a_shared_comparison_link_opens_with_its_runs_and_axis(server, server_home, page):
    write_fake_run(server_home / "runs", "fast-20260101-000000")
    write_fake_run(server_home / "runs", "small-20260101-000000",
                   network=cnn.ModelConfig(channels=(8, 16), kernel_size=3, dense=0))
    page.goto(f"{server}/Compare?runs=small-20260101-000000,fast-20260101-000000&x=seconds")
    loss = page.locator('svg[aria-label="Training loss"]')
    loss.wait_for()
    text = loss.text_content()
    assert "small-20260101-000000" in text and "fast-20260101-000000" in text
    assert "training seconds" in text
    expect(page.get_by_role("radio", name="seconds")).to_be_checked()
    expect(page.get_by_text("conv 8, 16 · 3×3 · no dense layer")).to_be_visible()  # the settings table
