package dev.tenpak.codec;

import dev.tenpak.internal.codec.kquant.KQuantCodec;

/** The codec contract for {@link KQuantCodec#KQ3H}. */
class Kq3hCodecTest extends KQuantCodecContract {
    @Override
    KQuantCodec kq() {
        return KQuantCodec.KQ3H;
    }
}
