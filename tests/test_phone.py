"""The app on phones: Playwright's Pixel 5 and iPhone 13 profiles in real Chromium, drawing by touch.

The server has six finished runs or more, a few kept drawings and a photo, so every page shows what it
shows at its fullest (Compare's widest table, Train's saved runs, Evaluate's matrix)."""
import math
import re

import numpy as np
import pytest
from playwright.sync_api import expect

import cnn
from cnn.my_digits import MyDigits
from support.browser import DIGIT_STROKES, page_in_new_context, sticking_out, swipe, touch_stroke
from support.fake_runs import write_fake_run
from support.photos import photo_of
from support.samples import FIXTURE
from support.waiting import wait_until

PHONES = ("Pixel 5", "iPhone 13")  # 393 x 727 and 390 x 664 CSS px
NARROWEST = "iPhone 13"  # what does not depend on the height is checked on the narrower one only
FAKE_RUNS = [f"fast-2026010{i}-000000" for i in range(1, 7)]  # six: Compare's most, its widest table
SCROLLED = "() => document.querySelector('[data-testid=stMain]').scrollTop"  # Streamlit scrolls its main area
TEN = [[(60, 50 + 9 * i) for i in range(21)],  # a 1, then a 0 beside it, on the 700 x 280 number canvas
       [(200 + 55 * math.sin(t / 20 * 2 * math.pi), 140 - 90 * math.cos(t / 20 * 2 * math.pi)) for t in range(22)]]


@pytest.fixture(scope="module")
def phone_server(server, server_home, tmp_path_factory):
    """(the browser tests' server, a photo), with six finished runs and four kept drawings added."""
    runs = server_home / "runs"
    for name in FAKE_RUNS:
        write_fake_run(runs, name)
    test = cnn.load_split(False, FIXTURE)
    kept = MyDigits(runs)
    for i in range(4):
        kept.add(test.images[i, 0].numpy(), int(test.labels[i]))
    photo = tmp_path_factory.mktemp("phones") / "digit.jpg"
    photo.write_bytes(photo_of(test.images[0, 0].numpy(), np.random.default_rng(0)))
    return server, photo


@pytest.fixture
def phone(request, browser, playwright):
    with page_in_new_context(browser, **playwright.devices[request.param]) as page:
        yield page


def bottom(box: dict) -> float:
    return box["y"] + box["height"]


@pytest.mark.parametrize("phone", PHONES, indirect=True)
def test_draw_by_touch_with_the_canvas_on_the_first_screen_and_the_answer_under_it(phone_server, phone):
    url, _ = phone_server
    phone.goto(f"{url}/Draw")
    canvas = phone.locator("canvas.upper-canvas")
    canvas.wait_for()
    width, height = phone.viewport_size["width"], phone.viewport_size["height"]
    box = canvas.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width and bottom(box) <= height, box

    touch_stroke(phone, DIGIT_STROKES[1])
    expect(phone.get_by_text("Prediction: 1")).to_be_visible()
    assert phone.evaluate(SCROLLED) == 0, "a stroke on the canvas must draw, not scroll the page"
    title = phone.get_by_role("heading", name="Draw a digit").bounding_box()
    swipe(phone, [(title["x"] + 20, title["y"] + 20 - 6 * i) for i in range(20)])  # the same swipe off the canvas
    phone.wait_for_timeout(500)
    assert phone.evaluate(SCROLLED) > 0, "off the canvas, a swipe scrolls the page"

    # With the canvas's top just under Streamlit's toolbar, the answer and its bars fit under it
    toolbar = phone.locator("[data-testid=stHeader]").bounding_box()
    phone.evaluate(f"() => document.querySelector('[data-testid=stMain]').scrollBy(0, "
                   f"{canvas.bounding_box()['y'] - bottom(toolbar)})")
    phone.wait_for_timeout(300)
    answer = phone.get_by_text("Prediction: 1").bounding_box()
    bars = phone.locator("[data-testid=stVegaLiteChart]").first.bounding_box()
    assert bottom(canvas.bounding_box()) <= answer["y"] < bars["y"] and bottom(bars) <= height, (answer, bars)
    assert phone.get_by_text("The model's input").bounding_box()["y"] > bottom(bars)  # then the rest
    assert not sticking_out(phone)


@pytest.mark.parametrize("phone", [NARROWEST], indirect=True)
def test_write_a_number_by_touch(phone_server, phone):
    url, _ = phone_server
    phone.goto(f"{url}/Draw")
    phone.get_by_text("A number").click()
    expect(phone.get_by_role("heading", name="Write a number")).to_be_visible()
    canvas = phone.locator("canvas.upper-canvas")
    # the heading can come before the wide canvas has replaced the square one
    assert wait_until(lambda: (box := canvas.bounding_box()) and box["width"] > 2 * box["height"], 30)
    box = canvas.bounding_box()
    assert box["x"] + box["width"] <= phone.viewport_size["width"], "the whole wide canvas is on screen, smaller"
    for points in TEN:
        touch_stroke(phone, points, canvas_width=700)
    expect(phone.get_by_text("Number: 10")).to_be_visible()
    assert not sticking_out(phone), "the wide canvas and the boxed drawing fit the phone"


def _open_train(page, photo):
    page.get_by_text("Advanced").click()
    page.get_by_text(re.compile(r"Saved runs \(\d+\)")).click()
    page.locator('svg[aria-label="Accuracy"]').wait_for()


def _wait_for_the_matrix(page, photo):
    page.locator('[data-testid="stVegaLiteChart"] path[aria-roledescription="rect mark"]').first.wait_for()


def _open_photo(page, photo):
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(photo)
    page.get_by_text("What the model sees").wait_for()


# Each page: its address, what shows once its content is there, and what to open first.
PHONE_PAGES = {
    "Home": ("/", "Lay runs side by side", None),
    "Train": ("/Train", "Preset", _open_train),
    "Evaluate": ("/Evaluate", "Inside the network", _wait_for_the_matrix),
    "My digits": ("/My_digits", "Fine-tune on my digits", None),
    "Photo": ("/Photo", "Classify a photo", _open_photo),
    "Compare": (f"/Compare?runs={','.join(FAKE_RUNS)}", "Rows in bold differ", None),
}


@pytest.mark.parametrize("phone", [NARROWEST], indirect=True)
def test_every_other_page_fits_a_phones_width(phone_server, phone):
    url, photo = phone_server
    finished = phone.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    problems = []
    for name, (path, shown, open_up) in PHONE_PAGES.items():
        phone.goto(url + path)
        phone.get_by_text(shown).first.wait_for()
        if open_up:
            open_up(phone, photo)
        finished.wait_for()
        if found := sticking_out(phone):
            problems.append(f"{name}: {len(found)} past {phone.viewport_size['width']} px: {'; '.join(found[:4])}")
    assert not problems, "\n".join(problems)
