"""cnn.photo: photos of digits on unevenly lit paper, and uploads that are not photos at all."""
import io

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

import cnn
from cnn.photo import MAX_BYTES, PhotoError, photo_to_ink, read_photo
from support.photos import photo_of, read_right


@pytest.fixture(scope="module")
def photos(mnist_small):
    _, test = mnist_small
    rng = np.random.default_rng(1)
    return [photo_of(d, rng) for d in test.images[:60, 0].numpy()], test.labels[:60].numpy()


def encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def test_photos_lit_unevenly_are_read_once_the_light_is_taken_out(bundled_model, photos):
    assert read_right(bundled_model, *photos, lighting=True) >= 0.95  # 100% of 300 in bench/photos.py
    assert read_right(bundled_model, *photos, lighting=False) <= 0.6  # the greyscale as it is: 36% there


def test_the_ink_is_where_the_paper_is_darker_and_the_shadow_is_not_ink(photos):
    steps = photo_to_ink(read_photo(photos[0][0]))
    assert steps.grey.shape == steps.paper.shape == steps.ink.shape and max(steps.grey.shape) <= 512
    assert steps.ink.max() == 1.0 and (steps.ink > 0.5).mean() < 0.1  # a digit's strokes, not the page
    shadow = steps.grey < np.percentile(steps.grey, 30)  # the darkest paper: shadow, plus the strokes
    assert (steps.ink[shadow] > 0.5).mean() < 0.5


def test_a_photo_is_turned_upright_by_its_exif_orientation():
    picture = Image.new("L", (40, 20), 255)
    exif = picture.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", exif=exif)
    assert read_photo(buffer.getvalue()).shape == (40, 20)


@pytest.mark.parametrize("data, message", [
    (b"just some text, not an image", "not a PNG or JPEG image"),
    (encoded(Image.new("L", (10, 10)), "GIF"), "This is a GIF image"),
    (encoded(Image.new("L", (200, 200), 200), "JPEG")[:300], "damaged"),
    (b"\x89PNG" + bytes(MAX_BYTES), "photos up to 2 MB"),
    (encoded(Image.new("1", (10_000, 8_000)), "PNG"), "decompression bomb"),  # 80 megapixels in a few KB
])
def test_what_is_not_a_usable_photo_gets_a_clear_message(data, message):
    with pytest.raises(PhotoError, match=message):
        read_photo(data)


@pytest.mark.parametrize("seed", range(5))
def test_sparse_ink_is_found_two_thin_ones_in_a_wide_photo(seed):
    ink = np.zeros((280, 700), np.float32)  # "1 1" on the number canvas: 1.3% ink, about 0.3% of the photo
    ink[60:220, 200:208] = ink[60:220, 480:488] = 1
    found = photo_to_ink(read_photo(photo_of(ink, np.random.default_rng(seed), size=(640, 480)))).ink
    assert ndimage.label(found.max(0) > 0.5)[1] == 2  # two runs of inked columns: both strokes, nothing else


def test_blank_paper_has_no_ink():
    grey = np.full((300, 400), 0.8, np.float32) * np.linspace(0.6, 1.0, 400)[None, :]  # lit from one side
    with pytest.raises(PhotoError, match="No ink found"):
        photo_to_ink(grey + np.random.default_rng(0).normal(0, 0.01, grey.shape).astype(np.float32))


def test_the_ink_goes_through_the_usual_preparation(bundled_model, photos):
    ink = photo_to_ink(read_photo(photos[0][0])).ink
    assert cnn.classify(bundled_model, cnn.canvas_to_mnist(ink)).argmax() == photos[1][0]
