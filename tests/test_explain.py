"""cnn.explain: saliency that points at the ink the model relies on, and the preparation steps."""
import numpy as np
import pytest
import torch
from PIL import Image

import cnn
from cnn.explain import preparation_steps, saliency
from cnn.preprocess import resize
from support import drawn_digits


@pytest.fixture(scope="module")
def digits(mnist_small):
    """(images (50, 28, 28), labels (50,)) of fixture test digits."""
    _, test = mnist_small
    return test.images[:50, 0].numpy(), test.labels[:50].numpy()


def logits(model, image) -> np.ndarray:
    with torch.inference_mode():
        return model(torch.as_tensor(image).reshape(1, 1, 28, 28))[0].numpy()


def test_saliency_is_a_28x28_map_scaled_to_one_and_blank_where_there_is_no_ink(bundled_model, digits):
    image = digits[0][0]
    s = saliency(bundled_model, image, int(digits[1][0]))
    assert s.shape == (28, 28) and s.dtype == np.float32
    assert np.abs(s).max() == pytest.approx(1.0)
    assert np.all(s[image == 0] == 0)


def test_why_a_and_not_b_is_the_opposite_of_why_b_and_not_a(bundled_model, digits):
    image = digits[0][0]
    np.testing.assert_allclose(saliency(bundled_model, image, 3, versus=7),
                               -saliency(bundled_model, image, 7, versus=3), atol=1e-6)


def test_the_contrast_with_the_runner_up_favours_the_model_answer(bundled_model, digits):
    """Gradient x input sums (nearly) to the logit difference in a ReLU network, so a digit the
    model prefers must come out net red against the runner-up."""
    favoured = 0
    for image in digits[0]:
        ranked = np.argsort(logits(bundled_model, image))
        favoured += saliency(bundled_model, image, int(ranked[-1]), versus=int(ranked[-2])).sum() > 0
    assert favoured >= 48  # 200 of 200 in bench/bench_saliency.py


def case_for(model, image, digit) -> float:
    z = logits(model, image)
    return float(z[digit] - z.mean())


def test_deleting_the_ink_saliency_ranks_highest_hurts_more_than_deleting_random_ink(bundled_model, digits):
    rng = np.random.default_rng(0)
    ranked_drops, random_drops = [], []
    for image, label in zip(*digits):
        ink = np.flatnonzero(image.ravel() > 0.1)
        k = len(ink) // 5
        before = case_for(bundled_model, image, label)
        top = ink[np.argsort(-saliency(bundled_model, image, int(label)).ravel()[ink])[:k]]
        for chosen, drops in ((top, ranked_drops), (rng.choice(ink, k, replace=False), random_drops)):
            cut = image.copy().ravel()
            cut[chosen] = 0
            drops.append(before - case_for(bundled_model, cut.reshape(28, 28), label))
    assert np.mean(ranked_drops) > 1.3 * np.mean(random_drops)  # 1.86x in bench/bench_saliency.py


def test_saliency_refuses_a_model_in_training_mode(digits):
    with pytest.raises(ValueError, match="training mode"):
        saliency(cnn.Net().train(), digits[0][0], 3)


def test_the_steps_go_from_the_canvas_to_the_model_input(bundled_model):
    canvas = drawn_digits.drawn_set(np.stack([np.eye(28, dtype=np.float32)]), seed=0)[0][0]
    prepared = cnn.prepare(canvas)
    steps = preparation_steps(prepared)
    assert [s.name for s in steps] == ["Your drawing", "Cropped to the ink", "Scaled to fit 20×20",
                                       "Centred by mass in 28×28", "Naive: the whole canvas resized to 28×28"]
    assert steps[0].model_input is None and steps[0].picture.shape == (280, 280)
    assert all(s.model_input.shape == (28, 28) for s in steps[1:])
    assert max(steps[2].picture.shape) == 20
    np.testing.assert_array_equal(steps[3].model_input, prepared.image)
    np.testing.assert_allclose(steps[4].model_input, resize(prepared.ink, 28, 28))
    rows, cols = np.nonzero(steps[2].model_input)  # the 20x20 box sits in the middle of the field
    assert abs((rows.min() + rows.max()) / 2 - 13.5) <= 1 and abs((cols.min() + cols.max()) / 2 - 13.5) <= 1


def small_in_a_corner(canvas: np.ndarray) -> np.ndarray:
    """The drawing shrunk to a quarter of the canvas's side, in its top-left corner."""
    small = np.asarray(Image.fromarray(canvas).resize((70, 70), Image.Resampling.BILINEAR))
    out = np.zeros_like(canvas)
    out[..., 3] = 255
    out[10:80, 10:80] = small
    return out


def test_a_small_drawing_in_a_corner_is_read_once_prepared_but_not_resized_whole(bundled_model, digits):
    canvases, _ = drawn_digits.drawn_set(digits[0][:30], seed=4)
    prepared, naive = [], []
    for canvas in map(small_in_a_corner, canvases):
        steps = {s.name: s.model_input for s in preparation_steps(cnn.prepare(canvas))}
        prepared.append(steps["Centred by mass in 28×28"])
        naive.append(steps["Naive: the whole canvas resized to 28×28"])
    labels = digits[1][:30]
    assert (cnn.classify(bundled_model, np.stack(prepared)).argmax(1) == labels).mean() >= 0.9
    assert (cnn.classify(bundled_model, np.stack(naive)).argmax(1) == labels).mean() <= 0.5
