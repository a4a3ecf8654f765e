"""The harness's own error: a user mistake or a missing resource, reported as one line."""

from __future__ import annotations


class EvalError(Exception):
    """A problem the user can fix (a missing folder, an unreadable file, no network for a download).

    The message is one line that says what to pass or install instead; ``exit_code`` follows the
    CLI's convention (3: invalid input, 6: I/O error, 8: a missing package or download).
    """

    def __init__(self, message: str, exit_code: int = 3) -> None:
        super().__init__(message)
        self.exit_code = exit_code
