package dev.tenpak.codec;

import dev.tenpak.internal.codec.kquant.KQuantCodec;

/** The codec contract for {@link KQuantCodec#KQ2H}. */
class Kq2hCodecTest extends KQuantCodecContract {
    @Override
    KQuantCodec kq() {
        return KQuantCodec.KQ2H;
    }
}
