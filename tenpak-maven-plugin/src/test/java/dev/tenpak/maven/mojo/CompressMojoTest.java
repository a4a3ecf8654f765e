package dev.tenpak.maven.mojo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.codec.Codecs;
import dev.tenpak.maven.build.CompressRequest;
import dev.tenpak.maven.goal.Goals;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.project.MavenProject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The goals' fields, injected the way Maven injects them (by reflection), become the request; every
 * user-facing parameter carries a {@code tenpak.*} property.
 */
class CompressMojoTest {
    @TempDir
    Path base;

    private static void set(Object mojo, String field, Object value) throws Exception {
        Field f = mojo.getClass().getDeclaredField(field);
        f.setAccessible(true);
        f.set(mojo, value);
    }

    private CompressMojo mojo() throws Exception {
        MavenProject project = new MavenProject();
        project.setFile(base.resolve("pom.xml").toFile());
        CompressMojo m = new CompressMojo();
        set(m, "project", project);
        return m;
    }

    @Test
    void fieldsMapToTheRequest() throws Exception {
        CompressMojo m = mojo();
        set(m, "sourceDirectory", base.resolve("weights").toFile());
        set(m, "outputDirectory", base.resolve("target/classes/w").toFile());
        set(m, "includes", List.of("*.json"));
        set(m, "excludes", List.of("skip.json"));
        set(m, "codec", "raw_v1");
        set(m, "failOnErrorAbove", 0.25);
        set(m, "failIfNoModels", true);
        set(m, "force", true);
        set(m, "threads", 3);
        set(m, "keepRaw", List.of("^head\\.", "bias$"));
        set(m, "minElements", 128L);
        set(m, "maxMae", 0.002);
        set(m, "perTensor", true);
        set(m, "candidates", List.of("int8_sym_v1", "int4_sym_v1"));
        set(m, "planDirectory", base.resolve("target/plans").toFile());
        set(m, "entropy", "auto");
        CompressRequest r = Goals.request(m.settings());
        assertThat(r.plan()).hasValueSatisfying(p -> {
            assertThat(p.maxMae()).isEqualTo(0.002);
            assertThat(p.perTensor()).isTrue();
            assertThat(p.codecs()).containsExactly("int8_sym_v1", "int4_sym_v1");
            assertThat(p.entropy()).isEqualTo(dev.tenpak.options.EntropyMode.AUTO);
        });
        assertThat(r.options().entropy()).isEqualTo(dev.tenpak.options.EntropyMode.AUTO);
        assertThat(r.planDirectory()).isEqualTo(base.resolve("target/plans"));
        assertThat(r.baseDirectory()).isEqualTo(base.toAbsolutePath().normalize());
        assertThat(r.sourceDirectory()).isEqualTo(base.resolve("weights"));
        assertThat(r.outputDirectory()).isEqualTo(base.resolve("target/classes/w"));
        assertThat(r.includes()).containsExactly("*.json");
        assertThat(r.excludes()).containsExactly("skip.json");
        assertThat(r.options().codec()).isEqualTo("raw_v1");
        assertThat(r.failOnErrorAbove()).hasValue(0.25);
        assertThat(r.failIfNoModels()).isTrue();
        assertThat(r.force()).isTrue();
        assertThat(r.options().threads()).isEqualTo(3);
        assertThat(r.options().keepRaw()).containsExactly("^head\\.", "bias$");
        assertThat(r.options().minElements()).isEqualTo(128);
    }

    @Test
    void maxBitsPerWeightMapsToASizeBudgetPlan() throws Exception {
        CompressMojo m = mojo();
        set(m, "maxBitsPerWeight", 4.5);
        set(m, "candidates", List.of("kq4_v1", "kq5_v1"));
        CompressRequest r = Goals.request(m.settings());
        assertThat(r.plan()).hasValueSatisfying(p -> {
            assertThat(p.maxBitsPerWeight()).isEqualTo(4.5);
            assertThat(p.maxMae()).isNull();
            assertThat(p.codecs()).containsExactly("kq4_v1", "kq5_v1");
        });
    }

    @Test
    void aBadCodecFailsTheBuildAndAMalformedModelNamesTheFile() throws Exception {
        CompressMojo m = mojo();
        set(m, "codec", "nope_v9");
        assertThatThrownBy(m::execute).isInstanceOf(MojoFailureException.class).hasMessageContaining("nope_v9");

        Path models = Files.createDirectories(base.resolve("src/main/models"));
        Files.writeString(models.resolve("broken.json"), "{\"tensors\": [");
        CompressMojo m2 = mojo();
        set(m2, "codec", "int8_sym_v1");
        set(m2, "sourceDirectory", models.toFile());
        set(m2, "outputDirectory", base.resolve("target/classes/models").toFile());
        assertThatThrownBy(m2::execute)
                .isInstanceOf(MojoFailureException.class)
                .hasMessageContaining("src/main/models/broken.json");
    }

    /**
     * Maven's error line is the exception's message followed by the message of each cause that it does not
     * already contain (DefaultExceptionHandler.getMessage); this is that line, so a test can read it.
     */
    static String mavenErrorLine(Throwable e) {
        String line = e.getMessage();
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && !m.isEmpty() && !line.contains(m)) {
                line = line + ": " + m;
            }
        }
        return line;
    }

    /** The reason was printed twice, the second time after the file's absolute path. */
    @Test
    void aMalformedModelIsReportedOnceOnMavensErrorLine() throws Exception {
        Path models = Files.createDirectories(base.resolve("src/main/models"));
        Files.writeString(
                models.resolve("bad.json"),
                "{\"tensors\": [{\"name\": \"w\", \"shape\": [2, 3], \"data\": [1, 2, 3]}]}");
        CompressMojo m = mojo();
        set(m, "codec", "int8_sym_v1");
        set(m, "sourceDirectory", models.toFile());
        set(m, "outputDirectory", base.resolve("target/classes/models").toFile());
        assertThatThrownBy(m::execute).isInstanceOfSatisfying(MojoFailureException.class, e -> {
            assertThat(mavenErrorLine(e))
                    .isEqualTo("tenpak: cannot compress model file src/main/models/bad.json:"
                            + " tensor 'w': shape [2, 3] needs 6 values, data has 3");
            // mvn -e still shows the engine's own exception
            assertThat(e.getSuppressed()).hasSize(1);
            assertThat(e.getSuppressed()[0].getCause())
                    .hasMessageContaining(models.resolve("bad.json").toString());
        });
    }

    @Test
    void anOutputFolderUnderAFileIsABuildFailureNamingTheModel() throws Exception {
        // a file where a folder should be is the user's configuration to fix (a path of the wrong
        // kind), not a failure of the environment
        Path models = Files.createDirectories(base.resolve("src/main/models"));
        dev.tenpak.maven.build.BundlesForMojo.write(models.resolve("m.json"));
        Path blocker = Files.writeString(base.resolve("target"), "a file where the output folder should be");
        CompressMojo m = mojo();
        set(m, "codec", "int8_sym_v1");
        set(m, "sourceDirectory", models.toFile());
        set(m, "outputDirectory", blocker.resolve("classes/models").toFile());
        assertThatThrownBy(m::execute).isInstanceOf(MojoFailureException.class).hasMessageContaining("m.json");
    }

    @Test
    void skipDoesNothing() throws Exception {
        CompressMojo m = mojo();
        set(m, "codec", "nope_v9");
        set(m, "skip", true);
        m.execute();
    }

    /** The default codec is copied from the engine's constant at compile time; the two agree. */
    @Test
    void theDefaultCodecIsTheEngines() {
        assertThat(CompressMojo.DEFAULT_CODEC).isEqualTo(Codecs.DEFAULT);
    }

    /**
     * {@code mvn help:describe -Ddetail} turns each description into plain text, where
     * an XML example left its bare values at the end of the parameter and a link named an internal class.
     * Read from the generated descriptor: the annotations themselves are not kept at run time.
     */
    @Test
    void everyUserParameterHasATenpakPropertyAndAPlainDescription() throws Exception {
        Document d;
        try (InputStream in = CompressMojo.class.getClassLoader().getResourceAsStream("META-INF/maven/plugin.xml")) {
            assertThat(in).as("plugin descriptor on the test classpath").isNotNull();
            d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
        }
        NodeList mojos = d.getElementsByTagName("mojo");
        List<String> goals = new java.util.ArrayList<>();
        int checked = 0;
        for (int i = 0; i < mojos.getLength(); i++) {
            Element mojo = (Element) mojos.item(i);
            String goal = text(mojo, "goal");
            goals.add(goal);
            if (goal.equals("help")) {
                continue; // generated by maven-plugin-plugin with Maven's own parameter names
            }
            assertThat(text(mojo, "threadSafe")).as(goal).isEqualTo("true");
            Element config =
                    (Element) mojo.getElementsByTagName("configuration").item(0);
            NodeList params =
                    ((Element) mojo.getElementsByTagName("parameters").item(0)).getElementsByTagName("parameter");
            for (int j = 0; j < params.getLength(); j++) {
                Element p = (Element) params.item(j);
                if (!"true".equals(text(p, "editable"))) {
                    continue;
                }
                String name = text(p, "name");
                String expression = config.getElementsByTagName(name).item(0).getTextContent();
                assertThat(expression).as(goal + " " + name).startsWith("${tenpak.");
                assertThat(text(p, "description"))
                        .as(goal + " " + name)
                        .isNotBlank()
                        .doesNotContain("<pre>", "&lt;", "dev.tenpak", "Codecs", "{@link");
                checked++;
            }
        }
        assertThat(goals).containsExactlyInAnyOrder("compress", "verify", "export-compressed-tensors", "help");
        for (int i = 0; i < mojos.getLength(); i++) {
            Element mojo = (Element) mojos.item(i);
            if (!text(mojo, "goal").equals("help")) {
                assertThat(text(mojo, "description"))
                        .as(text(mojo, "goal"))
                        .contains("Maven 3.9 or newer running on JDK 25 or newer")
                        .doesNotContain("dev.tenpak", "{@link");
            }
        }
        assertThat(checked).isEqualTo(26);
    }

    private static String text(Element e, String child) {
        NodeList n = e.getElementsByTagName(child);
        return n.getLength() == 0 ? null : n.item(0).getTextContent().strip();
    }
}
