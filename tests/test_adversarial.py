"""Make it say N: the change stays within its bound, and it fools the model far more often than
random noise of the same size does."""
import numpy as np
import pytest

import cnn
from cnn.adversarial import make_it_say

N = 20  # fixture test digits


@pytest.fixture(scope="module")
def digits(mnist_small) -> np.ndarray:
    return mnist_small[1].images[:N, 0].numpy()  # (N, 28, 28) in [0, 1]


def runner_up(model, image) -> int:
    return int(np.argsort(cnn.classify(model, image))[-2])


@pytest.mark.parametrize("bound", [0.05, 0.2, 0.3])
def test_the_change_stays_within_the_bound_and_the_image_in_range(bundled_model, digits, bound):
    for image in digits[:5]:
        fooled = make_it_say(bundled_model, image, runner_up(bundled_model, image), bound)
        assert np.abs(fooled.change).max() <= bound + 1e-6
        assert fooled.changed.min() >= 0 and fooled.changed.max() <= 1
        np.testing.assert_allclose(fooled.original + fooled.change, fooled.changed, atol=1e-6)
        np.testing.assert_allclose(fooled.probs_before, cnn.classify(bundled_model, image), atol=1e-5)


def test_a_success_is_the_models_own_answer_and_most_succeed_far_more_than_random_noise(bundled_model, digits):
    rng = np.random.default_rng(0)
    fooled, noisy = 0, 0
    for image in digits:
        target = runner_up(bundled_model, image)
        result = make_it_say(bundled_model, image, target, 0.3)
        assert result.succeeded == (int(cnn.classify(bundled_model, result.changed).argmax()) == target)
        fooled += result.succeeded
        # The reference: a random-sign change as large as the bound allows.
        noise = np.clip(image + 0.3 * rng.choice([-1.0, 1.0], size=image.shape), 0, 1).astype(np.float32)
        noisy += int(cnn.classify(bundled_model, noise).argmax()) == target
    assert fooled >= 0.8 * N  # measured: 20 of 20
    assert noisy <= 0.2 * N  # measured: 0 of 20


def test_bound_zero_changes_nothing(bundled_model, digits):
    fooled = make_it_say(bundled_model, digits[0], runner_up(bundled_model, digits[0]), 0.0)
    assert not fooled.change.any() and not fooled.succeeded
    np.testing.assert_array_equal(fooled.changed, digits[0])


def test_a_model_in_training_mode_raises(digits):
    model = cnn.load_model().train()
    with pytest.raises(ValueError, match="training mode"):
        make_it_say(model, digits[0], 3, 0.2)
