"""The harness's own error: a user mistake or a missing resource, reported as one line."""

from __future__ import annotations

# The command line's exit codes, under the engine's names (TenpakException.EXIT_* and
# MissingDependencyException.EXIT_MISSING_DEPENDENCY): copied so that the harness can exit with them
# before, or without, starting a JVM; a test checks each against the engine's.
EXIT_INVALID_INPUT = 3
EXIT_UNSUPPORTED = 5
EXIT_IO = 6
EXIT_MISSING_DEPENDENCY = 8


class EvalError(Exception):
    """A problem the user can fix (a missing folder, an unreadable file, no network for a download).

    The message is one line that says what to pass or install instead; ``exit_code`` is the
    command line's (:data:`EXIT_INVALID_INPUT`, :data:`EXIT_IO`, :data:`EXIT_MISSING_DEPENDENCY`
    for a missing package or download, ...).
    """

    def __init__(self, message: str, exit_code: int = EXIT_INVALID_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code
