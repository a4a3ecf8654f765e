package dev.tenpak.internal.codec.groupwise;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.CodecProvider;
import java.util.List;

/** The group-wise codecs: one scale (and offset) per group of 32, 64 or 128 values. Registered in {@code META-INF/services/dev.tenpak.codec.CodecProvider}. */
public final class GroupwiseCodecs implements CodecProvider {
    @Override
    public List<Codec> codecs() {
        return List.copyOf(GroupwiseCodec.ALL);
    }
}
