"""The shape of the code: imports run pages -> ui -> cnn only, nothing edits sys.path, ruff
passes with the project's settings, and the README's layout names every module."""
import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from support.procs import imported_by

ROOT = Path(__file__).resolve().parents[1]
OURS = ("cnn", "ui", "pages", "support", "bench", "docs", "tests", "app")
# What each layer may import from this repository, and what it may not import at all.
ALLOWED = {"cnn": {"cnn"}, "ui": {"cnn", "ui"}, "pages": {"cnn", "ui"}}
FORBIDDEN_IN_CNN = {"streamlit", "matplotlib", "altair", "pandas"}  # presentation lives in ui/


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """The top-level names of everything `path` imports (a relative import is its own package)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(path.relative_to(ROOT).parts[0] if node.level else node.module.split(".")[0])
    return names


def test_home_and_the_navigation_are_drawn_before_pytorch_is_imported():
    """Home's text, the sidebar and the links reach the screen first: PyTorch and cnn are imported only for
    Home's active model, last on the page (on a fresh server, seconds go by importing them)."""
    assert not imported_by("import ui.home") & {"torch", "cnn"}


@pytest.mark.parametrize("layer", ALLOWED)
def test_imports_run_from_pages_to_ui_to_cnn_only(layer):
    files = python_files(layer) + ([ROOT / "app.py"] if layer == "pages" else [])
    assert files
    for path in files:
        ours = imported(path) & set(OURS)
        assert ours <= ALLOWED[layer], f"{path.relative_to(ROOT)} imports {sorted(ours - ALLOWED[layer])}"


def test_the_package_needs_no_user_interface_library():
    for path in python_files("cnn"):
        assert not imported(path) & FORBIDDEN_IN_CNN, f"{path.relative_to(ROOT)}: {imported(path) & FORBIDDEN_IN_CNN}"


def test_nothing_edits_sys_path():
    """Tests, benchmarks and docs import the support package; nobody reaches into another folder."""
    edits = [f"{path.relative_to(ROOT)}:{n}" for folder in OURS for path in python_files(folder)
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if re.search(r"sys\.path\.(insert|append)", line)]
    assert edits == []


def test_ruff_passes_with_the_project_settings():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]


def test_the_readme_layout_names_every_module():
    layout = ROOT.joinpath("README.md").read_text().split("## Layout", 1)[1]
    for folder in ("cnn", "ui", "support"):
        modules = [p.stem for p in python_files(folder) if p.stem != "__init__"]
        missing = [m for m in modules if not re.search(rf"\b{m}\b", layout)]
        assert missing == [], f"README's layout does not name {folder}/{missing}"
