package dev.tenpak.codec;

import dev.tenpak.internal.codec.kquant.KQuantCodec;

/** The codec contract for {@link KQuantCodec#KQ4H}. */
class Kq4hCodecTest extends KQuantCodecContract {
    @Override
    KQuantCodec kq() {
        return KQuantCodec.KQ4H;
    }
}
