"""Error messages for people: the useful part of an exception from a library."""


def first_line(e: BaseException, limit: int = 200) -> str:
    """The first line of the exception's message (its type's name if it has none), cut at `limit`."""
    text = str(e).strip()
    return text.splitlines()[0][:limit] if text else type(e).__name__
