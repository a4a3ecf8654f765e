package dev.tenpak.internal.codec.entropycoded;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.CodecProvider;
import java.util.List;

/** The entropy-coded uniform quantizers {@code ecq1_v1} .. {@code ecq8_v1}. Registered in {@code META-INF/services}. */
public final class EcqCodecs implements CodecProvider {
    @Override
    public List<Codec> codecs() {
        return List.copyOf(EcqCodec.ALL);
    }
}
