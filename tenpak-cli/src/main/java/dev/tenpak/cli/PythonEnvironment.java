package dev.tenpak.cli;

import dev.tenpak.error.MissingDependencyException;
import dev.tenpak.error.TenpakException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Finds the Python that runs the evaluation harness ({@code python -m tenpak.eval}) and checks that
 * it can: Python 3.10 or newer with {@code torch}, {@code transformers} and {@code tenpak}
 * importable. Looked up in this order: {@code TENPAK_PYTHON} (when set, only it), then
 * {@code <home>/.venv/bin/python}, then {@code python3} on {@code PATH}; the first that has every
 * module wins. {@code <home>} is the tenpak installation: the folder holding {@code bin/tenpak}
 * (the source checkout or the unpacked release tarball).
 *
 * <p>In a source checkout, {@code <home>/python/src} goes first on {@code PYTHONPATH}, so the
 * harness of this checkout runs without installing the package. Modules are checked with
 * {@code importlib.util.find_spec}, which finds them without importing (importing torch takes seconds).
 */
final class PythonEnvironment {
    static final List<String> MODULES = List.of("torch", "transformers", "tenpak");
    static final int MIN_MINOR = 10;

    /** Prints the version, then which of {@code modules} are missing (space separated, maybe none). */
    private static String probeScript(List<String> modules) {
        return "import sys, importlib.util\n"
                + "print('%d.%d.%d' % sys.version_info[:3])\n"
                + "print(' '.join(m for m in " + pyList(modules) + " if importlib.util.find_spec(m) is None))\n";
    }

    /** A Python that passed the check, and the environment to run the harness with. */
    record Found(Path python, String source, String version, Map<String, String> env) {}

    private record Probe(Path python, String source, String version, List<String> missing) {}

    private final Map<String, String> env;
    private final Path home;
    private final List<String> modules;
    private final String purpose;

    PythonEnvironment(Map<String, String> env, Path home) {
        this(env, home, MODULES, "runeval");
    }

    private PythonEnvironment(Map<String, String> env, Path home, List<String> modules, String purpose) {
        this.env = env;
        this.home = home;
        this.modules = modules;
        this.purpose = purpose;
    }

    /** The same lookup for a Python that has {@code needed} (module names) importable, for {@code purpose}. */
    PythonEnvironment needing(String purpose, List<String> needed) {
        return new PythonEnvironment(env, home, List.copyOf(needed), purpose);
    }

    static PythonEnvironment fromSystem() {
        return new PythonEnvironment(System.getenv(), home());
    }

    /** The tenpak installation: {@code tenpak.home}, {@code TENPAK_HOME}, else the nearest folder above this jar holding {@code bin/tenpak}. */
    static Path home() {
        String prop = System.getProperty("tenpak.home", System.getenv("TENPAK_HOME"));
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop).toAbsolutePath();
        }
        Path start;
        try {
            start = Path.of(PythonEnvironment.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (URISyntaxException | RuntimeException e) {
            start = Path.of("").toAbsolutePath();
        }
        for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("bin").resolve("tenpak"))) {
                return p;
            }
        }
        return Path.of("").toAbsolutePath();
    }

    Path homeDir() {
        return home;
    }

    /** The running engine's jar, when it runs from one (so the harness uses the same engine). */
    static Path ownJar() {
        try {
            Path p = Path.of(PythonEnvironment.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            return Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar") ? p : null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The Python to use.
     *
     * @param explicit a Python named with {@code --python}, or null to search
     * @throws MissingDependencyException with one line naming what is missing and how to install it
     */
    Found find(Path explicit) {
        List<Probe> probes = new ArrayList<>();
        List<String> looked = new ArrayList<>();
        String fromEnv = env.get("TENPAK_PYTHON");
        if (explicit != null || (fromEnv != null && !fromEnv.isBlank())) {
            String source = explicit != null ? "--python" : "TENPAK_PYTHON";
            Path p = explicit != null ? explicit : Path.of(fromEnv);
            if (!Files.isExecutable(p)) {
                throw new MissingDependencyException(source + " " + p + ": no such executable; point it at a Python 3."
                        + MIN_MINOR + "+ with " + String.join(", ", modules) + " installed");
            }
            probes.add(probe(p, source));
        } else {
            Path venv = home.resolve(".venv").resolve("bin").resolve("python");
            looked.add(venv.toString());
            if (Files.isExecutable(venv)) {
                probes.add(probe(venv, ".venv"));
            }
            looked.add("python3 on PATH");
            Path onPath = onPath("python3");
            if (onPath != null
                    && (probes.isEmpty() || !sameFile(onPath, probes.getFirst().python()))) {
                probes.add(probe(onPath, "PATH"));
            }
        }
        for (Probe p : probes) {
            if (p.missing().isEmpty() && minor(p.version()) >= MIN_MINOR) {
                return new Found(p.python(), p.source(), p.version(), harnessEnv());
            }
        }
        if (probes.isEmpty()) {
            throw new MissingDependencyException("no Python found (TENPAK_PYTHON is not set; looked for "
                    + String.join(" and ", looked) + "); install Python 3." + MIN_MINOR + "+ and then: python3 -m venv "
                    + home.resolve(".venv") + " && " + installHint(home.resolve(".venv/bin/python"), modules)
                    + " (or set TENPAK_PYTHON)");
        }
        Probe first = probes.getFirst();
        if (minor(first.version()) < MIN_MINOR) {
            throw new MissingDependencyException(first.python() + " (from " + first.source() + ") is Python "
                    + first.version() + "; " + purpose + " needs Python 3." + MIN_MINOR + "+ with "
                    + String.join(", ", modules)
                    + " (set TENPAK_PYTHON to one)");
        }
        throw new MissingDependencyException(first.python() + " (Python " + first.version() + ", from " + first.source()
                + ") lacks " + String.join(", ", first.missing()) + "; install with: "
                + installHint(first.python(), first.missing()));
    }

    private String installHint(Path python, List<String> missing) {
        List<String> pkgs = new ArrayList<>();
        for (String m : missing) {
            pkgs.add(m.equals("tenpak") ? tenpakRequirement() : m.replace('_', '-'));
        }
        return python + " -m pip install " + String.join(" ", pkgs);
    }

    /** What to pip-install for the tenpak module: the wheel beside the release, the source checkout, or the name. */
    String tenpakRequirement() {
        for (Path dir : List.of(home.resolve("python"), home)) {
            if (Files.isDirectory(dir)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "tenpak-*.whl")) {
                    for (Path whl : ds) {
                        return "'" + whl + "[torch]'";
                    }
                } catch (IOException e) {
                    // fall through to the other hints
                }
            }
        }
        if (Files.isRegularFile(home.resolve("python").resolve("pyproject.toml"))) {
            return "-e " + home.resolve("python");
        }
        return "'tenpak[torch]'";
    }

    private Map<String, String> harnessEnv() {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        Path src = home.resolve("python").resolve("src");
        if (Files.isDirectory(src.resolve("tenpak"))) {
            String old = env.get("PYTHONPATH");
            out.put("PYTHONPATH", src + (old == null || old.isEmpty() ? "" : java.io.File.pathSeparator + old));
        }
        return out;
    }

    private Probe probe(Path python, String source) {
        List<String> cmd = List.of(python.toString(), "-c", probeScript(modules));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.environment().putAll(harnessEnv());
        try {
            Process proc = pb.start();
            proc.getOutputStream().close();
            String text;
            try (InputStream in = proc.getInputStream()) {
                text = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
            }
            if (!proc.waitFor(120, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                throw new MissingDependencyException(python + " (from " + source + ") did not answer within 120 s; "
                        + "set TENPAK_PYTHON to a working Python 3." + MIN_MINOR + "+");
            }
            String[] lines = text.strip().split("\\R", -1);
            if (proc.exitValue() != 0 || lines.length < 1 || !lines[0].matches("\\d+\\.\\d+\\.\\d+")) {
                throw new MissingDependencyException(python + " (from " + source + ") is not a working Python ("
                        + firstLine(text) + "); set TENPAK_PYTHON to a Python 3." + MIN_MINOR + "+");
            }
            List<String> missing = lines.length > 1 && !lines[1].isBlank()
                    ? List.of(lines[1].strip().split("\\s+"))
                    : List.of();
            return new Probe(python, source, lines[0], missing);
        } catch (IOException e) {
            throw new MissingDependencyException(python + " (from " + source + ") cannot be run (" + e.getMessage()
                    + "); set TENPAK_PYTHON to a Python 3." + MIN_MINOR + "+");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TenpakException("interrupted while checking " + python);
        }
    }

    private Path onPath(String name) {
        String path = env.get("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private static int minor(String version) {
        String[] parts = version.split("\\.");
        int major = Integer.parseInt(parts[0]);
        return major > 3 ? Integer.MAX_VALUE : major < 3 ? -1 : Integer.parseInt(parts[1]);
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        t = nl < 0 ? t : t.substring(0, nl);
        return t.isEmpty() ? "no output" : t.length() > 200 ? t.substring(0, 200) : t;
    }

    private static String pyList(List<String> items) {
        return "(" + String.join(", ", items.stream().map(s -> "'" + s + "'").toList()) + ",)";
    }
}
