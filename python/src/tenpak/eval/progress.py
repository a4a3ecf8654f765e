"""A progress display on stderr, so stdout carries only the tables (or the JSON)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Stage lines, plus an in-place counter for long loops when stderr is a terminal.

    On a terminal the counter rewrites one line (``\\r``); otherwise (a log file, CI) it prints a
    line every tenth of the loop, so logs stay short but still show that the run is alive.
    """

    def __init__(self, stream: TextIO | None = None, enabled: bool = True) -> None:
        self._out = stream if stream is not None else sys.stderr
        self._enabled = enabled
        self._tty = bool(getattr(self._out, "isatty", lambda: False)())
        self._start = time.monotonic()
        self._open = False

    def _elapsed(self) -> str:
        s = int(time.monotonic() - self._start)
        return f"{s // 60:02d}:{s % 60:02d}"

    def stage(self, message: str) -> None:
        """Prints one line: a step of the pipeline and its result."""
        if not self._enabled:
            return
        self._end_line()
        print(f"[{self._elapsed()}] {message}", file=self._out, flush=True)

    def count(self, label: str, done: int, total: int, extra: str = "") -> None:
        """Shows ``done`` of ``total`` for a loop (windows evaluated, optimizer steps)."""
        if not self._enabled or total <= 0:
            return
        text = f"[{self._elapsed()}]   {label} {done}/{total}{(' ' + extra) if extra else ''}"
        if self._tty:
            print("\r" + text + "\033[K", end="", file=self._out, flush=True)
            self._open = done < total
            if not self._open:
                print(file=self._out, flush=True)
        else:
            step = max(1, total // 10)
            if done == total or done % step == 0:
                print(text, file=self._out, flush=True)

    def _end_line(self) -> None:
        if self._open:
            print(file=self._out, flush=True)
            self._open = False
