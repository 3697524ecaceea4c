"""A validation error as one Chinese sentence for a page message."""


def error_text(exc):
    """Every message of a ValidationError (field errors included), joined."""
    return "；".join(exc.messages)
