package dev.tenpak.codec;

import dev.tenpak.error.UnknownCodecException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The registry of codecs by name. Every caller resolves names here (compress options, plans,
 * artifact indexes), so a name unknown to this build fails the same way everywhere: with the list
 * of valid ones. Codec families register through {@link CodecProvider}.
 */
public final class Codecs {
    /** The codec used when none is named: per-tensor int8, the specification's default. */
    public static final String DEFAULT = "int8_sym_v1";

    /**
     * The codec library callers that save state dicts use when none is named (the Python package's
     * {@code save_file}/{@code save}): exact, like safetensors, so that a lossy codec is always a
     * choice someone made. Not the command line's or the specification's default ({@link #DEFAULT}),
     * whose users ask for compression.
     */
    public static final String DEFAULT_LOSSLESS = "lossless_v1";

    private static final Map<String, Codec> BY_NAME = load();

    private Codecs() {}

    private static Map<String, Codec> load() {
        Map<String, Codec> byName = new LinkedHashMap<>();
        for (CodecProvider p : ServiceLoader.load(CodecProvider.class, CodecProvider.class.getClassLoader())) {
            for (Codec c : p.codecs()) {
                if (byName.putIfAbsent(c.name(), c) != null) {
                    throw new IllegalStateException("two codecs are called " + c.name() + " (the second from "
                            + p.getClass().getName() + ")");
                }
            }
        }
        if (!byName.containsKey(DEFAULT)) {
            throw new IllegalStateException("no codec providers found (META-INF/services/"
                    + CodecProvider.class.getName() + " missing from the classpath?)");
        }
        if (!byName.containsKey(DEFAULT_LOSSLESS)
                || !byName.get(DEFAULT_LOSSLESS).lossless()) {
            throw new IllegalStateException(
                    "codec " + DEFAULT_LOSSLESS + " (the library default) is not registered " + "as a lossless codec");
        }
        return byName;
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

    /** The names of {@link #all()}, in the same order. */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }
}
