package dev.tenpak.internal.codec.kquant;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.CodecProvider;
import java.util.List;

/**
 * The grid codecs: {@code int4_sym16_g32_v1} and the K-quant-class super-block codecs
 * {@code kq2_v1} to {@code kq6_v1}, then their Hadamard-rotated variants {@code int4_sym16_g32h_v1} and
 * {@code kq2h_v1} to {@code kq6h_v1}. Registered in {@code META-INF/services/dev.tenpak.codec.CodecProvider}.
 */
public final class KQuantCodecs implements CodecProvider {
    @Override
    public List<Codec> codecs() {
        return List.copyOf(KQuantCodec.EVERY);
    }
}
