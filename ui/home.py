"""The home page: what this is, the network, the active model, the way on."""
import streamlit as st

from ui.layout import PAGES

ARCHITECTURE = """
| layer | output shape | activation |
| --- | --- | --- |
| input | 1 × 28 × 28 | |
| conv1: 32 filters 5×5, "same" | 32 × 28 × 28 | ReLU |
| pool1: max 2×2, stride 2 | 32 × 14 × 14 | |
| conv2: 64 filters 5×5, "same" | 64 × 14 × 14 | ReLU |
| pool2: max 2×2, stride 2 | 64 × 7 × 7 | |
| fc1: 3136 → 1024 | 1024 | ReLU, dropout 0.4 |
| logits: 1024 → 10 | 10 | softmax |
"""


def render():
    st.title("MNIST CNN, live")
    st.markdown(
        "Train the classic MNIST convolutional network and watch it learn, live. "
        "Then draw a digit and see what it predicts, how sure it is, and what every layer does with your drawing."
    )
    left, right = st.columns([1.2, 1])
    with left:
        st.subheader("The network")
        st.markdown(ARCHITECTURE)
    with right:
        st.subheader("Active model")
        active = st.empty()
        active.caption("Loading PyTorch and the model…")
        st.subheader("Where next")
        for page in PAGES[1:]:
            st.page_link(page.path, label=page.pitch, icon=page.icon)
    with active.container():
        active_model()


def active_model() -> None:
    """The bundled model's accuracy and the run training now, if any. Last on the page, as PyTorch is
    imported here: on a fresh server the page was blank for 6.1 s before Home's title, now 1.9 s
    (bench/bench_first_paint.py, 2-core AMD EPYC)."""
    import cnn
    from ui.state import checkpoint, registry

    try:
        acc = checkpoint(cnn.BUNDLED_MODEL).metrics["test_acc"]
        st.metric("Bundled model, MNIST test accuracy", f"{acc:.2%}")
    except cnn.CheckpointError as e:
        st.error(f"The bundled model cannot be read: {e}")
    job = registry().current
    if job and job.running:
        s = job.snapshot()
        st.info(f"A run is training now: **{s.name}**, step {s.metrics.steps:,} of {s.total_steps:,}.")
