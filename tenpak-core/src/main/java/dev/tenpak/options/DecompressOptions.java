package dev.tenpak.options;

import dev.tenpak.error.InvalidInputException;
import java.util.Objects;

/**
 * How to decompress. Immutable; start from {@link #defaults()}.
 *
 * @param format   what to write; {@link OutputFormat#AUTO} (the default) picks from the output path
 * @param threads  tensors (or ranges of one large tensor) decoded at once, >= 1 (default: the
 *                 available processors); the output does not depend on it
 * @param sync     force every file written to disk before it is renamed into place (default off)
 * @param progress receives progress in bytes of tensor data (default {@link ProgressListener#NONE})
 */
public record DecompressOptions(OutputFormat format, int threads, boolean sync, ProgressListener progress) {
    public DecompressOptions {
        Objects.requireNonNull(format, "format");
        if (threads < 1) {
            throw InvalidInputException.forOption("threads", "threads must be at least 1, got " + threads);
        }
        Objects.requireNonNull(progress, "progress");
    }

    public static DecompressOptions defaults() {
        return new DecompressOptions(OutputFormat.AUTO, CompressOptions.defaultThreads(), false, ProgressListener.NONE);
    }

    public DecompressOptions withFormat(OutputFormat f) {
        return new DecompressOptions(f, threads, sync, progress);
    }

    public DecompressOptions withThreads(int n) {
        return new DecompressOptions(format, n, sync, progress);
    }

    public DecompressOptions withSync(boolean s) {
        return new DecompressOptions(format, threads, s, progress);
    }

    public DecompressOptions withProgress(ProgressListener p) {
        return new DecompressOptions(format, threads, sync, p);
    }
}
