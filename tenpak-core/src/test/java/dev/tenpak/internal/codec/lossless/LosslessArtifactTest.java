package dev.tenpak.internal.codec.lossless;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.internal.pipeline.CodecSelector;
import dev.tenpak.internal.pipeline.Compressor;
import dev.tenpak.options.ProgressListener;
import dev.tenpak.report.ErrorMetrics;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@code lossless_v1} through the artifact writer and reader: the index records the bytes the codec
 * wrote (not its upper bound), and the compressor's pipeline gives the same artifact on 1 and 3
 * threads.
 */
class LosslessArtifactTest {
    static List<Tensor> tensors() {
        SplittableRandom r = new SplittableRandom(7);
        List<Tensor> out = new ArrayList<>();
        for (DType d : new DType[] {DType.F32, DType.BF16, DType.F16, DType.I64}) {
            int n = 300_000 + d.ordinal();
            byte[] b = new byte[(int) d.byteSizeFor(n)];
            for (int i = 0; i < n; i++) {
                float f = (float) (r.nextGaussian() * 0.02);
                int bits = Float.floatToRawIntBits(f);
                switch (d) {
                    case F32 -> {
                        b[4 * i] = (byte) bits;
                        b[4 * i + 1] = (byte) (bits >> 8);
                        b[4 * i + 2] = (byte) (bits >> 16);
                        b[4 * i + 3] = (byte) (bits >> 24);
                    }
                    case I64 -> b[8 * i] = (byte) r.nextInt(5);
                    default -> {
                        b[2 * i] = (byte) (bits >> 16);
                        b[2 * i + 1] = (byte) (bits >> 24);
                    }
                }
            }
            out.add(new Tensor("t." + d, d, Shape.of(n), MemorySegment.ofArray(b)));
        }
        out.add(new Tensor("empty", DType.BF16, Shape.of(0), MemorySegment.ofArray(new byte[0])));
        return out;
    }

    static byte[] compress(int threads) {
        try (ArtifactWriter w = ArtifactWriter.toMemory()) {
            Compressor.compress(
                    TensorSource.of(tensors(), Map.of(), "test"),
                    w,
                    CodecSelector.uniform(LosslessCodec.INSTANCE),
                    new ErrorMetrics.Accumulator(),
                    threads,
                    ProgressListener.NONE);
            w.finish();
            return w.bytes();
        }
    }

    @Test
    void artifactsRoundTripAndStoreOnlyTheBytesWritten() {
        byte[] one = compress(1);
        assertThat(compress(3)).isEqualTo(one);
        byte[] direct;
        try (ArtifactWriter w = ArtifactWriter.toMemory()) {
            for (Tensor t : tensors()) {
                w.write(t, LosslessCodec.INSTANCE);
            }
            w.finish();
            direct = w.bytes();
        }
        long raw = tensors().stream().mapToLong(Tensor::byteSize).sum();
        assertThat((long) one.length).isLessThan(raw * 3 / 4);
        for (byte[] artifact : new byte[][] {one, direct}) {
            try (ArtifactReader r = ArtifactReader.of(artifact, "lossless");
                    Arena arena = Arena.ofConfined()) {
                for (Tensor t : tensors()) {
                    TensorEntry e = r.entry(t.name());
                    assertThat(e.codec()).isEqualTo(LosslessCodec.NAME);
                    if (t.elementCount() > 0) { // an empty tensor is its 8-byte header, the bound itself
                        assertThat(e.length()).isLessThan(LosslessCodec.INSTANCE.encodedSize(t.dtype(), t.shape()));
                    }
                    Tensor back = r.read(e, arena);
                    assertThat(back.data().toArray(ValueLayout.JAVA_BYTE))
                            .isEqualTo(t.data().toArray(ValueLayout.JAVA_BYTE));
                }
            }
        }
    }
}
