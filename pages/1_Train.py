"""Train: pick a recipe, start a background run, watch it learn."""
from operator import attrgetter

import streamlit as st

from cnn.errors import StartError
from cnn.runs import CHECKPOINT
from cnn.train import OPTIMIZERS, PRESETS, make_config
from ui import network_view, train_link, train_view
from ui.layout import page_setup, steady_container
from ui.state import registry

PRESET_HELP = {
    "tutorial": "The original recipe: plain SGD, learning rate 0.001, batch 100, 20,000 steps (about 97%).",
    "fast": "Adam with a one-cycle schedule, one epoch: 99% in under a minute on a laptop.",
    "best": "Augmented like people draw, 10 epochs: about 99.5%, the bundled model's recipe.",
}


page_setup("Train")
st.title("Train")
train_link.follow_link()  # a shared setup, or "Train again with changes": before the widgets are drawn
reg = registry()
job = reg.current
running = bool(job and job.running)

st.session_state.setdefault("train_preset", "fast")  # in state, not as `index`: a link may set it too
preset = st.radio("Preset", list(PRESETS), horizontal=True, key="train_preset", disabled=running,
                  captions=[PRESET_HELP[p] for p in PRESETS])
train_link.preset_settings(preset)
with st.expander("Advanced"):
    a, b, c = st.columns(3)
    optimizer = a.selectbox("Optimizer", OPTIMIZERS, key=f"train_optimizer_{preset}", disabled=running)
    lr = a.number_input("Learning rate (peak)", min_value=1e-5, max_value=10.0, step=1e-4, format="%.4f",
                        key=f"train_lr_{preset}", disabled=running,
                        help="Too high and the loss blows up: try 10 with sgd to see a run diverge.")
    with a:
        precision = train_view.precision_picker(disabled=running)
    batch_size = b.select_slider("Batch size", train_link.BATCH_SIZES, key=f"train_batch_{preset}", disabled=running)
    epochs = b.number_input("Epochs", min_value=1, max_value=50, step=1, key=f"train_epochs_{preset}",
                            disabled=running)
    # The details in the help: a toggle's label is cut to one line, and this one did not fit a third of the page.
    augment = c.toggle("Augmentation", key=f"train_augment_{preset}", disabled=running,
                       help="Rotation, slant, size, shift and stroke width, varied at random like people draw.")
    seed = c.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key=f"train_seed_{preset}",
                          disabled=running)
    label = c.text_input("Run name", max_chars=40, placeholder=preset, key="train_label", disabled=running,
                         help="Starts the saved run's name; letters, digits, '-' and '_' are kept.")

network = network_view.designer(int(batch_size), precision, job)  # None: it cannot train here, and says why

config = make_config(preset, optimizer=optimizer, lr=float(lr), batch_size=int(batch_size), epochs=int(epochs),
                     augment=bool(augment), seed=int(seed), precision=precision, network=network)
if network is not None:
    train_link.remember(config)  # the address now says this setup: bookmark it, or send it
start_col, stop_col, control_col, _ = st.columns([1, 1, 2, 2])
# Streamlit drops a click on a button drawn disabled: one sent with a change that makes the network untrainable
# starts nothing.
if start_col.button("Start training", type="primary", disabled=running or network is None, key="train_start",
                    width="stretch"):
    try:
        job, started = reg.start(config, label)
    except StartError as e:
        st.error(str(e))
    else:
        if started:  # draw the page again with its settings and Start disabled: the live view reruns only itself
            st.rerun()
        running = True
        st.info("A run is already in progress on this server; here it is.")
if stop_col.button("Stop", disabled=not running, key="train_stop", width="stretch"):
    job.stop()
    st.toast("Stopping after the current step...")
    if job.wait_for(lambda j: not j.running, train_view.STOP_WAIT):
        st.rerun()  # draw the page with the run's result
if running:
    train_view.run_controls(job, control_col)


if job is None:
    st.info("No run yet on this server. Pick a preset and press **Start training**.")
elif running:
    with steady_container("live_run"):
        train_view.live()
else:
    train_view.ended(job.snapshot(), job.folder / CHECKPOINT)

runs = reg.runs()
if runs:
    with st.expander(f"Saved runs ({len(runs)})"):
        chosen = st.selectbox("Run", runs, format_func=attrgetter("label"), key="train_saved_run")
        network_view.saved_network(chosen)
        train_view.resume_button(reg, chosen)
        record = train_view.saved_run(chosen)
        if record is not None:
            train_link.again_with_changes(record.config)
