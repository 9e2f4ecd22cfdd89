"""Helpers shared by the tests, the benchmarks (bench/) and the screenshot script (docs/take_screenshots.py).

One importable package, so none of them reaches into another's folder or edits sys.path:

- drawn_digits: MNIST test digits redrawn as canvas strokes, the stand-in for real drawings
- photos: MNIST test digits as JPEG photos of unevenly lit paper
- browser: a Streamlit server on a free port, headless Chromium, training and drawing through the pages
- faults: real faults (a read-only folder, a full disk) as small tmpfs mounts
- samples: the MNIST slice committed with the tests, tiny training configs, a synthetic stroke canvas

pytest finds it through `pythonpath = ["."]` in pyproject.toml; benchmarks and scripts run as
modules from the repo root (`python -m bench.bench_trainer`), which puts the root on the path.
"""
