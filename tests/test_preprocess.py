import numpy as np
import pytest
from PIL import Image

from cnn.preprocess import EmptyDrawingError, canvas_to_mnist, prepare
from support.samples import stroke_canvas


def centre_of_mass(img):
    rows, cols = np.indices(img.shape)
    return (rows * img).sum() / img.sum(), (cols * img).sum() / img.sum()


def ink_box(img):
    rows, cols = np.flatnonzero(img.max(1) > 0), np.flatnonzero(img.max(0) > 0)
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def white_on_black(ink):
    return np.dstack([(ink * 255).round().astype(np.uint8)] * 3)


def black_on_white(ink):
    return 255 - white_on_black(ink)


def on_transparent(ink):
    rgb = np.full(ink.shape + (3,), (30, 60, 200), np.uint8)  # the brush colour does not matter
    return np.dstack([rgb, (ink * 255).round().astype(np.uint8)])


def test_small_digit_in_a_corner_comes_out_centred_at_20_pixels():
    canvas = stroke_canvas(box=(5, 5, 65, 45), width=6)  # 60 px tall, top-left corner
    steps = prepare(white_on_black(canvas))
    out = steps.image
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0
    assert max(steps.box.shape) == 20 and max(ink_box(out)) in (20, 21)  # 21: sub-pixel shift
    np.testing.assert_allclose(centre_of_mass(out), (14.0, 14.0), atol=1e-3)


def test_solid_rectangle_becomes_a_20_by_12_block_with_its_centre_of_mass_on_14():
    ink = np.zeros((280, 280), np.float32)
    ink[100:200, 50:110] = 1.0  # 100 x 60 keeps the ratio 20 x 12 exactly
    steps = prepare(white_on_black(ink))
    assert steps.box.shape == (20, 12) and np.allclose(steps.box, 1.0)  # a solid block stays solid
    out = steps.image
    np.testing.assert_allclose(out.sum(), 240.0, rtol=1e-4)  # moved, not rescaled: all ink kept
    np.testing.assert_allclose(centre_of_mass(out), (14.0, 14.0), atol=1e-3)
    assert ink_box(out) == (21, 13)  # the half-pixel shift spreads each edge over two pixels


@pytest.mark.parametrize("convention", [black_on_white, on_transparent, lambda ink: ink,
                                        lambda ink: white_on_black(ink)[..., 0]])
def test_colour_conventions_agree(convention):
    ink = stroke_canvas(box=(60, 80, 230, 200), width=18)
    soft = Image.fromarray(ink, mode="F").resize((140, 140), Image.BILINEAR).resize((280, 280), Image.BILINEAR)
    ink = np.clip(np.asarray(soft), 0, 1)  # anti-aliased edges, as a canvas draws them
    expected = canvas_to_mnist(white_on_black(ink))
    np.testing.assert_allclose(canvas_to_mnist(convention(ink)), expected, atol=2e-3)


@pytest.mark.parametrize("blank", [
    np.zeros((280, 280, 4), np.uint8),  # fully transparent
    np.full((280, 280, 4), 255, np.uint8),  # opaque white
    np.zeros((280, 280, 3), np.uint8),  # black
    np.full((50, 80), 0.5, np.float32),  # uniform grey
])
def test_blank_canvas_raises(blank):
    with pytest.raises(EmptyDrawingError):
        canvas_to_mnist(blank)
    assert issubclass(EmptyDrawingError, ValueError)


@pytest.mark.parametrize("shape", [(28,), (10, 10, 2), (1, 280, 3), (4, 4, 5)])
def test_malformed_arrays_are_refused(shape):
    with pytest.raises(ValueError, match="image"):
        canvas_to_mnist(np.ones(shape, np.uint8))


@pytest.mark.parametrize("side", [64, 140, 560, 1000])
@pytest.mark.parametrize("extra_width", [0, 300])
def test_any_canvas_size_gives_the_same_digit(side, extra_width):
    ink = stroke_canvas(box=(40, 40, 240, 240), width=20)
    reference = canvas_to_mnist(white_on_black(ink))
    resized = np.clip(np.asarray(Image.fromarray(ink, mode="F").resize((side, side), Image.BILINEAR)), 0, 1)
    canvas = np.pad(resized, ((0, 0), (0, extra_width)))  # a wide canvas: more room, same drawing
    out = canvas_to_mnist(white_on_black(canvas))
    assert np.abs(out - reference).mean() < 0.03
    assert np.corrcoef(out.ravel(), reference.ravel())[0, 1] > 0.95


def test_mnist_digits_drawn_large_anywhere_come_back_as_themselves(mnist_small):
    """MNIST digits are already prepared; enlarged and moved they must survive the round trip."""
    _, test = mnist_small
    rng = np.random.default_rng(0)
    for digit in test.images[:20, 0].numpy():
        scale = rng.integers(4, 9)
        big = np.asarray(Image.fromarray(digit, mode="F").resize((28 * scale,) * 2, Image.BILINEAR))
        canvas = np.zeros((280, 280), np.float32)
        top, left = rng.integers(0, 280 - 28 * scale + 1, size=2)
        canvas[top : top + big.shape[0], left : left + big.shape[1]] = np.clip(big, 0, 1)
        out = canvas_to_mnist(white_on_black(canvas))
        assert np.corrcoef(out.ravel(), digit.ravel())[0, 1] > 0.85


def test_intermediate_steps_are_exposed():
    ink = stroke_canvas(box=(40, 60, 240, 180), width=20)
    steps = prepare(white_on_black(ink))
    assert steps.ink.shape == (280, 280)
    assert steps.crop.shape == (200, 120)  # rows 40-239, cols 60-179
    assert max(steps.box.shape) == 20
    np.testing.assert_array_equal(steps.image, canvas_to_mnist(white_on_black(ink)))
