package dev.tenpak.internal.pipeline;

import dev.tenpak.codec.Codec;
import dev.tenpak.internal.codec.raw.RawCodec;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;

/**
 * Chooses the codec for each tensor of a compress run, and says why. The default applies one codec
 * to every float tensor and {@code raw_v1} to the rest; plans and keep-raw policies are other
 * selectors.
 */
@FunctionalInterface
public interface CodecSelector {
    Choice choose(String name, DType dtype, Shape shape);

    /** A codec and the reason it was chosen, as printed in reports. */
    record Choice(Codec codec, String reason) {}

    /** {@code codec} for every float tensor; {@code raw_v1} for tensors it cannot hold. */
    static CodecSelector uniform(Codec codec) {
        return (name, dtype, shape) -> codec.accepts(dtype)
                ? new Choice(codec, "requested")
                : new Choice(RawCodec.INSTANCE, dtype + " is not a float type; kept exact");
    }
}
