"""Whole numbers on the pages, in AppTest: Draw's number mode and a photo of a number."""
import re

import numpy as np
import pytest

import cnn
from support.apptest import texts
from support.numbers import number_set
from support.photos import photo_of


@pytest.fixture(scope="module")
def numbers(mnist_small):
    """Numbers of 2 to 6 fixture *test* digits with clear gaps, as support.numbers writes them."""
    _, test = mnist_small
    return number_set(test.images[:, 0].numpy(), test.labels.numpy(), n=20, touching=False, seed=3)


def write_number(app, canvas: np.ndarray | None) -> str:
    """Switch Draw to its number mode, as if `canvas` (280, 700, 4) had been written; what the page says."""
    app.switch_page("pages/2_Draw.py").run()
    app.segmented_control(key="draw_mode").set_value("A number").run()
    if canvas is not None:
        app.session_state["number_image"] = canvas
        app.run()
    assert not app.exception
    return texts(app)


def pictures(app) -> tuple[str, str]:
    """The drawing with its boxes (SVG) and the row of digits as the model saw them (HTML)."""
    markdown = [m.value for m in app.markdown]
    return (next(m for m in markdown if m.startswith("<svg")),
            next(m for m in markdown if "as the model saw it" in m))


def test_a_number_written_is_read_each_digit_boxed_and_shown_as_the_model_saw_it(app, numbers, bundled_model):
    number = next(n for n in numbers
                  if len(n.digits) >= 4 and cnn.read_number(n.canvas, bundled_model).digits == n.digits)
    said = write_number(app, number.canvas)
    assert f"Number: {''.join(map(str, number.digits))}" in said
    boxes, row = pictures(app)
    assert boxes.count("<rect") == len(number.digits)
    labels = re.findall(r">(\d) · (\d+)%", boxes)  # each box says its digit and confidence
    assert [int(d) for d, _ in labels] == number.digits
    assert row.count("<img") == len(number.digits)


def with_a_block(canvas: np.ndarray, reading: cnn.Reading) -> np.ndarray:
    """The canvas with a solid block of ink after the number: ink, but no digit."""
    right = reading.boxes[-1][3]
    canvas = canvas.copy()
    canvas[100:190, right + 60 : right + 120, :3] = 255
    return canvas


def test_a_mark_that_is_no_digit_is_read_but_marked_not_sure(app, numbers, bundled_model):
    # (which marks the reader doubts is tests/test_numbers.py's business; here: that the page says so)
    readings = ((n, cnn.read_number(n.canvas, bundled_model)) for n in numbers)
    canvas = next(with_a_block(n.canvas, r) for n, r in readings if r.digits == n.digits and r.boxes[-1][3] < 560)
    reading = cnn.read_number(canvas, bundled_model)
    assert reading.why[-1], "the block should be doubted"
    said = write_number(app, canvas)
    assert "Not sure" in said and reading.why[-1] in said
    boxes, row = pictures(app)
    assert boxes.count("stroke-dasharray") == sum(map(bool, reading.why))
    assert row.count("not sure") == sum(map(bool, reading.why))


def test_the_number_mode_asks_for_a_number_until_one_is_written(app):
    assert "Write a number of 1 to 8 digits" in write_number(app, None)
    blank = np.zeros((280, 700, 4), np.uint8)
    blank[..., 3] = 255
    assert "Write a number of 1 to 8 digits" in write_number(app, blank)


def test_a_photo_of_a_number_is_read_as_a_number(app, numbers, bundled_model):
    from cnn.photo import photo_to_ink, read_photo

    photos = ((n, photo_of(n.canvas[..., 0] / 255, np.random.default_rng(i))) for i, n in enumerate(numbers))
    number, photo = next((n, p) for n, p in photos if len(n.digits) >= 3 and
                         cnn.read_number(photo_to_ink(read_photo(p)).ink, bundled_model).digits == n.digits)
    app.switch_page("pages/5_Photo.py").run()
    app.file_uploader(key="photo_upload").set_value(("number.jpg", photo, "image/jpeg")).run()
    assert not app.exception
    said = texts(app)
    assert f"Number: {''.join(map(str, number.digits))}" in said
    assert pictures(app)[0].count("<rect") == len(number.digits)
