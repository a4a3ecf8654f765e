package dev.tenpak.codec;

import dev.tenpak.internal.codec.entropycoded.EcqCodec;

/** The codec contract for {@link EcqCodec#ECQ1}. */
class Ecq1CodecTest extends EcqCodecContract {
    @Override
    EcqCodec ecq() {
        return EcqCodec.ECQ1;
    }
}
