"""cnn.evaluate: the confusion matrix, precision, recall and the mistakes, against plain counting."""
import os

import numpy as np
import pytest

import cnn
from cnn.data import DATA_ENV
from cnn.evaluate import Evaluation, evaluate_model
from cnn.train import evaluate


def one_hot_probs(predictions, confidence) -> np.ndarray:
    """(N, 10) probabilities whose argmax is `predictions`, with that probability `confidence`."""
    probs = np.full((len(predictions), 10), 0.0, np.float32)
    for row, (p, c) in enumerate(zip(predictions, confidence)):
        probs[row] = (1 - c) / 9
        probs[row, p] = c
    return probs


@pytest.fixture
def random_evaluation() -> Evaluation:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 500)
    predictions = np.where(rng.random(500) < 0.7, labels, rng.integers(0, 10, 500))
    return Evaluation(labels, one_hot_probs(predictions, rng.uniform(0.2, 0.99, 500)))


def test_the_confusion_matrix_counts_each_true_and_predicted_pair(random_evaluation):
    ev = random_evaluation
    expected = np.zeros((10, 10), int)
    for true, predicted in zip(ev.labels, ev.probs.argmax(1)):
        expected[true, predicted] += 1
    np.testing.assert_array_equal(ev.confusion, expected)
    assert ev.confusion.sum() == 500
    assert ev.accuracy == pytest.approx(np.mean(ev.labels == ev.probs.argmax(1)))


def test_precision_and_recall_by_hand():
    # true:      0 0 0 1 1 2
    # predicted: 0 0 1 1 2 2
    ev = Evaluation(np.array([0, 0, 0, 1, 1, 2]), one_hot_probs([0, 0, 1, 1, 2, 2], [0.9] * 6))
    assert ev.recall[:3] == pytest.approx([2 / 3, 1 / 2, 1])
    assert ev.precision[:3] == pytest.approx([1, 1 / 2, 1 / 2])
    assert np.isnan(ev.precision[5]) and np.isnan(ev.recall[5])  # no 5s at all: no score, not 0 or 1


def test_a_cell_lists_its_images_surest_mistakes_first_least_sure_right_answers_first():
    labels = np.array([4, 4, 4, 4, 4, 9])
    ev = Evaluation(labels, one_hot_probs([9, 9, 4, 4, 9, 9], [0.6, 0.95, 0.99, 0.5, 0.8, 0.7]))
    np.testing.assert_array_equal(ev.cell(4, 9), [1, 4, 0])
    np.testing.assert_array_equal(ev.cell(4, 4), [3, 2])
    assert len(ev.cell(9, 4)) == 0
    np.testing.assert_array_equal(ev.mistakes(), [1, 4, 0])
    np.testing.assert_array_equal(ev.mistakes(true=9), [])
    assert ev.most_confused() == (4, 9, 3)
    assert Evaluation(labels, one_hot_probs(labels, [0.9] * 6)).most_confused()[2] == 0  # no mistakes at all


def test_evaluating_a_model_agrees_with_the_trainer_and_with_classify(bundled_model, mnist_small):
    _, test = mnist_small
    before = bundled_model.conv1.weight.is_contiguous()
    ev = evaluate_model(bundled_model, test)
    accuracy, _ = evaluate(bundled_model, test)
    assert ev.accuracy == pytest.approx(accuracy, abs=1e-9)
    np.testing.assert_allclose(ev.probs[:50], cnn.classify(bundled_model, test.images[:50, 0].numpy()), atol=1e-5)
    assert bundled_model.conv1.weight.is_contiguous() == before  # the caller's model is left as it was
    assert ev.probs.shape == (len(test), 10) and ev.probs.dtype == np.float32


@pytest.mark.skipif(not os.environ.get(DATA_ENV), reason=f"real MNIST not available: set {DATA_ENV}")
def test_the_bundled_model_on_all_10000_test_images_scores_what_its_checkpoint_says(bundled_model):
    ev = evaluate_model(bundled_model, cnn.load_split(False, download=False))
    recorded = cnn.load_checkpoint(cnn.BUNDLED_MODEL).metrics["test_acc"]
    assert len(ev.labels) == 10_000
    assert ev.accuracy == pytest.approx(recorded, abs=1e-4)
    assert ev.confusion.sum(1).tolist() == np.bincount(ev.labels, minlength=10).tolist()

