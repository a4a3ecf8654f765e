package dev.tenpak.internal.codec.pertensor;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.CodecProvider;
import java.util.List;

/** The per-tensor symmetric codecs: int8_sym_v1 and int4_sym_v1. Registered in {@code META-INF/services/dev.tenpak.codec.CodecProvider}. */
public final class PerTensorCodecs implements CodecProvider {
    @Override
    public List<Codec> codecs() {
        return List.of(SymmetricPerTensorCodec.INT8, SymmetricPerTensorCodec.INT4);
    }
}
