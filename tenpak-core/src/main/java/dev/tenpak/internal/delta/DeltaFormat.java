package dev.tenpak.internal.delta;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tenpak.error.ArtifactKindException;
import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.ReservedKeys;
import dev.tenpak.internal.format.artifact.TensorEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * How a delta is recorded. A delta is an ordinary v1 artifact (inspect and decompress read it)
 * whose index metadata carries these keys:
 *
 * <ul>
 *   <li>{@value #KEY_VERSION}: {@code 1}, or {@code 2} when any tensor is stored in {@code xor} or {@code ulp} mode
 *       (a reader that knows only version 1 then refuses the delta instead of misreading it)
 *   <li>{@value #KEY_BASE}: the base's content hash, {@code sha256:<hex>} ({@link #baseHash})
 *   <li>{@value #KEY_ORDER}: JSON list of every tensor name of the variant, in the variant's order
 *   <li>{@value #KEY_REMOVED}: JSON list of base tensors absent from the variant
 *   <li>{@value #KEY_EPSILON}, {@value #KEY_CODEC}: the threshold and codec it was made with
 *   <li>{@value #KEY_MODE_PREFIX}{@code <tensor>}: {@code full} (the payload is the variant tensor)
 *       or {@code residual} (the payload is the F32 difference variant minus decoded base) or
 *       {@code xor} (the payload, stored losslessly in the variant's dtype and shape, is the variant's
 *       bytes XOR the decoded base's bytes; materialize XORs it back, bit for bit) or {@code ulp} (float
 *       tensors: the same, but the payload holds each element's zigzag-coded distance in units in the
 *       last place from the decoded base's, see {@link Residuals#ulp})
 * </ul>
 *
 * Other metadata keys are the variant's own and pass through materialize unchanged.
 *
 * <p>Base content hash: SHA-256 over the base's index entries in index order; for each, the name
 * (u16 length + UTF-8), dtype id (u8), rank (u8), dims (i64 each), codec (u8 length + ASCII),
 * params (u16 length + bytes), payload length (i64) and payload CRC32C (u32), all little-endian.
 * It identifies the decoded content without reading payloads (their CRCs stand in for them and are
 * verified whenever a payload is read); payload offsets and metadata are excluded, so re-writing
 * the same tensors elsewhere keeps the hash.
 */
public final class DeltaFormat {
    public static final String KEY_VERSION = ReservedKeys.DELTA_VERSION;
    public static final String KEY_BASE = ReservedKeys.DELTA_BASE;
    public static final String KEY_ORDER = ReservedKeys.DELTA_ORDER;
    public static final String KEY_REMOVED = ReservedKeys.DELTA_REMOVED;
    public static final String KEY_EPSILON = ReservedKeys.DELTA_EPSILON;
    public static final String KEY_CODEC = ReservedKeys.DELTA_CODEC;
    public static final String KEY_MODE_PREFIX = ReservedKeys.DELTA_MODE_PREFIX;
    /** Every delta key starts with this; materialize drops them from its output. */
    public static final String PREFIX = ReservedKeys.DELTA_PREFIX;

    public static final String MODE_FULL = "full";
    public static final String MODE_RESIDUAL = "residual";
    public static final String MODE_XOR = "xor";
    public static final String MODE_ULP = "ulp";

    /** The delta version written when no tensor is in {@code xor} mode. */
    static final int VERSION = 1;
    /** The delta version written when some tensor is in {@code xor} or {@code ulp} mode; the newest this reads. */
    static final int VERSION_EXACT = 2;

    static final ObjectMapper JSON = new ObjectMapper();

    private DeltaFormat() {}

    /** True when the artifact's metadata marks it as a delta. */
    public static boolean isDelta(ArtifactReader r) {
        return r.metadata().containsKey(KEY_BASE);
    }

    /** The content hash of a full artifact, {@code sha256:<hex>}, as defined in the class comment. */
    public static String baseHash(ArtifactReader r) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        for (TensorEntry e : r.entries()) {
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            md.update(b.clear().putShort((short) name.length).flip());
            md.update(name);
            md.update((byte) e.dtype().id());
            md.update((byte) e.shape().rank());
            for (long d : e.shape().dims()) {
                md.update(b.clear().putLong(d).flip());
            }
            byte[] codec = e.codec().getBytes(StandardCharsets.US_ASCII);
            md.update((byte) codec.length);
            md.update(codec);
            byte[] params = e.params();
            md.update(b.clear().putShort((short) params.length).flip());
            md.update(params);
            md.update(b.clear().putLong(e.length()).flip());
            md.update(b.clear().putInt(e.crc32c()).flip());
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    /**
     * Refuses a delta where a full artifact is needed ({@code role} names what the artifact was given
     * as, "the base", "the model to load"): every door that reads an artifact as a model uses this.
     */
    public static void requireFull(ArtifactReader r, String role) {
        if (isDelta(r)) {
            throw new ArtifactKindException(r.source() + " is a delta artifact (made against base "
                    + r.metadata().get(KEY_BASE) + "), not a full artifact; pass a full artifact as " + role);
        }
    }

    /** Refuses a full artifact where a delta is needed. */
    static void requireDelta(ArtifactReader r) {
        if (!isDelta(r)) {
            throw new ArtifactKindException(r.source() + " is not a delta artifact (its metadata has no " + KEY_BASE
                    + "); create one with tenpak delta");
        }
        String v = r.metadata().get(KEY_VERSION);
        if (!String.valueOf(VERSION).equals(v) && !String.valueOf(VERSION_EXACT).equals(v)) {
            throw new CorruptArtifactException(
                    r.source(),
                    null,
                    0,
                    "delta version " + v + " is not one this tenpak reads (" + VERSION + " or " + VERSION_EXACT
                            + "); a newer tenpak wrote it, or the metadata is damaged");
        }
    }

    static String jsonList(List<String> names) {
        try {
            return JSON.writeValueAsString(names);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> readList(ArtifactReader r, String key) {
        String v = r.metadata().get(key);
        if (v == null) {
            throw new CorruptArtifactException(r.source(), null, 0, "delta metadata has no " + key);
        }
        try {
            List<String> list = JSON.readValue(v, new TypeReference<List<String>>() {});
            if (list == null || list.contains(null)) {
                throw new IOException("null entry");
            }
            return list;
        } catch (IOException e) {
            throw new CorruptArtifactException(
                    r.source(), null, 0, "delta metadata " + key + " is not a JSON list of names");
        }
    }

    /** The variant's own metadata: everything but the delta keys. */
    static Map<String, String> passThrough(Map<String, String> meta) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        meta.forEach((k, v) -> {
            if (!k.startsWith(PREFIX)) {
                out.put(k, v);
            }
        });
        return out;
    }
}
