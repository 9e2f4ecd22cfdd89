"""Choosing a model on a page: the picker, its errors said plainly, and its checkpoint to download."""
from __future__ import annotations

from functools import partial
from operator import attrgetter
from pathlib import Path

import streamlit as st

import cnn
from ui.state import ModelChoice, load_choice, model_choices


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
    """A button that downloads the chosen model's checkpoint (read only when pressed)."""
    path = choice.path
    if path is None or not path.is_file():
        st.caption("The run in progress can be downloaded once it has ended.")
        return
    st.download_button("Download this model", data=partial(Path.read_bytes, path), file_name=checkpoint_name(path),
                       mime="application/octet-stream", key=key, icon=":material/download:",
                       help="The checkpoint file: load it with cnn.load_model(path) (see the README).")


def checkpoint_name(path: Path) -> str:
    """mnist_cnn.pt for the bundled model, <run name>.pt for a run's model.pt."""
    return f"{path.parent.name}.pt" if path.name == "model.pt" else path.name
