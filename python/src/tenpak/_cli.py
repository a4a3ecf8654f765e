"""The ``tenpak`` command the wheel installs: the bundled engine's command line, run on the Java
runtime the package finds (``tenpak.find_java``), like ``bin/tenpak`` in a source tree or a release.

The engine jar's manifest names the command line's main class, so this module names no Java class:
it runs ``java <flags> -jar <jar> <args>`` as a child process, passing the arguments, standard input
and output, and the exit code straight through. It starts the JVM with the flags ``bin/tenpak``
uses and drops the one line the JVM prints when the Vector API module is added.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Sequence

from . import _jvm
from .errors import TenpakJVMError


def command(args: Sequence[str]) -> list[str]:
    """The command line that runs the engine's CLI with ``args``."""
    runtime = _jvm.find_java()
    jar = _jvm.find_jar()
    exe = runtime.home / "bin" / ("java.exe" if os.name == "nt" else "java")
    flags = ["--enable-native-access=ALL-UNNAMED", *_jvm.JIT_ARGS]
    if runtime.has_vector_module:
        flags += ["--add-modules", "jdk.incubator.vector"]
    flags += shlex.split(os.environ.get("TENPAK_JAVA_OPTS", ""))
    return [str(exe), *flags, "-jar", str(jar), *args]


def _copy_dropping_incubator_line(src: int, dst: int) -> None:
    """Copies ``src`` to ``dst`` as it comes (progress bars stream), except the JVM's start-up line
    :data:`tenpak._jvm.INCUBATOR_WARNING` when it is the first line."""
    head = b""
    checking = True
    while True:
        chunk = os.read(src, 65536)
        if not chunk:
            if head:
                os.write(dst, head)
            return
        if checking:
            head += chunk
            if b"\n" not in head and len(head) < len(_jvm.INCUBATOR_WARNING) + 2:
                continue
            first, nl, rest = head.partition(b"\n")
            chunk = rest if first.rstrip(b"\r") == _jvm.INCUBATOR_WARNING else head
            checking = False
            head = b""
        if chunk:
            os.write(dst, chunk)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the engine's command line with ``argv`` (default ``sys.argv[1:]``); returns its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        cmd = command(args)
    except TenpakJVMError as e:
        print(f"tenpak: {e}", file=sys.stderr)
        return 1
    keep = os.environ.get("TENPAK_KEEP_JVM_WARNING") == "1"
    sys.stdout.flush()
    sys.stderr.flush()
    proc = subprocess.Popen(cmd, stderr=None if keep else subprocess.PIPE)
    copier = None
    if proc.stderr is not None:
        copier = threading.Thread(
            target=_copy_dropping_incubator_line, args=(proc.stderr.fileno(), sys.stderr.fileno()), daemon=True
        )
        copier.start()
    while True:
        try:
            code = proc.wait()
            break
        except KeyboardInterrupt:
            continue  # the child got the same SIGINT; its exit code says how it ended
    if copier is not None:
        copier.join()
    return code if code >= 0 else 128 - code


def entry() -> None:
    """The console script's entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
