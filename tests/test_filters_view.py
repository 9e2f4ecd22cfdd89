"""What each filter looks for, on the Draw page (AppTest): the drawing's strongest conv2 channels with
their favourite test digits, any channel's favourites and an input made for it, and a clear message
(the rest still working) when MNIST cannot be read."""
import re
from html import unescape

import cnn
from cnn.filters import strongest_channels
from support.apptest import drawing, open_tab, show_drawing

TAB = "What each filter looks for"


def captions(app) -> list[str]:
    return [unescape(c) for e in app.markdown for c in re.findall(r"<figcaption[^>]*>(.*?)</figcaption>", e.value)]


def test_the_drawings_strongest_channels_come_with_their_favourite_test_digits(app):
    show_drawing(app, drawing())
    assert not any("test digits" in c for c in captions(app))  # its tab closed: nothing computed
    open_tab(app, TAB)
    image = cnn.prepare(drawing()).image
    strongest = strongest_channels(cnn.load_model(), image, "conv2", 4)
    shown = captions(app)
    assert [c for c in shown if c.startswith("channel ")] == [f"channel {c}: fires {v:.2f}" for c, v in strongest]
    assert shown.count("its best 9 test digits") == 4
    top = strongest[0][0]  # the channel picked at first: the drawing's strongest
    assert f"conv2 channel {top}: the 9 test digits it fires on most" in shown
    assert "Every conv2 channel's best nine, channel 0 top left, in reading order" in shown

    app.segmented_control(key="draw_filters_layer").set_value("conv1").run()
    app.slider(key="draw_filters_channel_conv1").set_value(5).run()
    assert not app.exception and "conv1 channel 5: the 9 test digits it fires on most" in captions(app)
    assert any(c.startswith("an input made for conv1 channel 5: ") for c in captions(app))


def test_without_mnist_the_favourites_say_why_and_made_inputs_still_work(app, tmp_path, monkeypatch):
    show_drawing(app, drawing())
    monkeypatch.setenv("CNN_DATA_DIR", str(tmp_path / "nowhere.npz"))
    shown = open_tab(app, TAB)
    assert "The favourite test digits need MNIST's test set." in shown and "not a readable MNIST slice" in shown
    assert not any("test digits" in c for c in captions(app))
    assert any(c.startswith("an input made for conv2 channel") for c in captions(app))
