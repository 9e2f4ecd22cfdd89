"""Every page through Streamlit's AppTest: headless, the real scripts, the real trainer."""
import io
import json
import re
import sys
import time

import numpy as np
import pytest
import torch
from PIL import Image

import cnn
from cnn import hardware
from cnn.checkpoint import save_checkpoint
from cnn.my_digits import MyDigits, counts
from cnn.record import RunRecord, Status
from cnn.runs import write_record
from cnn.train import train
from support import drawn_digits
from support.apptest import drawing, open_tab, set_tiny_run, short_finetune, show_drawing, texts, wait_for
from support.faults import full_disk, read_only
from support.photos import photo_of
from support.samples import FIXTURE, stroke_canvas, tiny_job_config
from ui.state import registry


def svg_charts(at) -> list[str]:
    """The titles of the SVG charts on the page (ui/svg.py labels each <svg> with its title)."""
    return [m for e in at.markdown for m in re.findall(r'<svg [^>]*aria-label="([^"]+)"', e.value)]


def figures(at) -> list[str]:
    """The captions of the pictures shown inline (ui/pictures.py), in page order."""
    return [c for e in at.markdown for c in re.findall(r"<figcaption[^>]*>(.*?)</figcaption>", e.value)]


def test_home_shows_the_network_and_the_active_model(app):
    assert "conv1: 32 filters" in texts(app) and "Loading PyTorch" not in texts(app)  # the model took its place
    assert app.metric[0].value.endswith("%") and float(app.metric[0].value[:-1]) >= 99.5


def test_draw_with_nothing_drawn_shows_the_hint_and_no_prediction(app):
    app.switch_page("pages/2_Draw.py").run()
    assert not app.exception
    assert "Draw a digit on the black canvas" in texts(app) and "Prediction" not in texts(app)


def test_draw_shows_prediction_bars_and_feature_maps(app):
    app.switch_page("pages/2_Draw.py").run()
    app.session_state["draw_image"] = drawing()
    app.run()
    assert not app.exception
    assert "Prediction: 7 (" in texts(app)
    assert len(app.get("vega_lite_chart")) == 1  # the probability bars
    assert set(figures(app)[-5:]) == {"conv1 · 32 × 28 × 28", "pool1 · 32 × 14 × 14", "conv2 · 64 × 14 × 14",
                                     "pool2 · 64 × 7 × 7", "conv1 filters · 32 × 5 × 5 (red excites, blue inhibits)"}
    assert figures(app)[0].startswith("28×28: cropped")
    assert not any(f.startswith("Why a 7") for f in figures(app))  # the other tabs: not computed until opened


def rgba(ink: np.ndarray) -> np.ndarray:
    grey = (ink * 255).astype(np.uint8)
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])


def test_a_dot_gets_a_not_sure_note(app):
    ink = np.zeros((280, 280), np.float32)
    ink[130:145, 130:145] = 1
    shown = show_drawing(app, rgba(ink))
    assert "Prediction: " in shown and "Not sure" in shown and "fills its box" in shown


def test_a_scribble_gets_a_not_sure_note(app):
    shown = show_drawing(app, drawn_digits.scribbles(1, seed=5)[0])
    assert "Prediction: " in shown and "Not sure" in shown


def test_a_canvas_of_another_size_is_read_the_same(app):
    shown = show_drawing(app, rgba(stroke_canvas(size=500, box=(80, 120, 420, 380), width=36)))
    assert "Prediction: 7 (" in shown and "Not sure" not in shown


@pytest.mark.parametrize("image", [np.zeros((280, 280, 7), np.uint8), np.zeros((3,), np.uint8)],
                         ids=["7 channels", "1-D"])
def test_a_malformed_drawing_is_a_message_not_a_traceback(app, image):
    shown = show_drawing(app, image)
    assert "This drawing cannot be read" in shown and "Prediction" not in shown


def test_a_corrupt_saved_run_shows_its_error_and_the_page_keeps_working(app, tmp_path):
    bad = tmp_path / "runs" / "fast-20260101-000000"
    bad.mkdir(parents=True)
    (bad / "model.pt").write_bytes(b"not a checkpoint at all")
    app.switch_page("pages/2_Draw.py").run()
    app.session_state["draw_image"] = drawing()
    labels = app.selectbox(key="draw_model").options
    assert len(labels) == 2 and "fast-20260101-000000" in labels[1]
    app.selectbox(key="draw_model").set_value(app.selectbox(key="draw_model").value).run()
    app.selectbox(key="draw_model").select_index(1).run()
    assert not app.exception
    assert "cannot be used" in texts(app) and "damaged or not a checkpoint" in texts(app)
    app.selectbox(key="draw_model").select_index(0).run()
    assert "Prediction: 7 (" in texts(app) and "cannot be used" not in texts(app)


def test_train_runs_a_tiny_run_and_shows_its_charts(app):
    app.switch_page("pages/1_Train.py").run()
    assert "No run yet" in texts(app)
    set_tiny_run(app, epochs=2)
    app.button(key="train_start").click().run()
    wait_for(app, lambda at: "Finished." in texts(at))
    assert "Final test accuracy" in texts(app) and "Step 8 of 8" in texts(app)
    assert svg_charts(app) == ["Training loss", "Accuracy"] * 2  # the run's, and its record's under "Saved runs"
    assert any("fast-" in o for o in app.selectbox(key="train_saved_run").options)  # saved under runs/
    # The filters at every evaluation (every step: 8 steps, ten evaluations a run at most), on a slider.
    assert app.select_slider(key="train_filters_8").options == ["start", *map(str, range(1, 9))]
    assert any(c.startswith("conv1 filters at step 8 of 8.") for c in figures(app))
    app.select_slider(key="train_filters_8").set_value(0).run()
    assert any(c.startswith("conv1 filters at step 0 of 8.") for c in figures(app))
    assert app.select_slider(key="train_saved_filters_8").value == 8  # the saved run's own slider
    assert not any("<svg" in e.value and "Gradient norm" in e.value for e in app.markdown)  # only when opened
    app.session_state["train_layers"] = True  # open "Layer by layer"
    app.run()
    assert svg_charts(app).count("Gradient norm") == 1 and svg_charts(app).count("Weight norm") == 1
    assert sorted(t for t in svg_charts(app) if t.endswith(" weights")) == ["conv1 weights", "conv2 weights",
                                                                             "fc1 weights", "logits weights"]


def test_train_says_which_precision_and_device_a_run_uses_next_to_its_speed(app):
    app.switch_page("pages/1_Train.py").run()
    set_tiny_run(app, epochs=1)
    app.selectbox(key="train_precision").set_value("fp32")
    app.button(key="train_start").click().run()
    wait_for(app, lambda at: "Finished." in texts(at))
    assert re.search(r"Step 4 of 4 · epoch 1.00 · [\d,]+ images/s in float32 on CPU", texts(app))


@pytest.mark.parametrize("flags, auto, warned", [
    (frozenset({"avx512f", "avx512_bf16", "amx_bf16"}), "auto (bfloat16 here)", False),
    (frozenset({"avx512f", "avx512bw"}), "auto (float32 here)", True),  # AVX-512 without bfloat16: emulated
])
def test_train_says_what_auto_means_here_and_warns_when_bf16_would_be_emulated(app, monkeypatch, flags, auto,
                                                                                warned):
    monkeypatch.setattr(hardware, "cpu_flags", lambda: flags)
    monkeypatch.setattr(hardware, "_onednn_bf16", lambda: True)  # as on any x86 CPU with AVX-512 (not on AVX2-only)
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    app.switch_page("pages/1_Train.py").run()
    picker = app.selectbox(key="train_precision")
    assert picker.format_func("auto") == auto and picker.value == "auto"
    picker.set_value("bf16").run()
    assert ("will be emulated and train slower than float32" in texts(app)) is warned


def test_train_stop_ends_the_run_as_stopped(app):
    app.switch_page("pages/1_Train.py").run()
    set_tiny_run(app, epochs=50)
    app.button(key="train_start").click().run()
    # At once, in the run that the click started: the live view reruns only itself, not the buttons.
    assert app.button(key="train_start").disabled and not app.button(key="train_stop").disabled
    assert app.radio(key="train_preset").disabled
    wait_for(app, lambda at: "images/s" in texts(at))
    app.button(key="train_stop").click().run()
    assert "Stopped." in texts(app) and not app.button(key="train_start").disabled  # drawn once it has ended


def test_draw_offers_the_run_in_progress_and_saved_runs(app):
    app.switch_page("pages/1_Train.py").run()
    set_tiny_run(app, epochs=15)
    app.button(key="train_start").click().run()
    # Past the first quick evaluation (every 6 of the 60 steps), which shares the weights.
    wait_for(app, lambda at: int(re.search(r"Step ([\d,]+) of", texts(at) + "Step 0 of").group(1)) > 7)
    app.switch_page("pages/2_Draw.py").run()
    app.session_state["draw_image"] = drawing()
    options = app.selectbox(key="draw_model").options
    live = [i for i, o in enumerate(options) if o.startswith("Run in progress")]
    assert len(live) == 1
    app.selectbox(key="draw_model").select_index(live[0]).run()
    assert not app.exception and "Prediction: " in texts(app)
    app.switch_page("pages/1_Train.py").run()
    app.button(key="train_stop").click().run()
    wait_for(app, lambda at: "Stopped." in texts(at))
    app.switch_page("pages/2_Draw.py").run()
    options = app.selectbox(key="draw_model").options
    assert not any(o.startswith("Run in progress") for o in options)
    assert any(re.match(r"fast-\d{8}-\d{6} · \d{4}-\d\d-\d\d \d\d:\d\d · \d+\.\d\d% · stopped", o) for o in options)


def draw_still_predicts(app):
    app.switch_page("pages/2_Draw.py").run()
    app.session_state["draw_image"] = drawing()
    app.run()
    assert not app.exception and "Prediction: 7 (" in texts(app)


def test_a_diverging_run_ends_as_diverged_and_the_app_goes_on(app):
    app.switch_page("pages/1_Train.py").run()
    set_tiny_run(app, epochs=3)
    app.selectbox(key="train_optimizer_fast").set_value("sgd")
    app.number_input(key="train_lr_fast").set_value(10.0)  # the page's maximum
    app.button(key="train_start").click().run()
    wait_for(app, lambda at: "Diverged." in texts(at))
    assert "learning rate is probably too high" in texts(app)
    draw_still_predicts(app)


def test_a_read_only_runs_folder_is_a_message_and_draw_goes_on(app, tmp_path):
    with read_only(tmp_path / "runs"):
        app.switch_page("pages/1_Train.py").run()
        app.button(key="train_start").click().run()
        assert not app.exception and "Cannot start a run" in texts(app) and "Read-only file system" in texts(app)
        draw_still_predicts(app)


def test_a_full_disk_stops_the_run_with_a_message_and_draw_goes_on(app, tmp_path):
    with full_disk(tmp_path / "runs"):
        app.switch_page("pages/1_Train.py").run()
        set_tiny_run(app, epochs=3)
        app.button(key="train_start").click().run()
        wait_for(app, lambda at: "Failed." in texts(at))
        assert "No space left on device" in texts(app)
        draw_still_predicts(app)


# ---------------------------------------------------------------- Evaluate, and the explanations


def vega_specs(at) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("vega_lite_chart")]


def fixture_evaluation():
    """The bundled model on the fixture's 1,000 test images, counted here by hand."""
    test = cnn.load_split(False, FIXTURE)
    probs = cnn.classify(cnn.load_model(), test.images[:, 0].numpy())
    return test.labels.numpy(), probs.argmax(1), probs.max(1)


def test_evaluate_shows_accuracy_the_confusion_matrix_and_per_digit_scores(app):
    labels, predicted, _ = fixture_evaluation()
    app.switch_page("pages/3_Evaluate.py").run()
    assert not app.exception
    assert app.metric[0].label == "Test accuracy" and app.metric[0].value == f"{(labels == predicted).mean():.2%}"
    assert app.metric[1].value == str((labels != predicted).sum())
    heatmap = vega_specs(app)[0]
    (cell,) = heatmap["params"]  # Altair lifts a layer's selection to the top, naming the layer it is on
    assert cell["name"] == "cell" and cell["views"] == [heatmap["layer"][0]["name"]]  # clickable cells
    assert {t["title"] for t in heatmap["layer"][0]["encoding"]["tooltip"]} >= {"true digit", "predicted as",
                                                                                 "test images"}
    table = app.dataframe[0].value
    assert table["test images"].tolist() == np.bincount(labels, minlength=10).tolist()
    recall_of_9 = ((labels == 9) & (predicted == 9)).sum() / (labels == 9).sum() * 100
    assert table["recall"].iloc[9] == pytest.approx(recall_of_9)


def test_evaluate_shows_the_test_images_of_a_chosen_cell(app):
    labels, predicted, _ = fixture_evaluation()
    app.switch_page("pages/3_Evaluate.py").run()
    app.selectbox(key="eval_true").set_value(3)
    app.selectbox(key="eval_predicted").set_value(3).run()
    right_3s = ((labels == 3) & (predicted == 3)).sum()
    assert f"{right_3s} test images: 3s predicted correctly, least sure first (the first 60 shown)" in figures(app)
    app.selectbox(key="eval_predicted").set_value(1).run()
    assert not ((labels == 3) & (predicted == 1)).any() and "No test image of a 3 was predicted as a 1." in texts(app)


def test_evaluate_opens_a_mistake_with_bars_feature_maps_and_why(app):
    labels, predicted, confidence = fixture_evaluation()
    wrong = np.flatnonzero(labels != predicted)
    surest, other = wrong[np.argsort(-confidence[wrong])][:2]
    app.switch_page("pages/3_Evaluate.py").run()
    heading = f"#### Test image #{surest}: a {labels[surest]}, taken for a {predicted[surest]}"
    assert heading in texts(app)  # the surest mistake is open at first
    app.button(key=f"eval_mistake_{other}").click().run()
    assert not app.exception
    assert f"#### Test image #{other}: a {labels[other]}, taken for a {predicted[other]}" in texts(app)
    assert f"Prediction: {predicted[other]} (" in texts(app) and len(vega_specs(app)) == 2  # matrix and bars
    assert {"conv1 · 32 × 28 × 28", "pool2 · 64 × 7 × 7"} <= set(figures(app))
    assert any(f.startswith(f"Why not a {labels[other]}: ") for f in figures(app))  # against the true digit
    app.pills(key="eval_mistakes_digit").set_value(int(labels[surest])).run()
    shown = [b.key for b in app.button if b.key.startswith("eval_mistake_")]
    assert shown == [f"eval_mistake_{i}" for i in wrong[labels[wrong] == labels[surest]]]


def test_evaluate_a_corrupt_saved_run_or_missing_data_is_a_message(app, tmp_path, monkeypatch):
    bad = tmp_path / "runs" / "fast-20260101-000000"
    bad.mkdir(parents=True)
    (bad / "model.pt").write_bytes(b"not a checkpoint at all")
    app.switch_page("pages/3_Evaluate.py").run()
    app.selectbox(key="eval_model").select_index(1).run()
    assert not app.exception and "This model cannot be evaluated" in texts(app)
    assert "damaged or not a checkpoint" in texts(app)
    monkeypatch.setenv("CNN_DATA_DIR", str(tmp_path / "nowhere.npz"))
    app.selectbox(key="eval_model").select_index(0).run()
    assert not app.exception and "not a readable MNIST slice" in texts(app)


def test_draw_explains_why_and_shows_each_preparation_step(app):
    show_drawing(app, drawing())
    open_tab(app, "Why this digit")
    probs = cnn.classify(cnn.load_model(), cnn.canvas_to_mnist(drawing()))
    runner_up = int(np.argsort(probs)[-2])
    assert any(f.startswith("Why a 7: ") for f in figures(app))
    assert any(f.startswith(f"Why not a {runner_up}: ") for f in figures(app))
    app.pills(key="draw_why").set_value(1).run()
    assert any(f.startswith("Why not a 1: red ink makes it a 7 rather than a 1") for f in figures(app))
    open_tab(app, "What the model sees")
    steps = [f.split(" · ")[0] for f in figures(app) if " · " in f and "×" in f.split(" · ")[-1]]
    assert steps[:5] == ["Your drawing", "Cropped to the ink", "Scaled to fit 20×20", "Centred by mass in 28×28",
                         "Naive: the whole canvas resized to 28×28"]
    assert texts(app).count("reads as **7**") >= 3  # every prepared step; the naive one may differ


# ---------------------------------------------------------------- My digits, photos, comparing, downloading


def test_draw_keeps_a_drawing_in_one_click_or_with_the_right_digit(app, tmp_path):
    show_drawing(app, drawing())
    app.run()
    app.button(key="draw_keep_right").click().run()
    assert not app.exception and "Kept as a 7: 1 in My digits." in [t.proto.body for t in app.toast]
    app.selectbox(key="draw_keep_label").set_value(1).run()  # the button waits for a digit
    app.button(key="draw_keep_wrong").click().run()
    mine = MyDigits(tmp_path / "runs")
    assert counts(mine.items()).tolist() == [0, 1, 0, 0, 0, 0, 0, 1, 0, 0]
    np.testing.assert_allclose(mine.items(7)[0].image, cnn.canvas_to_mnist(drawing()), atol=0.5 / 255)


def test_my_digits_counts_shows_and_deletes_drawings(app, tmp_path, mnist_small):
    mine = MyDigits(tmp_path / "runs")
    for image, label in zip(mnist_small[1].images[:3, 0].numpy(), [4, 4, 9]):
        mine.add(image, label)
    app.switch_page("pages/4_My_digits.py").run()
    assert not app.exception
    assert [m.value for m in app.metric] == ["0", "0", "0", "0", "2", "0", "0", "0", "0", "1"]
    deletes = [b.key for b in app.button if b.key.startswith("my_digits_delete_")]
    assert len(deletes) == 3 and app.button(key="my_digits_finetune").disabled  # fewer than 5 drawings
    app.button(key=deletes[0]).click().run()  # the first button is in the 4s' tab: one of the two 4s goes
    assert [d.label for d in mine.items()] == [4, 9]
    assert [m.value for m in app.metric] == ["0", "0", "0", "0", "1", "0", "0", "0", "0", "1"]


def test_fine_tuning_runs_in_the_background_and_saves_a_run_draw_offers(app, tmp_path, mnist_small, monkeypatch):
    short_finetune(monkeypatch)
    mine = MyDigits(tmp_path / "runs")
    for image, label in zip(mnist_small[1].images[:25, 0].numpy(), mnist_small[1].labels[:25].tolist()):
        mine.add(image, label)
    app.switch_page("pages/4_My_digits.py").run()
    app.button(key="my_digits_finetune").click().run()
    assert app.button(key="my_digits_finetune").disabled  # one run at a time, as on Train
    wait_for(app, lambda at: "Saved as the run" in texts(at), seconds=180)
    report = app.dataframe[-1].value
    per_digit = np.bincount(mnist_small[1].labels[:25].numpy())
    held = sum(max(1, n // 5) for n in per_digit if n >= 2)  # a fifth of each digit's, one at least
    assert report["measured on"].tolist() == [f"my digits ({held} held out)", "MNIST test set"]
    assert all(v.endswith("%") for v in report["before"].tolist() + report["after"].tolist())
    app.switch_page("pages/2_Draw.py").run()
    assert any(o.startswith("finetune-") and o.endswith("finished") for o in app.selectbox(key="draw_model").options)


def test_photo_page_reads_a_photo_and_refuses_what_is_not_one(app, mnist_small):
    _, test = mnist_small
    app.switch_page("pages/5_Photo.py").run()
    assert "Upload a photo" in texts(app)
    upload = app.file_uploader(key="photo_upload")
    upload.set_value(("digit.jpg", photo_of(test.images[0, 0].numpy(), np.random.default_rng(0)), "image/jpeg")).run()
    assert not app.exception and f"Prediction: {int(test.labels[0])} (" in texts(app)
    assert {"The photo, in grey", "Ink: clearly darker than the paper around it"} <= set(figures(app))
    for name, data, message in (("notes.png", b"not an image at all", "not a PNG or JPEG image"),
                                ("huge.png", encoded_png(Image.new("1", (10_000, 8_000))), "decompression bomb")):
        app.file_uploader(key="photo_upload").set_value((name, data, "image/png")).run()
        assert not app.exception and message in texts(app) and "Prediction" not in texts(app)


def encoded_png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_draw_compares_two_models_side_by_side(app, tmp_path):
    torch.manual_seed(0)
    save_checkpoint(tmp_path / "runs" / "untrained-20260101-000000" / "model.pt", cnn.Net().eval())
    show_drawing(app, drawing())
    app.toggle(key="draw_compare").set_value(True).run()
    second = app.selectbox(key="draw_model_b")
    second.select_index([i for i, o in enumerate(second.options) if o.startswith("untrained-")][0]).run()
    assert not app.exception
    untrained = cnn.classify(cnn.load_model(tmp_path / "runs" / "untrained-20260101-000000" / "model.pt"),
                             cnn.canvas_to_mnist(drawing()))
    assert f"**Prediction: {untrained.argmax()}** ({untrained.max():.1%})" in texts(app)
    assert "**Prediction: 7** (" in texts(app) and len(app.get("vega_lite_chart")) == 3  # the verdict's, and two


def test_draw_offers_the_chosen_model_as_a_checkpoint_torchscript_and_onnx(app, monkeypatch):
    app.switch_page("pages/2_Draw.py").run()
    labels = [b.proto.label for b in app.get("download_button")]
    assert labels == ["Checkpoint (.pt)", "TorchScript (.ts.pt)", "ONNX (.onnx)"]
    monkeypatch.setitem(sys.modules, "onnxscript", None)  # as where the optional packages are missing
    app.run()
    assert [b.proto.label for b in app.get("download_button")] == labels[:2]
    assert "ONNX export needs the optional packages: `pip install -r requirements-onnx.txt`" in texts(app)


def shown_step(at) -> int:
    return int(re.search(r"Step ([\d,]+) of", texts(at)).group(1).replace(",", ""))


def test_train_pauses_steps_one_batch_changes_the_learning_rate_and_resumes(app):
    app.switch_page("pages/1_Train.py").run()
    app.radio(key="train_preset").set_value("tutorial").run()  # the constant schedule: its rate can change
    app.select_slider(key="train_batch_tutorial").set_value(512).run()  # 4 steps an epoch, 136 in all
    app.button(key="train_start").click().run()
    wait_for(app, lambda at: "images/s" in texts(at))
    app.button(key="train_pause").click().run()
    assert app.button(key="train_pause").label == "Resume" and not app.button(key="train_step").disabled
    assert "**paused**" in texts(app)  # drawn once the run has paused, not at the live view's next redraw
    held = shown_step(app)
    time.sleep(1.0)
    app.run()
    assert shown_step(app) == held  # it holds its place
    app.button(key="train_step").click().run()
    assert shown_step(app) == held + 1 and "**paused**" in texts(app)  # at once, as with Pause
    app.number_input(key="train_lr_now").set_value(0.01)
    app.button(key="train_lr_change").click().run()
    app.button(key="train_pause").click().run()  # Resume
    assert app.button(key="train_pause").label == "Pause" and app.button(key="train_step").disabled
    wait_for(app, lambda at: shown_step(at) > held + 3 and "**paused**" not in texts(at))
    if not app.button(key="train_stop").disabled:  # on a slow, busy machine the 136 steps may be done by now
        app.button(key="train_stop").click().run()
    wait_for(app, lambda at: "Stopped." in texts(at) or "Finished." in texts(at))
    assert registry().current.snapshot().lr_changes == [(held + 1, 0.01)]  # AppTest's server is this process
    assert any("lr 0.01" in e.value for e in app.markdown)  # marked on the loss curve


def test_an_interrupted_run_can_be_resumed_from_the_train_page(app, tmp_path):
    config = tiny_job_config(epochs=2, batch_size=500)  # 4 steps an epoch

    def cut_off(event):
        if event.kind == "eval" and event.full_eval:
            raise KeyboardInterrupt  # as when the server is killed: after the first epoch's checkpoint

    folder = tmp_path / "runs" / "cut-20260101-000000"
    with pytest.raises(KeyboardInterrupt):
        train(config, cut_off, out=folder / "model.pt")
    write_record(folder, RunRecord("cut-20260101-000000", None, Status.RUNNING, config=config.to_dict()))
    app.switch_page("pages/1_Train.py").run()
    assert "interrupted" in app.selectbox(key="train_saved_run").options[0]
    app.button(key="train_resume_run").click().run()
    wait_for(app, lambda at: "Finished." in texts(at))
    assert "Step 8 of 8" in texts(app)


def test_draw_fool_it_makes_the_model_say_the_digit_picked(app):
    show_drawing(app, drawing())
    assert "The model now says" not in texts(app)  # its tab closed: nothing computed
    open_tab(app, "Fool it")
    assert len(app.get("vega_lite_chart")) == 2  # the drawing's bars and the changed one's
    app.pills(key="draw_fool_target").set_value(3).run()
    app.slider(key="draw_fool_bound").set_value(0.3).run()
    assert not app.exception
    assert "The model now says **3**" in texts(app)
    assert {"Your digit", "Changed"} <= set(figures(app)) and any(f.startswith("The change: red adds ink")
                                                                  for f in figures(app))
