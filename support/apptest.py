"""Reading and driving pages in Streamlit's AppTest: what a page says, waiting for it to say
something, and a training run small enough for a test."""
from __future__ import annotations

import time

import numpy as np

from cnn.finetune import finetune_config
from support.samples import stroke_canvas
from ui import my_digits_view


def texts(at) -> str:
    """Everything the page says in words: markdown (not the SVG charts), notes, captions and the
    progress bars' text."""
    shown = [e.value for kind in ("markdown", "info", "warning", "error", "success", "caption")
             for e in at.get(kind) if isinstance(e.value, str) and not e.value.startswith("<svg")]
    return "\n".join(shown + [bar.proto.text for bar in at.get("progress")])


def short_finetune(monkeypatch, steps: int = 30) -> None:
    """My digits' fine-tuning runs `steps` steps rather than 300: enough for a page's flow, while
    tests/test_finetune.py checks what the real run learns."""
    monkeypatch.setattr(my_digits_view, "finetune_config", lambda **kw: finetune_config(max_steps=steps, **kw))


def wait_for(at, condition, seconds: float = 90) -> None:
    """Rerun the page until `condition(at)` holds (a run's progress reaches it through the reruns)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        at.run()
        assert not at.exception
        if condition(at):
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out; page says:\n{texts(at)}")


def set_tiny_run(at, epochs: int) -> None:
    """The fast preset at batch 512: the 2,000 fixture images make 4 steps an epoch."""
    at.select_slider(key="train_batch_fast").set_value(512)
    at.number_input(key="train_epochs_fast").set_value(epochs)


def drawing() -> np.ndarray:
    """A '7' as the canvas returns it: (280, 280, 4) RGBA, white strokes on opaque black."""
    grey = (stroke_canvas(box=(50, 70, 230, 210), width=20) * 255).astype(np.uint8)
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])


def show_drawing(app, image):
    app.switch_page("pages/2_Draw.py").run()
    app.session_state["draw_image"] = image
    app.run()
    assert not app.exception
    return texts(app)


def open_tab(app, label: str) -> str:
    """Open one of Draw's tabs under the answer (only the open one is computed); what the page says."""
    app.session_state["draw_section"] = label
    app.run()
    assert not app.exception
    return texts(app)
