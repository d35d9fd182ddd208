"""The one exception type that carries a message meant for the user."""


class TextkitError(Exception):
    """A problem the user can act on (bad file, bad query, missing index…).

    The message is complete and specific: the CLI prints it as is to stderr,
    the app shows it as is. Never raise it for programming errors.
    """
