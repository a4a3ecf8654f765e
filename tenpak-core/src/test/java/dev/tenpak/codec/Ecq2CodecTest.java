package dev.tenpak.codec;

import dev.tenpak.internal.codec.entropycoded.EcqCodec;

/** The codec contract for {@link EcqCodec#ECQ2}. */
class Ecq2CodecTest extends EcqCodecContract {
    @Override
    EcqCodec ecq() {
        return EcqCodec.ECQ2;
    }
}
