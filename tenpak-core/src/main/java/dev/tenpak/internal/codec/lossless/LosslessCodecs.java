package dev.tenpak.internal.codec.lossless;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.CodecProvider;
import java.util.List;

/** The exact, entropy-coded codec {@code lossless_v1}. Registered in {@code META-INF/services}. */
public final class LosslessCodecs implements CodecProvider {
    @Override
    public List<Codec> codecs() {
        return List.of(LosslessCodec.INSTANCE);
    }
}
