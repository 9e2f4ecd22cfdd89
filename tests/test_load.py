"""Four people drawing at once while a run trains: every drawing gets its prediction, the run
keeps training, and the server raises nothing."""
from playwright.sync_api import sync_playwright

from support.browser import (
    CHROMIUM_FLAGS,
    VIEWPORT,
    chromium_or_skip,
    draw_concurrently,
    ended_run_record,
    log_problems,
    start_training,
    stop_training,
    streamlit_server,
    training_running,
)
from support.samples import FIXTURE


def test_four_sessions_draw_while_a_run_trains(tmp_path):
    chromium = chromium_or_skip()
    log, runs = tmp_path / "server.log", tmp_path / "runs"
    with streamlit_server("app.py", {"CNN_DATA_DIR": str(FIXTURE), "CNN_RUNS_DIR": str(runs)}, log) as url, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        train_page = browser.new_page(viewport=VIEWPORT)
        train_page.set_default_timeout(60_000)
        start_training(train_page, url, epochs=50)  # 50 epochs of the fixture's 2,000 images outlast the drawing
        sessions = draw_concurrently(url, sessions=4, drawings=1)  # two draw a 1, two a 0
        trained_throughout = training_running(train_page)
        stop_training(train_page)
        record = ended_run_record(runs)
        browser.close()
    drawings = [d for session in sessions for d in session]
    assert len(drawings) == 4
    assert [d.predicted for d in drawings] == [d.drawn for d in drawings]  # each 1 reads 1, each 0 reads 0
    assert trained_throughout and record.status == "stopped" and record.metrics.steps > 0
    assert not log_problems(log), log.read_text()
