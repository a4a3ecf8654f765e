package dev.tenpak.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.internal.pipeline.KeepRawSelectorTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keep-raw options as the CLI spells them reach the selection policy and its report. */
class KeepRawCliTest {
    @TempDir
    Path dir;

    @Test
    void cliFlagsReachThePolicyAndThePrintedReportSaysWhatWasKept() throws Exception {
        Path in = KeepRawSelectorTest.bundle(dir);
        StringWriter out = new StringWriter();
        int rc = TenpakCli.execute(
                new String[] {
                    "compress",
                    "-i",
                    in.toString(),
                    "-o",
                    dir.resolve("c.tenpak").toString(),
                    "-c",
                    "int8_sym_g32_v1",
                    "--keep-raw",
                    "dense\\.weight$",
                    "--min-elements",
                    "3"
                },
                new PrintWriter(out, true),
                new PrintWriter(new StringWriter(), true));
        String text = out.toString();
        assertThat(rc).isZero();
        assertThat(text)
                .contains("kept enc.dense.weight as raw_v1: matches keep-raw pattern 'dense\\.weight$'")
                .contains("kept enc.dense.bias as raw_v1: 1-D tensor (bias or norm)")
                .doesNotContain("kept enc.small");
        StringWriter err = new StringWriter();
        rc = TenpakCli.execute(
                new String[] {
                    "compress",
                    "-i",
                    in.toString(),
                    "-o",
                    dir.resolve("d.tenpak").toString(),
                    "--keep-raw",
                    "[bad"
                },
                new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true));
        assertThat(rc).isNotZero();
        assertThat(err.toString()).contains("keep-raw pattern '[bad'");
    }
}
