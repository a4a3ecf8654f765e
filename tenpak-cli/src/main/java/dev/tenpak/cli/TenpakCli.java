package dev.tenpak.cli;

import dev.tenpak.Tenpak;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.TenpakException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code tenpak} command line. Each subcommand parses its flags, calls the {@link Tenpak}
 * facade and prints; no engine logic lives here.
 *
 * <p>Exit codes: 0 success; 1 an unexpected internal error (a bug: please report it with
 * {@code --verbose}); 2 bad usage (unknown flag, missing argument); 3 invalid input; 4 corrupt
 * artifact; 5 unsupported version or codec; 6 operating-system I/O error; 7 quality budget not met; 8 a
 * required program or package is missing.
 */
@Command(
        name = "tenpak",
        mixinStandardHelpOptions = true,
        versionProvider = TenpakCli.Version.class,
        description = "Compress model tensors into versioned, tensor-aware artifacts.",
        subcommands = {
            CompressCommand.class,
            DecompressCommand.class,
            InspectCommand.class,
            PlanCommand.class,
            BenchCommand.class,
            DeltaCommand.class,
            MaterializeCommand.class,
            RunevalCommand.class,
            CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            // the numbers are the engine's (TenpakException.EXIT_*), the one source of them
            TenpakException.EXIT_OK + ":success",
            TenpakException.EXIT_INTERNAL + ":internal error (run again with --verbose and report it)",
            TenpakException.EXIT_USAGE + ":bad usage: unknown flag or missing argument",
            TenpakException.EXIT_INVALID_INPUT
                    + ":invalid input (missing file, malformed bundle, shape mismatch, duplicate name)",
            TenpakException.EXIT_CORRUPT + ":corrupt artifact (bad magic, truncated, checksum mismatch)",
            TenpakException.EXIT_UNSUPPORTED + ":unsupported artifact version or unknown codec",
            TenpakException.EXIT_IO + ":I/O error from the operating system",
            TenpakException.EXIT_BUDGET + ":quality budget not met",
            TenpakException.EXIT_MISSING_DEPENDENCY
                    + ":a required program or package is missing (runeval: Python with torch, transformers, tenpak)"
        })
public final class TenpakCli implements Runnable {
    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces for errors.")
    boolean verbose;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "missing command (try 'tenpak --help')");
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** The engine names options neutrally ({@code keep-raw}); the CLI adds its own spelling, the flag. */
    static String flagHint(TenpakException e) {
        return e instanceof InvalidInputException ie && ie.option() != null ? " (--" + ie.option() + ")" : "";
    }

    /** Runs the CLI with the given streams and returns the exit code (tests call this). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new TenpakCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean verbose = parsed.matchedOptionValue("--verbose", false)
                    || parsed.subcommands().stream().anyMatch(s -> s.matchedOptionValue("--verbose", false));
            if (verbose) {
                ex.printStackTrace(err);
            }
            if (ex instanceof TenpakException te) {
                err.println("tenpak: error: " + te.getMessage() + flagHint(te));
                return te.exitCode();
            }
            err.println("tenpak: internal error: " + ex + (verbose ? "" : " (run with --verbose for details)"));
            return TenpakException.EXIT_INTERNAL;
        });
        cli.setParameterExceptionHandler((ex, args2) -> {
            err.println("tenpak: " + ex.getMessage());
            CommandLine c = ex.getCommandLine();
            err.println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for usage.");
            return TenpakException.EXIT_USAGE;
        });
        try {
            return cli.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** Reports the build's version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"tenpak " + Tenpak.version(), "Java " + Runtime.version()};
        }
    }
}
