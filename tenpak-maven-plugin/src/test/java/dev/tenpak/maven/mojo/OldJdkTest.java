package dev.tenpak.maven.mojo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maven on a JDK older than 25 fails with one sentence naming the JDK to run Maven with,
 * both in the goals (instead of "Unable to load the mojo ... API incompatibility") and in {@code ./mvnw}
 * (instead of "Unrecognized option: --sun-misc-unsafe-memory-access=allow").
 */
class OldJdkTest {
    private static final Path CLASSES = Path.of("target/classes/dev/tenpak/maven/mojo");

    @TempDir
    Path dir;

    @Test
    void theSentenceNamesTheJdkToUseAndTheOneInUse() {
        String s = EngineCall.tooOldJdk(17, "17.0.16", "/usr/lib/jvm/java-17");
        assertThat(s)
                .isEqualTo("tenpak-maven-plugin needs Maven to run on JDK 25 or newer, and this Maven runs on"
                        + " Java 17.0.16 (/usr/lib/jvm/java-17): set JAVA_HOME to a JDK 25 and run Maven again.");
        assertThat(EngineCall.tooOldJdk(25, "25.0.1", "/x")).isNull();
        assertThat(EngineCall.tooOldJdk(26, "26", "/x")).isNull();
    }

    /** Class file major version 61 is Java 17; and no Java 25 class is named, only reached by name after the check. */
    @Test
    void theGoalClassesLoadOnJava17AndNameNoEngineClass() throws IOException {
        List<Path> classes;
        try (Stream<Path> s = Files.list(CLASSES)) {
            classes = s.filter(p -> p.toString().endsWith(".class")).sorted().toList();
        }
        assertThat(classes)
                .extracting(p -> p.getFileName().toString())
                .contains(
                        "CompressMojo.class",
                        "VerifyMojo.class",
                        "ExportCompressedTensorsMojo.class",
                        "HelpMojo.class",
                        "EngineCall.class");
        Pattern named = Pattern.compile("dev/tenpak/[A-Za-z0-9_/$]+");
        for (Path c : classes) {
            byte[] b = Files.readAllBytes(c);
            int major = ((b[6] & 0xff) << 8) | (b[7] & 0xff);
            assertThat(major).as(c.toString()).isEqualTo(61);
            Matcher m = named.matcher(new String(b, StandardCharsets.ISO_8859_1));
            while (m.find()) {
                assertThat(m.group())
                        .as(c + " names a class outside the goal package")
                        .startsWith("dev/tenpak/maven/mojo/");
            }
        }
    }

    @Test
    void mvnwOnAnOldJdkSaysWhichJdkToUse() throws Exception {
        Path home = dir.resolve("jdk17");
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\necho 'openjdk version \"17.0.2\" 2022-01-18' >&2\nexit 0\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Result r = run(List.of(Path.of("../mvnw").toAbsolutePath().normalize().toString(), "-v"), home.toString());
        assertThat(r.rc).isEqualTo(1);
        assertThat(r.output.strip())
                .isEqualTo("tenpak needs Maven to run on JDK 25 or newer, and this Maven would run on"
                        + " Java 17.0.2 (" + java + "): set JAVA_HOME to a JDK 25 and run ./mvnw again.");
    }

    /** The real thing where an older JDK is installed: the goal class loads on it and fails with the sentence. */
    @Test
    void onARealOlderJdkTheGoalFailsWithTheSentence() throws Exception {
        Optional<Path> old = olderJdk();
        Assumptions.assumeTrue(old.isPresent(), "no JDK older than 25 under /usr/lib/jvm");
        Path src = Files.writeString(dir.resolve("Run.java"), """
                public class Run {
                    public static void main(String[] args) throws Exception {
                        for (org.apache.maven.plugin.AbstractMojo goal : new org.apache.maven.plugin.AbstractMojo[] {
                                new dev.tenpak.maven.mojo.CompressMojo(), new dev.tenpak.maven.mojo.VerifyMojo(),
                                new dev.tenpak.maven.mojo.ExportCompressedTensorsMojo()}) {
                            try {
                                goal.execute();
                                System.out.println("no failure");
                            } catch (org.apache.maven.plugin.MojoExecutionException e) {
                                System.out.println(e.getMessage());
                            }
                        }
                    }
                }
                """);
        Result r = run(
                List.of(
                        old.get().resolve("bin/java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        src.toString()),
                null);
        assertThat(r.output)
                .as(r.output)
                .containsPattern("(?m)^tenpak-maven-plugin needs Maven to run on JDK 25 or newer,"
                        + " and this Maven runs on Java 1\\d[.\\d]* \\(.+\\): set JAVA_HOME to a JDK 25 and run Maven again\\.\\n"
                        + "tenpak-maven-plugin needs Maven .*again\\.\\n"
                        + "tenpak-maven-plugin needs Maven .*again\\.$");
        assertThat(r.output).doesNotContain("UnsupportedClassVersionError", "no failure");
    }

    private static Optional<Path> olderJdk() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(jvms)) {
            for (Path p : s.sorted().toList()) {
                Path release = p.resolve("release");
                if (Files.isRegularFile(release) && Files.isExecutable(p.resolve("bin/java"))) {
                    Matcher m = Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(Files.readString(release));
                    if (m.find() && Integer.parseInt(m.group(1)) >= 17 && Integer.parseInt(m.group(1)) < 25) {
                        return Optional.of(p);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private record Result(int rc, String output) {}

    private Result run(List<String> command, String javaHome) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
        if (javaHome != null) {
            pb.environment().put("JAVA_HOME", javaHome);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }
}
