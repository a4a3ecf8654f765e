package dev.tenpak.codec;

import dev.tenpak.UnknownCodecException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry of codecs by name. {@code --codec}, plans and artifact indexes all resolve names
 * here, so a name unknown to this build fails the same way everywhere: with the list of valid ones.
 */
public final class Codecs {
    public static final String DEFAULT = "int8_sym_v1";

    private static final Map<String, Codec> BY_NAME = new LinkedHashMap<>();

    static {
        register(RawCodec.INSTANCE);
        register(SymmetricPerTensorCodec.INT8);
        register(SymmetricPerTensorCodec.INT4);
        GroupwiseCodec.ALL.forEach(Codecs::register);
        register(dev.tenpak.internal.codec.lossless.LosslessCodec.INSTANCE);
    }

    private Codecs() {}

    private static void register(Codec codec) {
        BY_NAME.put(codec.name(), codec);
    }

    /** The codec called {@code name}; throws {@link UnknownCodecException} listing the valid names. */
    public static Codec byName(String name) {
        Codec c = BY_NAME.get(name);
        if (c == null) {
            throw new UnknownCodecException(name, BY_NAME.keySet());
        }
        return c;
    }

    /** The codec called {@code name}, or null. */
    public static Codec find(String name) {
        return BY_NAME.get(name);
    }

    /** Every registered codec, in registration order. */
    public static List<Codec> all() {
        return List.copyOf(BY_NAME.values());
    }

    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }
}
