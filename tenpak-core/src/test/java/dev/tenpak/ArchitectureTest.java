package dev.tenpak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.internal.format.artifact.ReservedKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering docs/ARCHITECTURE.md draws, checked on the sources: every package of tenpak-core sits
 * in one layer, imports only packages of layers below it (never a sibling of its own layer, never
 * one above), has a {@code package-info.java}, and {@code module-info.java} exports exactly the API
 * packages. Adding a package means adding it here, in a layer, which is the point.
 */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java");

    /** Bottom to top; a package may import any package of a lower layer. */
    static final List<List<String>> LAYERS = List.of(
            List.of("dev.tenpak.error"),
            List.of("dev.tenpak.internal.io"),
            List.of("dev.tenpak.internal.kernel"),
            List.of("dev.tenpak.internal.entropy"),
            List.of("dev.tenpak.tensor"),
            List.of("dev.tenpak.codec"),
            List.of("dev.tenpak.options", "dev.tenpak.report"),
            List.of("dev.tenpak.internal.codec"),
            List.of("dev.tenpak.internal.codec.*"),
            List.of("dev.tenpak.internal.format.json", "dev.tenpak.internal.format.artifact"),
            List.of("dev.tenpak.internal.format.safetensors"),
            List.of("dev.tenpak.internal.format.hf"),
            List.of("dev.tenpak.internal.format.compressedtensors"),
            List.of("dev.tenpak.internal.format"),
            List.of("dev.tenpak.internal.pipeline"),
            List.of("dev.tenpak.internal.plan", "dev.tenpak.internal.delta"),
            List.of("dev.tenpak"),
            List.of("dev.tenpak.internal.bridge"));

    /** What {@code module-info.java} exports: the facade, its options and reports, the model, the errors, the SPI. */
    static final Set<String> API = Set.of(
            "dev.tenpak",
            "dev.tenpak.error",
            "dev.tenpak.tensor",
            "dev.tenpak.codec",
            "dev.tenpak.options",
            "dev.tenpak.report");

    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern IMPORT =
            Pattern.compile("^import (?:static )?(dev\\.tenpak\\.[\\w.]+);", Pattern.MULTILINE);

    static int layerOf(String pkg) {
        for (int i = 0; i < LAYERS.size(); i++) {
            for (String p : LAYERS.get(i)) {
                if (p.endsWith(".*") ? pkg.startsWith(p.substring(0, p.length() - 1)) : pkg.equals(p)) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** Package of an imported name: the lower-case prefix (nested classes and static members dropped). */
    static String packageOf(String imported) {
        List<String> parts = new ArrayList<>();
        for (String s : imported.split("\\.")) {
            if (Character.isUpperCase(s.charAt(0))) {
                break;
            }
            parts.add(s);
        }
        return String.join(".", parts);
    }

    private static Map<String, String> sources() throws IOException {
        Map<String, String> byFile = new TreeMap<>();
        try (Stream<Path> s = Files.walk(MAIN)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".java")).toList()) {
                byFile.put(MAIN.relativize(p).toString(), Files.readString(p));
            }
        }
        return byFile;
    }

    @Test
    void noPackageImportsAPackageAboveItOrASiblingOfItsLayer() throws IOException {
        List<String> violations = new ArrayList<>();
        for (var f : sources().entrySet()) {
            if (f.getKey().equals("module-info.java")) {
                continue;
            }
            Matcher pm = PACKAGE.matcher(f.getValue());
            assertThat(pm.find()).as("package line of %s", f.getKey()).isTrue();
            String pkg = pm.group(1);
            int layer = layerOf(pkg);
            assertThat(layer)
                    .as("layer of package %s (%s): add it to LAYERS and docs/ARCHITECTURE.md", pkg, f.getKey())
                    .isNotNegative();
            Matcher im = IMPORT.matcher(f.getValue());
            while (im.find()) {
                String target = packageOf(im.group(1));
                if (target.equals(pkg)) {
                    continue;
                }
                int to = layerOf(target);
                if (to < 0 || to >= layer) {
                    violations.add(
                            f.getKey() + " (layer " + layer + ") imports " + im.group(1) + " (layer " + to + ")");
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void everyPackageSaysWhatItOwnsInAPackageInfo() throws IOException {
        Set<String> packages = new TreeSet<>();
        Set<String> documented = new TreeSet<>();
        for (var f : sources().entrySet()) {
            Matcher pm = PACKAGE.matcher(f.getValue());
            if (pm.find()) {
                packages.add(pm.group(1));
                if (f.getKey().endsWith("package-info.java")) {
                    documented.add(pm.group(1));
                }
            }
        }
        assertThat(documented).isEqualTo(packages);
    }

    @Test
    void theModuleExportsExactlyTheApiPackages() throws IOException {
        String module = Files.readString(MAIN.resolve("module-info.java"));
        Set<String> exported = new TreeSet<>();
        Matcher m =
                Pattern.compile("^\\s*exports ([\\w.]+);", Pattern.MULTILINE).matcher(module);
        while (m.find()) {
            exported.add(m.group(1));
        }
        assertThat(exported).isEqualTo(new TreeSet<>(API));
        for (String api : API) {
            assertThat(api).as("API packages are not internal").doesNotContain(".internal");
        }
    }

    @Test
    void theLibraryDependsOnNoCommandLineLibrary() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        assertThat(pom).doesNotContain("picocli").doesNotContain("progressbar").doesNotContain("jline");
    }

    @Test
    void everyReservedMetadataKeyIsDocumentedInTheFormatSpecification() throws IOException {
        String format = Files.readString(Path.of("../docs/FORMAT.md"));
        int section = format.indexOf("## Reserved metadata keys");
        assertThat(section)
                .as("docs/FORMAT.md has a 'Reserved metadata keys' section")
                .isNotNegative();
        String text = format.substring(section);
        for (String key : ReservedKeys.all()) {
            assertThat(text).as("docs/FORMAT.md documents %s", key).contains("`" + key);
        }
    }
}
