"""Errors the package reports to people: each message says what went wrong and what to do."""


class ConfigError(ValueError):
    """A training setting is out of range; raised before any work starts."""
