import numpy as np
import pytest
import torch

import cnn
from cnn.train import evaluate
from support import drawn_digits


@pytest.fixture(scope="module")
def random_model():
    torch.manual_seed(0)
    return cnn.Net().eval()


def test_classify_one_image_and_a_batch(random_model):
    images = np.random.default_rng(0).random((5, 28, 28), dtype=np.float32)
    one, batch = cnn.classify(random_model, images[0]), cnn.classify(random_model, images)
    assert one.shape == (10,) and batch.shape == (5, 10)
    np.testing.assert_allclose(batch.sum(1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(one, batch[0], rtol=1e-4, atol=1e-6)


def test_classify_normalises_inside(random_model):
    # The model standardises its [0, 1] input: the probabilities must match a manual reference.
    x = torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        reference = torch.softmax(random_model(x), 1).numpy()
    np.testing.assert_allclose(cnn.classify(random_model, x[:, 0].numpy()), reference, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(28,), (27, 28), (2, 1, 28, 28), (3, 28, 29)])
def test_classify_refuses_other_shapes(random_model, shape):
    with pytest.raises(ValueError, match="28, 28"):
        cnn.classify(random_model, np.zeros(shape, np.float32))


def test_classify_refuses_a_model_in_training_mode():
    with pytest.raises(ValueError, match="eval"):
        cnn.classify(cnn.Net().train(), np.zeros((28, 28), np.float32))


def test_analyze_gives_the_probabilities_and_every_layer_in_one_forward_pass(random_model):
    image = np.random.default_rng(1).random((28, 28), dtype=np.float32)
    analysis = cnn.analyze(random_model, image)
    maps = {name: analysis.maps[name] for name in cnn.SPATIAL_LAYERS}
    assert {k: v.shape for k, v in maps.items()} == {
        "conv1": (32, 28, 28), "pool1": (32, 14, 14), "conv2": (64, 14, 14), "pool2": (64, 7, 7)}
    np.testing.assert_allclose(analysis.probs, cnn.classify(random_model, image), rtol=1e-5, atol=1e-7)
    assert analysis.maps["fc1"].shape == (1024, 1, 1) and analysis.maps["logits"].shape == (10, 1, 1)
    assert analysis.prediction == int(np.argmax(analysis.probs))
    assert all((maps[k] >= 0).all() for k in maps)  # after ReLU


def test_bundled_model_is_small_and_scores_99_percent_on_the_fixture(bundled_model, mnist_small):
    assert cnn.BUNDLED_MODEL.stat().st_size <= 8 * 1024 * 1024
    acc, _ = evaluate(bundled_model, mnist_small[1])
    assert acc >= 0.99


def test_bundled_model_reads_drawn_looking_digits(bundled_model, mnist_small):
    digits, labels = mnist_small[1].images[:150, 0].numpy(), mnist_small[1].labels[:150].numpy()
    canvases, _ = drawn_digits.drawn_set(digits, seed=1)
    assert drawn_digits.evaluate(bundled_model, canvases, labels).mean() >= 0.95


def test_load_model_reports_bad_paths(tmp_path):
    with pytest.raises(cnn.CheckpointError, match="No checkpoint"):
        cnn.load_model(tmp_path / "missing.pt")
