package dev.tenpak.codec;

import dev.tenpak.internal.codec.entropycoded.EcqCodec;

/** The codec contract for {@link EcqCodec#ECQ6}. */
class Ecq6CodecTest extends EcqCodecContract {
    @Override
    EcqCodec ecq() {
        return EcqCodec.ECQ6;
    }
}
