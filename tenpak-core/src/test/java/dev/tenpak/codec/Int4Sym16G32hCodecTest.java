package dev.tenpak.codec;

import dev.tenpak.internal.codec.kquant.KQuantCodec;

/** The codec contract for {@link KQuantCodec#INT4_SYM16_G32H}. */
class Int4Sym16G32hCodecTest extends KQuantCodecContract {
    @Override
    KQuantCodec kq() {
        return KQuantCodec.INT4_SYM16_G32H;
    }
}
