"""The project's own exceptions: each carries a message a user can act on.

The command line turns any `FrontdeskError` into one line on stderr and exit code 2.
"""


class FrontdeskError(Exception):
    """An error the user can cause and fix; its message says how."""


class StoreError(FrontdeskError):
    """The database file cannot be opened, created or migrated."""


class NotFoundError(FrontdeskError):
    """A conversation, message or other record named by the user does not exist."""
