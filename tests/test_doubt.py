"""The "not sure" flag: dots, blobs and scribbles are doubted, ordinary drawings are not."""
import numpy as np
import pytest

import cnn
from cnn.doubt import CHUNK, COPIES, steady_probs
from support import drawn_digits


def ink_canvas(paint) -> np.ndarray:
    ink = np.zeros((280, 280), np.float32)
    paint(ink)
    return ink


def dot(ink):
    ink[130:148, 130:148] = 1


def blob(ink):
    ink[5:275, 5:275] = 1


def bar(width):
    def paint(ink):
        ink[40:240, 140 - width // 2 : 140 + (width + 1) // 2] = 1
    return paint


@pytest.mark.parametrize("paint", [dot, blob], ids=["dot", "blob"])
def test_a_dot_or_a_blob_is_doubted_for_its_density(bundled_model, paint):
    reason = cnn.doubt_about(bundled_model, cnn.canvas_to_mnist(ink_canvas(paint)))
    assert reason and "fills its box" in reason


@pytest.mark.parametrize("width", [1, 6, 40])
def test_a_one_drawn_with_the_thinnest_or_thickest_brush_is_read_and_trusted(bundled_model, width):
    image = cnn.canvas_to_mnist(ink_canvas(bar(width)))
    assert cnn.classify(bundled_model, image).argmax() == 1
    assert cnn.doubt_about(bundled_model, image) is None


def test_most_scribbles_are_doubted_and_few_drawn_digits_are(bundled_model, mnist_small):
    scribbles = drawn_digits.scribbles(40, seed=3)
    digits, _ = drawn_digits.drawn_set(mnist_small[1].images[:100, 0].numpy(), seed=3)
    assert drawn_digits.doubted(bundled_model, scribbles).mean() >= 0.6  # 79% of 100 in the README's run
    assert drawn_digits.doubted(bundled_model, digits).mean() <= 0.1  # 4.0% of 400 there


def test_the_assessment_is_deterministic(bundled_model):
    image = cnn.canvas_to_mnist(ink_canvas(bar(20)))
    assert cnn.assess(bundled_model, image, 1) == cnn.assess(bundled_model, image, 1)


def test_steady_probabilities_change_every_input_alike_whatever_else_is_in_the_batch(bundled_model, mnist_small):
    images = mnist_small[1].images[:100, 0].numpy()  # 1,600 copies: more than one CHUNK through the model
    assert len(images) * COPIES > CHUNK
    together = steady_probs(bundled_model, images)
    one_by_one = np.concatenate([steady_probs(bundled_model, image) for image in images[[0, 41, 99]]])
    np.testing.assert_allclose(together[[0, 41, 99]], one_by_one, atol=1e-5)
    np.testing.assert_allclose(together.sum(1), 1, atol=1e-5)
    assert not np.allclose(together, cnn.classify(bundled_model, images), atol=1e-3)  # copies, not one look


def test_the_doubt_check_reads_the_same_copies(bundled_model, mnist_small):
    """A digit of a number (read over its copies) and the same drawing on the Draw page get the same doubt."""
    image = mnist_small[1].images[7, 0].numpy()
    steady = steady_probs(bundled_model, image)[0]
    for digit in (int(steady.argmax()), 3):
        assert cnn.assess(bundled_model, image, digit).steadiness == pytest.approx(float(steady[digit]), abs=1e-6)
