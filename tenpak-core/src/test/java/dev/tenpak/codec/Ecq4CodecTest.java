package dev.tenpak.codec;

import dev.tenpak.internal.codec.entropycoded.EcqCodec;

/** The codec contract for {@link EcqCodec#ECQ4}. */
class Ecq4CodecTest extends EcqCodecContract {
    @Override
    EcqCodec ecq() {
        return EcqCodec.ECQ4;
    }
}
