package dev.tenpak.cli;

import picocli.CommandLine.Option;

/** {@code --sync}, shared by the commands that write an artifact or a checkpoint. */
final class SyncOption {
    @Option(
            names = "--sync",
            description =
                    "Force the output to disk before renaming it into place, so it survives "
                            + "a crash once the command returns (slower: waits for the disk). Default: written like cp, left to the kernel.")
    boolean sync;
}
