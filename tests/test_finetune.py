"""cnn.finetune: held-out drawings, the mix with MNIST, and a run that learns a new style."""
import numpy as np
import pytest

import cnn
from cnn.finetune import HOLD_OUT_FROM, FineTune, finetune, finetune_config, hold_out, mixed
from support.samples import FIXTURE


def test_a_fifth_of_each_digit_is_held_out_once_there_are_enough_drawings():
    labels = np.repeat(np.arange(10), 5)  # 50 drawings, 5 of each digit
    train, held = hold_out(labels)
    assert np.bincount(labels[held], minlength=10).tolist() == [1] * 10
    assert sorted(np.concatenate([train, held]).tolist()) == list(range(50))  # each drawing on one side
    np.testing.assert_array_equal(hold_out(labels)[1], held)  # the same split every time
    few = np.arange(HOLD_OUT_FROM - 1) % 10
    assert len(hold_out(few)[1]) == 0 and len(hold_out(few)[0]) == len(few)


def test_the_mix_is_mostly_mnist_with_the_drawings_repeated_to_a_fifth(mnist_small):
    train, _ = mnist_small
    mine = cnn.data.Split(train.images[:40], train.labels[:40])
    mix = mixed(mine, train, share=0.2)
    assert len(mix) == len(train) + 40 * 12  # 0.2 * 2,000 / (0.8 * 40) = 12.5 copies, rounded
    assert (mix.images[len(train):] == mine.images.repeat(12, 1, 1, 1)).all()


def test_fine_tuning_learns_a_new_style_without_forgetting_mnist(mnist_small, tmp_path):
    """Digits turned a quarter-turn are a "handwriting" the model has never seen: 200 of them."""
    _, test = mnist_small
    turned = np.rot90(test.images[:200, 0].numpy(), 1, axes=(1, 2)).copy()
    tune = FineTune(cnn.BUNDLED_MODEL, turned, test.labels[:200].numpy())
    result, report = finetune(tune, finetune_config(data_dir=str(FIXTURE)), out=tmp_path / "model.pt")
    assert result.status == "finished" and report["drawings"] == 200 and report["held_out"] == 37
    assert report["mine_before"] < 0.3 and report["mine_after"] > report["mine_before"] + 0.4  # 8% -> 81% here
    assert report["mnist_after"] >= 0.97 and report["mnist_after"] == pytest.approx(result.metrics.test_acc)
    assert cnn.load_checkpoint(tmp_path / "model.pt").metrics["test_acc"] == report["mnist_after"]
