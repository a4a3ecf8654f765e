package dev.tenpak.codec;

import dev.tenpak.internal.codec.entropycoded.EcqCodec;

/** The codec contract for {@link EcqCodec#ECQ7}. */
class Ecq7CodecTest extends EcqCodecContract {
    @Override
    EcqCodec ecq() {
        return EcqCodec.ECQ7;
    }
}
