package dev.tenpak.options;

import dev.tenpak.error.InvalidInputException;
import java.util.Locale;

/**
 * Whether compress puts lossy codecs' payloads through the entropy stage (docs/FORMAT.md, "Entropy
 * stage for codec payloads"): quantized codes take fewer bits than their fixed width when their
 * values are unevenly used, at the cost of a decode step. Exact codecs ({@code raw_v1},
 * {@code lossless_v1}) are never staged: raw_v1 stays mappable, lossless_v1 is already coded; nor
 * are the entropy-coded quantizers ({@code ecq*}), whose payloads are coded already.
 */
public enum EntropyMode {
    /** Every payload stored as its codec wrote it; the artifact is format version 1. */
    OFF,
    /**
     * Each lossy payload goes through the stage when that makes it smaller, decided per tensor by
     * the size; the artifact is format version 2 when any tensor was staged.
     */
    AUTO;

    /** {@code off} or {@code auto}, any case. */
    public static EntropyMode parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw InvalidInputException.forOption("entropy", "entropy must be 'auto' or 'off', got '" + s + "'");
        }
    }
}
