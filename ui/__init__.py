"""Streamlit-side helpers shared by the pages: cached resources, model choices and charts.

Everything that computes lives in `cnn`; this package only caches and draws."""
