package dev.tenpak.internal.format.artifact;

import java.util.List;

/**
 * The metadata keys tenpak writes into an artifact's index for its own bookkeeping: the one list of
 * them (docs/FORMAT.md, section "Reserved metadata keys", describes each; a test checks that every
 * constant here is documented there). Every key starts with {@link #PREFIX}; such keys are not
 * written into a safetensors file's {@code __metadata__} on decompress, and users' metadata may not
 * use them.
 */
public final class ReservedKeys {
    /** Every reserved key starts with this. */
    public static final String PREFIX = "tenpak.";

    /** {@code tenpak.hf.file:<relative path>}: a carried Hugging Face folder file, base64. */
    public static final String HF_FILE_PREFIX = "tenpak.hf.file:";
    /** Comma-separated relative paths of folder files too large to carry. */
    public static final String HF_SKIPPED = "tenpak.hf.skipped";

    /** Every key of a delta artifact starts with this; materialize drops them from its output. */
    public static final String DELTA_PREFIX = "tenpak.delta.";
    /** The delta layout version ("1"). */
    public static final String DELTA_VERSION = "tenpak.delta.version";
    /** Hex SHA-256 of the base artifact's content hash. */
    public static final String DELTA_BASE = "tenpak.delta.base";
    /** JSON array: the variant's tensor names in order. */
    public static final String DELTA_ORDER = "tenpak.delta.order";
    /** JSON array: base tensors the variant does not have. */
    public static final String DELTA_REMOVED = "tenpak.delta.removed";
    /** The epsilon the delta was built with. */
    public static final String DELTA_EPSILON = "tenpak.delta.epsilon";
    /** The codec the delta stored changed tensors with. */
    public static final String DELTA_CODEC = "tenpak.delta.codec";
    /** {@code tenpak.delta.mode.<tensor>}: how a stored tensor is applied ("full" or "residual"). */
    public static final String DELTA_MODE_PREFIX = "tenpak.delta.mode.";

    /** JSON object written by the Python package: tensor names that share another tensor's storage. */
    public static final String ALIASES = "tenpak.aliases";

    private ReservedKeys() {}

    /** Every constant above (the prefixes as they are), in declaration order. */
    public static List<String> all() {
        return List.of(
                PREFIX,
                HF_FILE_PREFIX,
                HF_SKIPPED,
                DELTA_PREFIX,
                DELTA_VERSION,
                DELTA_BASE,
                DELTA_ORDER,
                DELTA_REMOVED,
                DELTA_EPSILON,
                DELTA_CODEC,
                DELTA_MODE_PREFIX,
                ALIASES);
    }
}
