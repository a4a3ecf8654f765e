package dev.tenpak.codec;

import dev.tenpak.internal.codec.kquant.KQuantCodec;

/** The codec contract for {@link KQuantCodec#KQ6H}. */
class Kq6hCodecTest extends KQuantCodecContract {
    @Override
    KQuantCodec kq() {
        return KQuantCodec.KQ6H;
    }
}
