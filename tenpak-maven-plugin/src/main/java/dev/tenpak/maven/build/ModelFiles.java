package dev.tenpak.maven.build;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds model files under a folder with Ant-style patterns, the way Maven's own {@code <includes>}
 * work: paths are relative to the folder with {@code '/'} separators, {@code **} matches zero or
 * more folders, {@code *} any run of characters within one name, {@code ?} one character, and a
 * pattern ending in {@code '/'} means everything below that folder. Matching is case-sensitive.
 * Results are sorted by relative path so every build sees the same order.
 */
public final class ModelFiles {
    private ModelFiles() {}

    /** Regular files under {@code root} matched by at least one include and no exclude. */
    public static List<Path> scan(Path root, List<String> includes, List<String> excludes) throws IOException {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (!Files.isRegularFile(p)) {
                    continue;
                }
                String rel = relative(root, p);
                if (includes.stream().anyMatch(i -> matches(rel, i))
                        && excludes.stream().noneMatch(e -> matches(rel, e))) {
                    found.add(p);
                }
            }
        }
        found.sort(Comparator.comparing(p -> relative(root, p)));
        return found;
    }

    /**
     * The files ending in {@code extension} under {@code output} (an output folder of the compress goal),
     * relative to it with {@code '/'} separators, sorted. A sub-folder holding its own
     * {@value Manifest#FILE_NAME} belongs to another execution of the goal and is not entered.
     * An absent folder has none.
     */
    public static List<String> artifacts(Path output, String extension) throws IOException {
        List<String> found = new ArrayList<>();
        if (!Files.isDirectory(output)) {
            return found;
        }
        Files.walkFileTree(output, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return !dir.equals(output) && Files.exists(dir.resolve(Manifest.FILE_NAME))
                        ? FileVisitResult.SKIP_SUBTREE
                        : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && file.getFileName().toString().endsWith(extension)) {
                    found.add(relative(output, file));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        found.sort(Comparator.naturalOrder());
        return found;
    }

    /**
     * How a manifest names {@code file}: relative to the project folder {@code base} with {@code '/'}
     * separators, or absolute when it lies outside it.
     */
    public static String projectPath(Path base, Path file) {
        Path abs = file.toAbsolutePath().normalize();
        return abs.startsWith(base)
                ? relative(base, abs)
                : abs.toString().replace(abs.getFileSystem().getSeparator(), "/");
    }

    /** {@code p} relative to {@code root}, with {@code '/'} separators on every platform. */
    public static String relative(Path root, Path p) {
        return root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
    }

    /** True when the relative path {@code path} (with {@code '/'} separators) matches the Ant pattern. */
    public static boolean matches(String path, String pattern) {
        String pat = pattern.replace('\\', '/');
        if (pat.startsWith("/")) {
            pat = pat.substring(1);
        }
        if (pat.endsWith("/")) {
            pat = pat + "**";
        }
        return match(pat.split("/"), 0, path.split("/"), 0);
    }

    private static boolean match(String[] pat, int pi, String[] path, int si) {
        if (pi == pat.length) {
            return si == path.length;
        }
        if (pat[pi].equals("**")) {
            // zero or more folders: try every split point
            for (int k = si; k <= path.length; k++) {
                if (match(pat, pi + 1, path, k)) {
                    return true;
                }
            }
            return false;
        }
        return si < path.length && segment(pat[pi]).matcher(path[si]).matches() && match(pat, pi + 1, path, si + 1);
    }

    private static Pattern segment(String glob) {
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*' || c == '?') {
                if (!literal.isEmpty()) {
                    re.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                re.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (!literal.isEmpty()) {
            re.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
