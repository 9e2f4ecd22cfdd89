"""Choosing a model on a page: the picker, its errors said plainly, and its checkpoint to download."""
from __future__ import annotations

from functools import partial
from operator import attrgetter
from pathlib import Path

import streamlit as st

import cnn
from cnn import export, runs
from ui.state import ModelChoice, checkpoint, load_choice, model_choices


def pick_model(key: str, label: str = "Model", include_live: bool = True) -> tuple[ModelChoice, cnn.Net | None]:
    """A model picker; the model chosen (None, with the reason shown, if it cannot be used)."""
    choice = st.selectbox(label, model_choices(include_live), format_func=attrgetter("label"), key=key)
    if choice.error:
        st.error(f"This model cannot be used: {choice.error}")
        return choice, None
    try:
        return choice, load_choice(choice)
    except cnn.CheckpointError as e:
        st.error(f"This model cannot be used: {e} Choose another one above.")
    except cnn.NoWeightsYetError as e:
        st.info(str(e))
    return choice, None


def download(choice: ModelChoice, key: str) -> None:
    """A menu that downloads the chosen model: its checkpoint, or exported to ONNX or TorchScript
    (each made only when its button is pressed)."""
    path = choice.path
    if path is None or not path.is_file():
        st.caption("The run in progress can be downloaded once it has ended.")
        return
    stem = checkpoint_name(path).removesuffix(".pt")
    with st.popover("Download", icon=":material/download:", width="stretch", help="This model, to use elsewhere"):
        st.download_button("Checkpoint (.pt)", data=partial(Path.read_bytes, path), file_name=f"{stem}.pt",
                           mime="application/octet-stream", key=key, width="stretch",
                           help="For this app and cnn.load_model(path): weights, settings and metrics.")
        st.download_button("TorchScript (.ts.pt)", data=partial(_exported, path, export.torchscript_bytes),
                           file_name=f"{stem}.ts.pt", mime="application/octet-stream", key=f"{key}_torchscript",
                           width="stretch", help="torch.jit.load(path)(images) -> probabilities, without this package.")
        if export.onnx_available():
            st.download_button("ONNX (.onnx)", data=partial(_exported, path, export.onnx_bytes),
                               file_name=f"{stem}.onnx", mime="application/octet-stream", key=f"{key}_onnx",
                               width="stretch", help="For onnxruntime and other ONNX runtimes: see the README.")
        else:
            st.caption(f"ONNX export needs the optional packages: `{export.ONNX_HOW}`, then restart the app.")


def upload(picker_key: str, key: str) -> None:
    """A menu that brings a model in: a checkpoint this app saved becomes a run, offered on every page
    and chosen in the picker `picker_key`; anything else is refused, saying why, and nothing is saved."""
    with st.popover("Upload", icon=":material/upload:", width="stretch", help="Bring in a model this app saved"):
        st.file_uploader(f"A checkpoint this app saved (.pt, up to {runs.MAX_MODEL_MB} MB)", type=["pt"], key=key,
                         max_upload_size=runs.MAX_MODEL_MB, on_change=_uploaded, args=(key, picker_key))
        said = st.session_state.get(f"{key}_said")
        if said:
            getattr(st, said[0])(said[1])


def _uploaded(key: str, picker_key: str) -> None:
    """Save the file just uploaded (once: in the widget's callback, not at every rerun) and choose it."""
    file = st.session_state[key]
    if file is None:  # the file was removed from the uploader
        st.session_state.pop(f"{key}_said", None)
        return
    try:
        name = runs.add_model(file.getvalue(), file.name)
    except cnn.CheckpointError as e:
        st.session_state[f"{key}_said"] = ("error", f"Not added: {e}")
        return
    chosen = next(c for c in model_choices() if c.path is not None and c.path.parent.name == name)
    st.session_state[picker_key] = chosen
    st.session_state[f"{key}_said"] = ("success", f"Added as the run {name}, chosen above; every page offers it.")


def _exported(path: Path, to_bytes) -> bytes:
    """The checkpoint's model as `to_bytes` exports it (called when its button is pressed)."""
    return to_bytes(checkpoint(path).model)


def checkpoint_name(path: Path) -> str:
    """mnist_cnn.pt for the bundled model, <run name>.pt for a run's model.pt."""
    return f"{path.parent.name}.pt" if path.name == "model.pt" else path.name
