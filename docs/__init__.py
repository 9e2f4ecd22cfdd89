"""Screenshots and pictures for the README; `python -m docs.take_screenshots` remakes the screenshots."""
