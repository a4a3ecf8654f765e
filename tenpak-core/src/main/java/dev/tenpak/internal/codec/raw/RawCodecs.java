package dev.tenpak.internal.codec.raw;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.CodecProvider;
import java.util.List;

/** The exact codec: raw_v1. Registered in {@code META-INF/services/dev.tenpak.codec.CodecProvider}. */
public final class RawCodecs implements CodecProvider {
    @Override
    public List<Codec> codecs() {
        return List.of(RawCodec.INSTANCE);
    }
}
