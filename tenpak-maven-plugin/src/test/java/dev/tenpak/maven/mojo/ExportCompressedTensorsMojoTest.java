package dev.tenpak.maven.mojo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.Tenpak;
import dev.tenpak.maven.build.HfFolders;
import dev.tenpak.options.CompressOptions;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.SystemStreamLog;
import org.apache.maven.project.MavenProject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The export-compressed-tensors goal as Maven runs it: its fields, its log, its failures, its descriptor. */
class ExportCompressedTensorsMojoTest {
    @TempDir
    Path base;

    /** Maven's log, kept for assertions. */
    static final class Lines extends SystemStreamLog {
        final List<String> info = new ArrayList<>();

        @Override
        public void info(CharSequence content) {
            info.add(content.toString());
        }
    }

    private static void set(Object mojo, String field, Object value) throws Exception {
        Field f = mojo.getClass().getDeclaredField(field);
        f.setAccessible(true);
        f.set(mojo, value);
    }

    private ExportCompressedTensorsMojo mojo(Path artifact, Lines log) throws Exception {
        MavenProject project = new MavenProject();
        project.setFile(base.resolve("pom.xml").toFile());
        ExportCompressedTensorsMojo m = new ExportCompressedTensorsMojo();
        set(m, "project", project);
        set(m, "artifact", artifact == null ? null : artifact.toFile());
        set(m, "exportDirectory", base.resolve("target/compressed-tensors").toFile());
        set(m, "stateDirectory", base.resolve("target/tenpak/exports").toFile());
        m.setLog(log);
        return m;
    }

    @Test
    void fieldsMapToTheSettings() throws Exception {
        ExportCompressedTensorsMojo m = mojo(base.resolve("a.tenpak"), new Lines());
        set(m, "threads", 3);
        set(m, "force", true);
        ExportSettings s = m.settings();
        assertThat(s.baseDirectory()).isEqualTo(base.toFile());
        assertThat(s.artifact()).isEqualTo(base.resolve("a.tenpak").toFile());
        assertThat(s.exportDirectory())
                .isEqualTo(base.resolve("target/compressed-tensors").toFile());
        assertThat(s.stateDirectory())
                .isEqualTo(base.resolve("target/tenpak/exports").toFile());
        assertThat(s.threads()).isEqualTo(3);
        assertThat(s.force()).isTrue();
    }

    @Test
    void exportsAndLogsTheReportOnMavensLog() throws Exception {
        Path art = base.resolve("tiny.tenpak");
        Tenpak.compress(
                HfFolders.write(base.resolve("tiny")),
                art,
                CompressOptions.defaults().withCodec("int8_sym_g32_v1").withThreads(2));
        Lines log = new Lines();
        mojo(art, log).execute();
        assertThat(log.info)
                .singleElement()
                .asString()
                .startsWith("tenpak: exported tiny.tenpak to target/compressed-tensors as compressed-tensors: "
                        + "2 Linear layer(s) quantized [int8_sym_g32_v1], 0 left dense, ");
        assertThat(base.resolve("target/compressed-tensors/config.json"))
                .content()
                .contains("quantization_config");
    }

    @Test
    void anArtifactWithoutConfigJsonIsABuildFailureOfOneLineAndLeavesNoFolder() throws Exception {
        Path art = base.resolve("lone.tenpak");
        Tenpak.compress(
                HfFolders.write(base.resolve("tiny")).resolve("model.safetensors"),
                art,
                CompressOptions.defaults().withCodec("int4_sym_g32_v1").withThreads(2));
        assertThatThrownBy(mojo(art, new Lines())::execute).isInstanceOfSatisfying(MojoFailureException.class, e -> {
            String line = CompressMojoTest.mavenErrorLine(e);
            assertThat(line)
                    .startsWith("tenpak: cannot export lone.tenpak as compressed-tensors: ")
                    .contains("config.json")
                    .doesNotContain("\n");
            assertThat(e.getSuppressed()).hasSize(1); // mvn -e still shows the engine's exception
        });
        assertThat(base.resolve("target/compressed-tensors")).doesNotExist();
        assertThat(base.resolve("target/tenpak/exports")).doesNotExist();
    }

    @Test
    void noArtifactIsABuildFailureNamingTheParameter() throws Exception {
        assertThatThrownBy(mojo(null, new Lines())::execute)
                .isInstanceOf(MojoFailureException.class)
                .hasMessageContaining("<artifact> (tenpak.artifact)");
    }

    @Test
    void skipDoesNothing() throws Exception {
        ExportCompressedTensorsMojo m = mojo(null, new Lines());
        set(m, "skip", true);
        m.execute();
        assertThat(base.resolve("target")).doesNotExist();
    }

    /**
     * The goal's parameters in the generated descriptor: each user parameter with its {@code tenpak.*}
     * property (shared with the other goals where it means the same), the package phase, thread safety.
     * {@link CompressMojoTest#everyUserParameterHasATenpakPropertyAndAPlainDescription} checks every goal's
     * descriptions.
     */
    @Test
    void theDescriptorNamesTheGoalItsPhaseAndItsTenpakProperties() throws Exception {
        Document d;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("META-INF/maven/plugin.xml")) {
            assertThat(in).as("plugin descriptor on the test classpath").isNotNull();
            d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
        }
        NodeList mojos = d.getElementsByTagName("mojo");
        Element mojo = null;
        for (int i = 0; i < mojos.getLength(); i++) {
            Element e = (Element) mojos.item(i);
            if (text(e, "goal").equals("export-compressed-tensors")) {
                mojo = e;
            }
        }
        assertThat(mojo).as("export-compressed-tensors in plugin.xml").isNotNull();
        assertThat(text(mojo, "phase")).isEqualTo("package");
        assertThat(text(mojo, "threadSafe")).isEqualTo("true");
        Element config = (Element) mojo.getElementsByTagName("configuration").item(0);
        NodeList params = ((Element) mojo.getElementsByTagName("parameters").item(0)).getElementsByTagName("parameter");
        Map<String, String> properties = new TreeMap<>();
        for (int j = 0; j < params.getLength(); j++) {
            Element p = (Element) params.item(j);
            if ("true".equals(text(p, "editable"))) {
                String name = text(p, "name");
                properties.put(name, config.getElementsByTagName(name).item(0).getTextContent());
            }
        }
        assertThat(properties)
                .containsOnly(
                        Map.entry("artifact", "${tenpak.artifact}"),
                        Map.entry("exportDirectory", "${tenpak.exportDirectory}"),
                        Map.entry("threads", "${tenpak.threads}"),
                        Map.entry("force", "${tenpak.force}"),
                        Map.entry("skip", "${tenpak.skip}"));
        Element export =
                (Element) config.getElementsByTagName("exportDirectory").item(0);
        assertThat(export.getAttribute("default-value")).isEqualTo("${project.build.directory}/compressed-tensors");
    }

    private static String text(Element e, String child) {
        NodeList n = e.getElementsByTagName(child);
        return n.getLength() == 0 ? null : n.item(0).getTextContent().strip();
    }

    @Test
    void theStateIsKeptUnderTheBuildFolderNotInTheExportedFolder() throws Exception {
        Path art = base.resolve("tiny.tenpak");
        Tenpak.compress(
                HfFolders.write(base.resolve("tiny")),
                art,
                CompressOptions.defaults().withCodec("int4_sym_g32_v1").withThreads(2));
        Lines log = new Lines();
        mojo(art, log).execute();
        mojo(art, log).execute();
        assertThat(log.info.get(1)).contains("up to date");
        try (var s = Files.list(base.resolve("target/compressed-tensors"))) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("config.json", "tokenizer_config.json", "model.safetensors");
        }
        try (var s = Files.list(base.resolve("target/tenpak/exports"))) {
            assertThat(s).singleElement().asString().endsWith(".json");
        }
    }
}
