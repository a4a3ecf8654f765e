package dev.tenpak.cli;

import dev.tenpak.Tenpak;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tenpak decompress}: artifact -> JSON bundle. */
@Command(name = "decompress", mixinStandardHelpOptions = true,
        description = "Decode a tenpak artifact back into a JSON bundle.")
final class DecompressCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE", description = "Artifact to read.")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "PATH", description = "JSON bundle to write (replaced atomically).")
    Path output;

    @Override
    public Integer call() {
        Tenpak.decompress(input, output);
        spec.commandLine().getOut().println("wrote " + output);
        return 0;
    }
}
