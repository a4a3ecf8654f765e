package dev.tenpak.codec;

import java.util.List;

/**
 * A family of codecs, found by {@link java.util.ServiceLoader}: the registry {@link Codecs} lists
 * the codecs of every provider named in {@code META-INF/services/dev.tenpak.codec.CodecProvider}
 * (and, on the module path, in {@code module-info.java}'s {@code provides}), in the order the
 * providers are named there and then in the order each returns them. Lucene registers its
 * postings formats and codecs the same way.
 */
public interface CodecProvider {
    /** This family's codecs; names are unique across every provider. */
    List<Codec> codecs();
}
