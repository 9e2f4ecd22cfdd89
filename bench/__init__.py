"""Benchmarks, each run as a module from the repo root: `python -m bench.bench_trainer --help`.

The helpers they share with the tests (drawn digits, photos, the browser) are in support/.
"""
