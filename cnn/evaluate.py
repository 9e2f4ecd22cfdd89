"""A model on the whole test set: confusion matrix, precision and recall, and its mistakes.

    result = evaluate_model(model, load_split(False))
    result.accuracy, result.confusion[4, 9], result.cell(4, 9), result.mistakes()
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch

from .data import Split
from .model import Net

# Images per forward pass: small batches keep the activations in the CPU's caches (faster
# than 1,000 at a time here; bench/bench_evaluate.py).
BATCH = 250


@dataclass(frozen=True)
class Evaluation:
    labels: np.ndarray  # (N,) int64, the true digits
    probs: np.ndarray  # (N, 10) float32 softmax probabilities

    @cached_property
    def predictions(self) -> np.ndarray:
        return self.probs.argmax(1)

    @cached_property
    def confidence(self) -> np.ndarray:
        """(N,) the probability of the predicted digit."""
        return self.probs.max(1)

    @cached_property
    def confusion(self) -> np.ndarray:
        """(10, 10) counts: row = true digit, column = predicted digit."""
        matrix = np.zeros((10, 10), np.int64)
        np.add.at(matrix, (self.labels, self.predictions), 1)
        return matrix

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.confusion) / len(self.labels))

    @property
    def precision(self) -> np.ndarray:
        """(10,) of the images predicted as each digit, the share that were that digit (NaN if none)."""
        return _ratio(np.diag(self.confusion), self.confusion.sum(0))

    @property
    def recall(self) -> np.ndarray:
        """(10,) of the images of each digit, the share predicted as that digit (NaN if none)."""
        return _ratio(np.diag(self.confusion), self.confusion.sum(1))

    def most_confused(self) -> tuple[int, int, int]:
        """(true digit, predicted digit, count) of the most frequent mistake; count 0 if none."""
        mistakes = self.confusion - np.diag(np.diag(self.confusion))
        true, predicted = np.unravel_index(mistakes.argmax(), mistakes.shape)
        return int(true), int(predicted), int(mistakes[true, predicted])

    def cell(self, true: int, predicted: int) -> np.ndarray:
        """Indices of the test images of digit `true` predicted as `predicted`: the mistakes the
        model was surest of first, and for a correct cell the answers it was least sure of first."""
        found = np.flatnonzero((self.labels == true) & (self.predictions == predicted))
        surest_first = np.argsort(-self.confidence[found], kind="stable")
        return found[surest_first if true != predicted else surest_first[::-1]]

    def mistakes(self, true: int | None = None) -> np.ndarray:
        """Indices of the misclassified images (of digit `true`, or all), surest mistakes first."""
        wrong = self.labels != self.predictions
        if true is not None:
            wrong &= self.labels == true
        found = np.flatnonzero(wrong)
        return found[np.argsort(-self.confidence[found], kind="stable")]


def evaluate_model(model: Net, split: Split) -> Evaluation:
    """Probabilities for every image of the split, in float32 (bfloat16 would be faster, but
    would change a few answers and the accuracy the checkpoint reports)."""
    device = next(model.parameters()).device
    # channels_last weights and images: oneDNN's convolutions run without reordering (1.8x
    # faster here). A copy, so the caller's model is left as it was.
    model = copy.deepcopy(model).to(memory_format=torch.channels_last)
    images = split.images.to(device).contiguous(memory_format=torch.channels_last)  # (N, 1, 28, 28)
    with torch.inference_mode():
        probs = torch.cat([torch.softmax(model(batch), dim=1).cpu() for batch in images.split(BATCH)])
    return Evaluation(split.labels.cpu().numpy(), probs.numpy())


def _ratio(hits: np.ndarray, totals: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, hits / np.maximum(totals, 1), np.nan)
