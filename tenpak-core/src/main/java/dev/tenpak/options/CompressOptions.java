package dev.tenpak.options;

import dev.tenpak.codec.Codecs;
import dev.tenpak.error.InvalidInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * How to compress. Immutable; start from {@link #defaults()} and change one setting with each
 * {@code with*} method. The artifact's bytes do not depend on {@code threads}, {@code sync} or
 * {@code progress}.
 *
 * @param codec       registry name of the codec for float tensors (default {@link Codecs#DEFAULT})
 * @param inputFormat how to read the input; {@link InputFormat#AUTO} detects it
 * @param threads     tensors (or chunks of one large tensor) encoded at once, >= 1 (default: the
 *                    available processors)
 * @param keepRaw     regular expressions; a tensor whose name matches one (anywhere in the name)
 *                    stays {@code raw_v1}
 * @param minElements the small-tensor rule: 0 turns it off; N keeps 0-D and 1-D tensors and tensors
 *                    under N elements raw; {@link #AUTO_MIN_ELEMENTS} (the default) takes the
 *                    codec's own threshold ({@link dev.tenpak.codec.Codec#defaultMinElements()})
 * @param plan        a plan file made by {@code plan}: when set, it chooses every tensor's codec
 *                    (and {@code codec}, {@code keepRaw}, {@code minElements} do not apply, nor
 *                    {@code entropy} when the plan records the entropy mode it was measured under);
 *                    the input must be the one the plan was made for
 * @param sync        force the artifact (and its folder) to disk before it is renamed into place
 *                    (default off, like {@code cp})
 * @param progress    receives progress in bytes of tensor data (default {@link ProgressListener#NONE})
 * @param maxCarriedBytes the most bytes of non-weight files (config, tokenizer, ...) a Hugging Face
 *                    folder may carry into the artifact, all files together (default
 *                    {@link #DEFAULT_MAX_CARRIED_BYTES}); more is refused naming the largest files.
 *                    Single files over 64 MiB are never carried (they are listed as skipped)
 * @param entropy     whether lossy payloads go through the entropy stage (default
 *                    {@link EntropyMode#OFF}: the artifact is format version 1, byte for byte as
 *                    before the stage existed)
 */
public record CompressOptions(
        String codec,
        InputFormat inputFormat,
        int threads,
        List<String> keepRaw,
        long minElements,
        Path plan,
        boolean sync,
        ProgressListener progress,
        long maxCarriedBytes,
        EntropyMode entropy) {
    /** Default of {@code maxCarriedBytes}: 256 MiB, a quarter of what an artifact's index can hold. */
    public static final long DEFAULT_MAX_CARRIED_BYTES = 256L << 20;
    /**
     * Largest {@code maxCarriedBytes}: carried files travel as base64 (4/3 of their size) in the
     * artifact's index, which no reader accepts over 1 GiB.
     */
    public static final long MAX_CARRIED_BYTES_LIMIT = 640L << 20;

    /** {@code minElements} value meaning "the codec's own threshold". */
    public static final long AUTO_MIN_ELEMENTS = -1;

    public CompressOptions {
        Codecs.byName(codec);
        Objects.requireNonNull(inputFormat, "inputFormat");
        if (threads < 1) {
            throw InvalidInputException.forOption("threads", "threads must be at least 1, got " + threads);
        }
        keepRaw = List.copyOf(keepRaw);
        for (String r : keepRaw) {
            try {
                Pattern.compile(r);
            } catch (PatternSyntaxException e) {
                throw InvalidInputException.forOption(
                        "keep-raw",
                        "keep-raw pattern '" + r + "' is not a valid regular expression: " + e.getDescription());
            }
        }
        if (minElements < 0 && minElements != AUTO_MIN_ELEMENTS) {
            throw InvalidInputException.forOption("min-elements", "min-elements must be >= 0, got " + minElements);
        }
        Objects.requireNonNull(progress, "progress");
        if (maxCarriedBytes < 0 || maxCarriedBytes > MAX_CARRIED_BYTES_LIMIT) {
            throw InvalidInputException.forOption(
                    "max-carried-bytes",
                    "max-carried-bytes must be 0 to "
                            + MAX_CARRIED_BYTES_LIMIT
                            + " (an artifact's index holds 1 GiB, carried files take 4/3 of their size), got "
                            + maxCarriedBytes);
        }
        Objects.requireNonNull(entropy, "entropy");
    }

    /** The options without an entropy setting: {@link EntropyMode#OFF}. */
    public CompressOptions(
            String codec,
            InputFormat inputFormat,
            int threads,
            List<String> keepRaw,
            long minElements,
            Path plan,
            boolean sync,
            ProgressListener progress,
            long maxCarriedBytes) {
        this(codec, inputFormat, threads, keepRaw, minElements, plan, sync, progress, maxCarriedBytes, EntropyMode.OFF);
    }

    /**
     * The default codec, format detection, every processor, no keep-raw patterns, the codec's
     * threshold, no entropy stage.
     */
    public static CompressOptions defaults() {
        return new CompressOptions(
                Codecs.DEFAULT,
                InputFormat.AUTO,
                defaultThreads(),
                List.of(),
                AUTO_MIN_ELEMENTS,
                null,
                false,
                ProgressListener.NONE,
                DEFAULT_MAX_CARRIED_BYTES,
                EntropyMode.OFF);
    }

    public CompressOptions withCodec(String c) {
        return new CompressOptions(
                c, inputFormat, threads, keepRaw, minElements, plan, sync, progress, maxCarriedBytes, entropy);
    }

    public CompressOptions withInputFormat(InputFormat f) {
        return new CompressOptions(
                codec, f, threads, keepRaw, minElements, plan, sync, progress, maxCarriedBytes, entropy);
    }

    public CompressOptions withThreads(int n) {
        return new CompressOptions(
                codec, inputFormat, n, keepRaw, minElements, plan, sync, progress, maxCarriedBytes, entropy);
    }

    /** Adds keep-raw patterns to those already set. */
    public CompressOptions withKeepRaw(List<String> regexes) {
        List<String> all = new ArrayList<>(keepRaw);
        all.addAll(regexes);
        return new CompressOptions(
                codec, inputFormat, threads, all, minElements, plan, sync, progress, maxCarriedBytes, entropy);
    }

    /** Sets the small-tensor threshold (0 off, {@link #AUTO_MIN_ELEMENTS} for the codec's own). */
    public CompressOptions withMinElements(long n) {
        return new CompressOptions(
                codec, inputFormat, threads, keepRaw, n, plan, sync, progress, maxCarriedBytes, entropy);
    }

    /** Compresses as the plan file says (null: no plan). */
    public CompressOptions withPlan(Path planFile) {
        return new CompressOptions(
                codec, inputFormat, threads, keepRaw, minElements, planFile, sync, progress, maxCarriedBytes, entropy);
    }

    /** Sets whether the artifact is forced to disk before it is renamed into place. */
    public CompressOptions withSync(boolean s) {
        return new CompressOptions(
                codec, inputFormat, threads, keepRaw, minElements, plan, s, progress, maxCarriedBytes, entropy);
    }

    public CompressOptions withProgress(ProgressListener p) {
        return new CompressOptions(
                codec, inputFormat, threads, keepRaw, minElements, plan, sync, p, maxCarriedBytes, entropy);
    }

    /** Caps the non-weight files a Hugging Face folder carries into the artifact, in bytes, all together. */
    public CompressOptions withMaxCarriedBytes(long n) {
        return new CompressOptions(codec, inputFormat, threads, keepRaw, minElements, plan, sync, progress, n, entropy);
    }

    /**
     * Sets the entropy stage: {@link EntropyMode#AUTO} codes each lossy payload when that makes it
     * smaller (the artifact is then format version 2), {@link EntropyMode#OFF} never.
     */
    public CompressOptions withEntropy(EntropyMode e) {
        return new CompressOptions(
                codec, inputFormat, threads, keepRaw, minElements, plan, sync, progress, maxCarriedBytes, e);
    }

    /** The available processors. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }
}
