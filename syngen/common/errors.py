"""User-facing errors: one line naming the problem and what to do about it."""


def first_line(exc: Exception, limit: int = 300) -> str:
    """The first line of an exception's message (libraries put tracebacks and hints below)."""
    text = str(exc).strip()
    return text.splitlines()[0][:limit] if text else type(exc).__name__


class SyngenError(Exception):
    """An error whose message is meant for the user as is (no traceback needed)."""


class DataError(SyngenError):
    """The seed file cannot be read or does not contain usable data."""


class ConfigError(SyngenError):
    """A run setting is invalid (k too large, unknown column, bad option...)."""


class BackendError(SyngenError):
    """A backend cannot be used (missing package, model, key or server)."""
