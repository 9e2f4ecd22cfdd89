import math
import threading
import time

import numpy as np
import pytest
import torch

from cnn.checkpoint import load_checkpoint
from cnn.model import ModelConfig, Net
from cnn.train import ConfigError, Control, evaluate, make_config, train
from support.samples import tiny_train_config
from support.waiting import wait_until


def test_loss_falls_and_accuracy_rises_well_above_chance(mnist_small):
    events = []
    result = train(tiny_train_config(), events.append, data=mnist_small)
    losses = [e.loss for e in events if e.kind == "step"]
    assert len(losses) == result.metrics.steps == 40  # 2,000 images / 50
    assert sum(losses[-10:]) / 10 < 0.5 * sum(losses[:10]) / 10
    assert result.status == "finished"
    assert result.metrics.test_acc > 0.8  # chance is 0.1
    assert result.metrics.test_acc == pytest.approx(evaluate(result.model, mnist_small[1])[0])


def test_events_report_progress_and_evaluations(mnist_small):
    events = []
    train(tiny_train_config(max_steps=30), events.append, data=mnist_small)
    kinds = [e.kind for e in events]
    assert kinds[0] == "start" and kinds[-1] == "end" and kinds.count("step") == 30
    assert all(e.total_steps == 30 for e in events)
    quick = [e for e in events if e.kind == "eval" and not e.full_eval]
    assert [e.step for e in quick] == [10, 20]  # eval_every=10; the end gets a full evaluation
    assert all(0 <= e.test_acc <= 1 and e.test_loss > 0 for e in quick)
    steps = [e for e in events if e.kind == "step"]
    assert all(e.images_per_sec > 0 and 0 <= e.acc <= 1 for e in steps)
    assert steps[-1].epoch == pytest.approx(30 / 40)
    assert events[-1].status == "finished" and events[-1].full_eval


def test_stop_flag_stops_within_one_step(mnist_small):
    stop = threading.Event()
    seen = []

    def on_event(event):
        if event.kind == "step":
            seen.append(event.step)
            if event.step == 5:
                stop.set()

    result = train(tiny_train_config(), on_event, stop, data=mnist_small)
    assert result.status == "stopped" and seen[-1] == 5 and result.metrics.steps == 5
    assert result.metrics.test_acc is not None  # a stopped run is still evaluated


def test_divergence_is_caught_and_last_good_checkpoint_kept(mnist_small, tmp_path):
    out = tmp_path / "model.pt"
    good = train(tiny_train_config(max_steps=5), out=out, data=mnist_small)
    before = out.read_bytes()
    events = []
    diverging = tiny_train_config(optimizer="sgd", lr=1e4, schedule="constant")
    result = train(diverging, events.append, out=out, data=mnist_small)
    assert result.status == "diverged"
    assert "The loss reached" in result.message and "diverged" in result.message
    assert events[-1].kind == "end" and events[-1].status == "diverged"
    assert out.read_bytes() == before  # the NaN weights were never saved
    assert load_checkpoint(out).metrics["steps"] == good.metrics.steps


def test_checkpoint_saved_each_epoch_and_at_the_end(mnist_small, tmp_path):
    out = tmp_path / "run" / "model.pt"
    saves = []

    def on_event(event):
        if event.kind == "eval" and event.full_eval:
            saves.append(load_checkpoint(out).metrics["steps"])

    result = train(tiny_train_config(epochs=2), on_event, out=out, data=mnist_small)
    assert saves == [40, 80] and result.checkpoint == out
    ckpt = load_checkpoint(out)
    assert ckpt.train_config["epochs"] == 2 and ckpt.metrics["test_acc"] == result.metrics.test_acc


def test_same_seed_same_result(mnist_small):
    a = train(tiny_train_config(max_steps=8, seed=3), data=mnist_small).model
    b = train(tiny_train_config(max_steps=8, seed=3), data=mnist_small).model
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb)


def test_augmented_training_runs_and_learns(mnist_small):
    result = train(tiny_train_config(augment=True), data=mnist_small)
    assert result.metrics.test_acc > 0.6


@pytest.mark.parametrize("overrides, message", [
    (dict(lr=0), "learning rate"), (dict(lr=-1), "learning rate"), (dict(lr=math.nan), "learning rate"),
    (dict(batch_size=0), "batch size"), (dict(batch_size=2.5), "batch size"), (dict(epochs=-1), "epochs"),
    (dict(optimizer="rmsprop"), "optimizer"), (dict(max_steps=0), "max steps"),
    (dict(epochs=0), "nothing to train"), (dict(device="tpu"), "device"), (dict(schedule="cosine"), "schedule"),
    (dict(weight_decay=-0.1), "weight decay"), (dict(precision="fp8"), "precision"),
])
def test_invalid_settings_are_refused_before_any_work(overrides, message):
    with pytest.raises(ConfigError, match=message):
        make_config("fast", **overrides)


def test_unknown_preset_and_setting_are_refused():
    with pytest.raises(ConfigError, match="preset"):
        make_config("fastest")
    with pytest.raises(ConfigError, match="learning_rate"):
        make_config("fast", learning_rate=0.1)


def test_presets_hold_their_recipes():
    tutorial = make_config("tutorial")
    assert (tutorial.optimizer, tutorial.lr, tutorial.batch_size, tutorial.max_steps) == ("sgd", 0.001, 100, 20_000)
    assert not tutorial.augment and tutorial.schedule == "constant"
    assert make_config("fast").epochs == 1 and not make_config("fast").augment
    assert make_config("best").augment
    assert make_config("best", epochs=2).epochs == 2  # flags override a preset


def test_a_loss_blowing_up_without_reaching_infinity_is_divergence_too(mnist_small):
    # SGD at 10 sends the loss to ~1e14 within steps and then leaves a dead network behind, never NaN
    result = train(tiny_train_config(optimizer="sgd", lr=10.0, schedule="constant"), data=mnist_small)
    assert result.status == "diverged" and result.metrics.steps <= 10


def test_conv1_filters_are_kept_at_the_start_and_every_evaluation_with_the_checkpoint(mnist_small, tmp_path):
    config = tiny_train_config(max_steps=30, seed=3)
    torch.manual_seed(config.seed)
    start = Net(config.network).conv1.weight.detach().clone()  # the network train() builds, seeded the same way
    result = train(config, data=mnist_small, out=tmp_path / "model.pt")
    steps, filters = load_checkpoint(tmp_path / "model.pt").filter_history()
    assert steps == [0, 10, 20, 30]  # the start, two quick evaluations, the final one
    assert filters.shape == (4, config.network.channels[0], 1, 5, 5)
    torch.testing.assert_close(torch.from_numpy(filters[0]), start)
    torch.testing.assert_close(torch.from_numpy(filters[-1]), result.model.conv1.weight.detach())
    assert not np.allclose(filters[1], filters[0])  # they move as the network learns


def test_a_stopped_run_keeps_its_filters_up_to_the_stop(mnist_small, tmp_path):
    stop = threading.Event()

    def stop_at_15(event):
        if event.kind == "step" and event.step == 15:
            stop.set()

    train(tiny_train_config(), stop_at_15, stop, data=mnist_small, out=tmp_path / "model.pt")
    steps, _ = load_checkpoint(tmp_path / "model.pt").filter_history()
    assert steps == [0, 10, 15]


def test_a_designed_network_trains_and_its_checkpoint_says_which_network_it_is(mnist_small, tmp_path):
    network = ModelConfig(channels=(8, 16, 16), kernel_size=3, dense=0, dropout=0.1, batchnorm=True)
    result = train(tiny_train_config(network=network), data=mnist_small, out=tmp_path / "model.pt")
    assert result.status == "finished" and result.metrics.test_acc > 0.5  # chance is 0.1
    saved = load_checkpoint(tmp_path / "model.pt")
    assert saved.model.config == network and saved.train_config["network"] == network.to_dict()
    steps, filters = saved.filter_history()
    assert filters.shape == (len(steps), 8, 1, 3, 3)


def test_the_network_setting_must_be_a_network():
    with pytest.raises(ConfigError, match="network must be a ModelConfig"):
        make_config("fast", network={"channels": [8]})


def _train_in_thread(config, data, control, events):
    """train() in a thread, so the test can pause, step and resume it; returns (thread, results)."""
    results = []
    thread = threading.Thread(target=lambda: results.append(train(config, events.append, data=data, control=control)))
    thread.start()
    return thread, results


def test_a_paused_run_steps_one_batch_at_a_time_and_resumes_exactly_where_it_stopped(mnist_small):
    config = tiny_train_config(max_steps=30, augment=True)  # augmentation draws from the run's generator too
    torch.manual_seed(0)
    plain = train(config, data=mnist_small)
    control, events = Control(), []
    control.pause()  # before the first step: paused from the start
    torch.manual_seed(0)
    thread, results = _train_in_thread(config, mnist_small, control, events)
    assert wait_until(lambda: any(e.kind == "paused" for e in events))
    time.sleep(0.3)
    assert not [e for e in events if e.kind == "step"]  # paused: nothing trains
    for expected in (1, 2):
        control.step()
        assert wait_until(lambda n=expected: [e.kind for e in events].count("paused") == n + 1)  # paused again after it
        assert [e.step for e in events if e.kind == "step"] == list(range(1, expected + 1))
    control.resume()
    thread.join(120)
    assert results[0].status == "finished" and [e.kind for e in events].count("resumed") == 1
    for a, b in zip(plain.model.state_dict().values(), results[0].model.state_dict().values()):
        assert torch.equal(a, b)  # bit for bit: the same batches, augmentations and dropout masks


def test_stop_ends_a_paused_run(mnist_small):
    control, events, stop = Control(), [], threading.Event()
    control.pause()
    results = []
    thread = threading.Thread(target=lambda: results.append(
        train(tiny_train_config(), events.append, stop, data=mnist_small, control=control)))
    thread.start()
    assert wait_until(lambda: any(e.kind == "paused" for e in events))
    stop.set()
    thread.join(30)
    assert results[0].status == "stopped" and results[0].metrics.steps == 0


@pytest.mark.parametrize("schedule, changed", [("constant", True), ("onecycle", False)])
def test_a_new_learning_rate_takes_effect_at_the_next_step_with_the_constant_schedule(mnist_small, schedule,
                                                                                       changed):
    control, events, model, at_step_5 = Control(), [], Net(), []

    def on_event(event):
        if event.kind == "step" and event.step == 5:
            at_step_5.append(model.fc1.weight.detach().clone())
            control.set_lr(1e-9)  # about nothing: Adam moves each weight by about the rate a step
        events.append(event)

    train(tiny_train_config(max_steps=8, schedule=schedule), on_event, data=mnist_small, control=control, model=model)
    assert [(e.step, e.lr) for e in events if e.kind == "lr"] == ([(5, 1e-9)] if changed else [])
    moved = (model.fc1.weight.detach() - at_step_5[0]).abs().max().item()
    assert (moved < 1e-7) is changed  # three steps at 1e-9, or at the schedule's rate (about 1e-4)
    with pytest.raises(ConfigError, match="learning rate"):
        control.set_lr(-1)


class _CutOff(Exception):
    """The server dying mid-run, as far as the trainer can tell."""


def test_a_run_cut_off_after_an_epoch_resumes_from_its_checkpoint_to_the_same_weights(mnist_small, tmp_path):
    config = tiny_train_config(epochs=2, batch_size=100, augment=True)  # 20 steps an epoch; dropout, augmentation
    torch.manual_seed(0)
    whole = train(config, data=mnist_small, out=tmp_path / "whole.pt")
    assert load_checkpoint(tmp_path / "whole.pt").resume_state() is None  # an ended run keeps its file small

    def cut_off_after_the_first_epoch(event):
        if event.kind == "eval" and event.full_eval and event.step == 20:
            raise _CutOff

    torch.manual_seed(0)
    with pytest.raises(_CutOff):
        train(config, cut_off_after_the_first_epoch, data=mnist_small, out=tmp_path / "cut.pt")
    saved = load_checkpoint(tmp_path / "cut.pt")
    state = saved.resume_state()
    assert state["step"] == 20 and state["history"][0] == [0, 10, 20]
    events = []
    resumed = train(config, events.append, data=mnist_small, out=tmp_path / "cut.pt", model=saved.model, resume=state)
    assert events[0].kind == "start" and events[0].step == 20 and resumed.metrics.steps == 40
    for a, b in zip(whole.model.state_dict().values(), resumed.model.state_dict().values()):
        assert torch.equal(a, b)  # bit for bit, in float32 on this machine
    assert load_checkpoint(tmp_path / "cut.pt").filter_history()[0] == load_checkpoint(tmp_path / "whole.pt") \
        .filter_history()[0]


TWO_EPOCHS = tiny_train_config(epochs=2, batch_size=100, augment=True)  # 20 steps an epoch


@pytest.fixture(scope="module")
def whole_two_epochs(mnist_small):
    """TWO_EPOCHS trained from seed 0 without a stop."""
    torch.manual_seed(0)
    return train(TWO_EPOCHS, data=mnist_small)


@pytest.mark.parametrize("stop_after", [13, 20])  # mid-epoch, and at the end of the first of two epochs
def test_a_stopped_run_resumes_from_the_stop_to_the_same_weights(mnist_small, whole_two_epochs, tmp_path, stop_after):
    config, whole = TWO_EPOCHS, whole_two_epochs
    stop = threading.Event()

    def stop_there(event):
        if event.kind == "step" and event.step == stop_after:
            stop.set()

    torch.manual_seed(0)
    stopped = train(config, stop_there, stop, data=mnist_small, out=tmp_path / "model.pt")
    assert stopped.status == "stopped" and stopped.metrics.steps == stop_after
    saved = load_checkpoint(tmp_path / "model.pt")
    resumed = train(config, data=mnist_small, model=saved.model, resume=saved.resume_state())
    assert resumed.metrics.steps == 40
    for a, b in zip(whole.model.state_dict().values(), resumed.model.state_dict().values()):
        assert torch.equal(a, b)  # the rest in the same order, with the same augmentations and dropout


def test_each_layer_s_weights_and_gradients_are_recorded_at_the_start_and_every_evaluation(mnist_small):
    events, model = [], Net(ModelConfig(channels=(8, 16, 16), kernel_size=3, dense=32))
    start = {n: getattr(model, n).weight.detach().clone() for n in ("conv1", "conv2", "conv3", "fc1", "logits")}
    train(tiny_train_config(max_steps=20), events.append, data=mnist_small, model=model)
    recorded = [(e.step, e.layers) for e in events if e.layers is not None]
    assert [step for step, _ in recorded] == [0, 10, 20]  # the start, a quick evaluation, the final full one
    first, last = recorded[0][1], recorded[-1][1]
    assert list(first) == ["conv1", "conv2", "conv3", "fc1", "logits"]  # the weighted layers, in order
    for name, w in start.items():
        assert first[name].weight_norm == pytest.approx(float(w.norm()), rel=1e-5)  # independent: torch's norm
        assert first[name].grad_norm == 0.0 and last[name].grad_norm > 0  # no step yet; then the last step's
        assert sum(first[name].counts) == sum(last[name].counts) == w.numel()  # every weight counted once
        assert first[name].bound == last[name].bound == pytest.approx(3 * float(w.abs().max()))
        assert last[name].weight_norm == pytest.approx(float(getattr(model, name).weight.detach().norm()), rel=1e-5)
