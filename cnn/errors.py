"""Everything the package reports to people, under one root: each message says what went wrong
and what to do. A page catches `CnnError` to show any of them; the extra bases let callers
that predate the root (`except ValueError`) keep working.
"""


class CnnError(Exception):
    """Anything this package reports to a person, with a message written for them."""


class ConfigError(CnnError, ValueError):
    """A training setting is out of range; raised before any work starts."""


class DataError(CnnError, RuntimeError):
    """MNIST is missing, unreadable or damaged."""


class CheckpointError(CnnError):
    """A checkpoint is missing, damaged or not one of ours; the message says which."""


class SaveError(CnnError):
    """The checkpoint could not be written (disk full, folder read-only...)."""


class StartError(CnnError):
    """A run could not start (its folder cannot be written)."""


class NoWeightsYetError(CnnError):
    """The run in progress has not shared any weights yet (it does after its first evaluation)."""


class EmptyDrawingError(CnnError, ValueError):
    """The canvas holds no ink (or too little to be a digit)."""


class PhotoError(CnnError, ValueError):
    """An uploaded photo cannot be read, or holds no digit that can be found."""


def first_line(e: BaseException, limit: int = 200) -> str:
    """The first line of a library exception's message (its type's name if it has none), cut at
    `limit`: the useful part to quote in one of the messages above."""
    text = str(e).strip()
    return text.splitlines()[0][:limit] if text else type(e).__name__


def is_int(value) -> bool:
    """A whole number, and not a bool (which Python counts as one): for the settings' checks."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
