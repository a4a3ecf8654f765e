package dev.tenpak.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.codec.ChunkEncoder;
import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.NonFiniteValueException;
import dev.tenpak.error.TenpakException;
import dev.tenpak.internal.codec.groupwise.GroupwiseCodec;
import dev.tenpak.internal.codec.kquant.KQuantCodec;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.options.ProgressListener;
import dev.tenpak.report.ErrorMetrics;
import dev.tenpak.report.TensorReport;
import dev.tenpak.tensor.Bundle;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The parallel compress path ({@link Compressor} over {@link TensorPipeline}) against the
 * sequential reference ({@link Codec#encode} then {@link EncodedTensor#measure}, one tensor after
 * another): for every registered codec, tensors larger than the split size (so they are cut into
 * several ranges), odd element counts, shapes whose last dimension is not a multiple of any group,
 * F32/F16/BF16, empty and scalar tensors, the artifact bytes, every tensor's error figures and the
 * totals must be identical with 1, 2, 3 and 4 threads and with ranges of 1, 2 and 16 chunks. A
 * non-finite value in a late range must fail with the same error as the sequential encode.
 */
class ParallelCompressDeterminismTest {
    private static final long SEED = 20261127L;
    private static final int CHUNK = ChunkEncoder.CHUNK;
    private static Arena arena;
    private static List<Tensor> tensors;

    @BeforeAll
    static void data() {
        System.out.println("ParallelCompressDeterminismTest seed " + SEED);
        arena = Arena.ofShared();
        SplittableRandom r = new SplittableRandom(SEED);
        tensors = new ArrayList<>();
        tensors.add(make("w.bf16", DType.BF16, Shape.of(600, 512), r)); // 4.7 chunks, uniform groups
        tensors.add(make("w.f16", DType.F16, Shape.of(300, 1024), r)); // exactly 4.69 chunks
        tensors.add(make("w.f32", DType.F32, Shape.of(97, 3000), r)); // last dim not a multiple of 32
        tensors.add(make("odd.bf16", DType.BF16, Shape.of(3, 99_999), r)); // odd count: int4 half byte
        tensors.add(make("vec.bf16", DType.BF16, Shape.of(70_001), r));
        tensors.add(make("exact.bf16", DType.BF16, Shape.of(2, CHUNK), r)); // whole chunks only
        tensors.add(make("small.f32", DType.F32, Shape.of(8, 32), r));
        tensors.add(make("empty.bf16", DType.BF16, Shape.of(0, 64), r));
        tensors.add(make("scalar.f32", DType.F32, Shape.of(), r));
        tensors.add(new Tensor("ids.i32", DType.I32, Shape.of(5), MemorySegment.ofArray(new int[] {1, 2, 3, 4, 5})));
    }

    @AfterAll
    static void close() {
        arena.close();
    }

    /** Gaussian weights (std 0.02) with a few outliers, in {@code dtype}; F32 ones over a heap array. */
    private static Tensor make(String name, DType dtype, Shape shape, SplittableRandom r) {
        int n = (int) shape.elementCount();
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * 0.02);
        }
        for (int i = 0; i < n / 50_000; i++) {
            x[r.nextInt(n)] = (float) (r.nextGaussian() * 0.5);
        }
        if (dtype == DType.F32) {
            return Tensor.ofFloats(name, shape, x);
        }
        MemorySegment seg = arena.allocate(dtype.byteSizeFor(n));
        FloatConversions.fromFloats(x, 0, n, seg, dtype, 0);
        return new Tensor(name, dtype, shape, seg);
    }

    static Stream<Arguments> codecs() {
        return Codecs.all().stream().map(c -> Arguments.of(c.name()));
    }

    private record Run(byte[] bytes, List<TensorReport> reports, ErrorMetrics total) {}

    private static Run parallel(List<Tensor> list, Codec codec, int threads, long split) {
        ErrorMetrics.Accumulator total = new ErrorMetrics.Accumulator();
        try (ArtifactWriter w = ArtifactWriter.toMemory()) {
            List<TensorReport> reports = Compressor.compress(
                    Bundle.of(list).asSource("test"),
                    w,
                    CodecSelector.uniform(codec),
                    total,
                    threads,
                    split,
                    ProgressListener.NONE);
            w.finish();
            return new Run(w.bytes(), reports, total.result());
        }
    }

    /** One tensor after another with the codec's own whole-tensor encode and the sequential measure. */
    private static Run sequential(List<Tensor> list, Codec codec) {
        ErrorMetrics.Accumulator total = new ErrorMetrics.Accumulator();
        List<TensorReport> reports = new ArrayList<>();
        CodecSelector selector = CodecSelector.uniform(codec);
        try (ArtifactWriter w = ArtifactWriter.toMemory();
                Arena a = Arena.ofConfined()) {
            for (Tensor t : list) {
                Codec c = selector.choose(t.name(), t.dtype(), t.shape()).codec();
                EncodedTensor e = EncodedTensor.encode(t, c, a);
                ErrorMetrics m = e.measure(t);
                TensorEntry entry = e.writeTo(w);
                total.add(m);
                reports.add(new TensorReport(
                        t.name(),
                        t.dtype().name(),
                        t.shape().dims(),
                        entry.codec(),
                        "",
                        t.byteSize(),
                        entry.length(),
                        m));
            }
            w.finish();
            return new Run(w.bytes(), reports, total.result());
        }
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void bytesAndErrorFiguresDoNotDependOnThreadsOrRangeSize(String name) {
        Codec codec = Codecs.byName(name);
        Run want = sequential(tensors, codec);
        for (int threads : new int[] {1, 2, 3, 4}) {
            for (long split : new long[] {CHUNK, 2L * CHUNK, TensorPipeline.DEFAULT_SPLIT}) {
                Run got = parallel(tensors, codec, threads, split);
                String what = name + ", " + threads + " threads, ranges of " + split;
                assertThat(got.bytes()).as(what).isEqualTo(want.bytes());
                assertThat(got.total()).as(what).isEqualTo(want.total());
                for (int i = 0; i < tensors.size(); i++) {
                    assertThat(got.reports().get(i).error())
                            .as(what + ", " + tensors.get(i).name())
                            .isEqualTo(want.reports().get(i).error());
                }
            }
        }
        if (!codec.lossless()) {
            assertThat(want.total().mse())
                    .as(name + " is lossy: the figures are not trivially zero")
                    .isPositive();
        }
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void aNonFiniteValueInALateRangeFailsLikeTheSequentialEncode(String name) {
        Codec codec = Codecs.byName(name);
        if (codec.lossless()) {
            return;
        }
        Tensor good = tensors.get(0);
        MemorySegment data = arena.allocate(good.byteSize());
        MemorySegment.copy(good.data(), 0, data, 0, good.byteSize());
        FloatConversions.fromFloats(new float[] {Float.POSITIVE_INFINITY}, 0, 1, data, DType.BF16, 200_000);
        FloatConversions.fromFloats(new float[] {Float.NaN}, 0, 1, data, DType.BF16, 250_000);
        Tensor bad = new Tensor("bad", DType.BF16, good.shape(), data);
        List<Tensor> list = List.of(tensors.get(1), bad, tensors.get(2));
        String expected;
        try {
            sequential(list, codec);
            throw new AssertionError(name + " accepted an infinity");
        } catch (TenpakException e) {
            expected = e.getMessage();
        }
        assertThat(expected).contains("'bad'", "element 200000");
        for (int threads : new int[] {1, 2, 3, 4}) {
            for (long split : new long[] {CHUNK, TensorPipeline.DEFAULT_SPLIT}) {
                assertThatThrownBy(() -> parallel(list, codec, threads, split))
                        .as(name + ", " + threads + " threads, ranges of " + split)
                        .isInstanceOf(NonFiniteValueException.class)
                        .hasMessage(expected);
            }
        }
    }

    /** The compressor reuses payload buffers without clearing them: chunks must write every byte. */
    @ParameterizedTest
    @MethodSource("codecs")
    void chunkEncodersWriteEveryByteOfAPayloadFullOfGarbage(String name) {
        if (!(Codecs.byName(name) instanceof ChunkEncoder ce)) {
            return;
        }
        int checked = 0;
        for (Tensor t : tensors) {
            if (!ce.chunkable(t.dtype(), t.shape()) || t.elementCount() == 0) {
                continue;
            }
            int size = (int) ce.encodedSize(t.dtype(), t.shape());
            MemorySegment zeroed = MemorySegment.ofArray(new byte[size]);
            byte[] params = ce.encode(t, zeroed);
            for (byte garbage : new byte[] {(byte) 0xFF, (byte) 0xA5, 0x5A}) {
                byte[] dirty = new byte[size];
                java.util.Arrays.fill(dirty, garbage);
                MemorySegment payload = MemorySegment.ofArray(dirty);
                float[] x = new float[CHUNK];
                long n = t.elementCount();
                float maxAbs = 0f;
                for (long from = 0; from < n; from += CHUNK) {
                    int len = (int) Math.min(CHUNK, n - from);
                    FloatConversions.toFloats(t.data(), t.dtype(), from, x, 0, len);
                    for (int i = 0; i < len; i++) {
                        maxAbs = Math.max(maxAbs, Math.abs(x[i]));
                    }
                }
                byte[] p = ce.params(ce.needsMaxAbs() ? maxAbs : 0f);
                assertThat(p).as(name).isEqualTo(params);
                for (long from = 0; from < n; from += CHUNK) {
                    int len = (int) Math.min(CHUNK, n - from);
                    FloatConversions.toFloats(t.data(), t.dtype(), from, x, 0, len);
                    ce.encodeChunk(t.name(), t.dtype(), t.shape(), p, x, len, from, payload);
                }
                assertThat(dirty)
                        .as("%s on %s over bytes 0x%02X", name, t.name(), garbage & 0xFF)
                        .isEqualTo(zeroed.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
            checked++;
        }
        assertThat(checked).as(name + ": chunkable tensors checked").isGreaterThanOrEqualTo(3);
    }

    @Test
    void theLargeWeightsTakeTheChunkedPathAndTheIrregularShapeTheWholeTensorOne() {
        // so the test above really compares the chunked encoder with the codec's own encode
        for (Codec c : Codecs.all()) {
            if (c instanceof GroupwiseCodec g) {
                assertThat(g.chunkable(DType.BF16, Shape.of(600, 512)))
                        .as(c.name())
                        .isTrue();
                assertThat(g.chunkable(DType.F32, Shape.of(97, 3000)))
                        .as(c.name())
                        .isFalse();
                assertThat(g.chunkable(DType.I32, Shape.of(600, 512)))
                        .as(c.name())
                        .isFalse();
                assertThat(g.needsMaxAbs()).isFalse();
            } else if (c instanceof KQuantCodec k) {
                assertThat(k.chunkable(DType.BF16, Shape.of(600, 512)))
                        .as(c.name())
                        .isTrue();
                assertThat(k.needsMaxAbs()).as(c.name()).isFalse();
            } else if (c instanceof ChunkEncoder ce) {
                assertThat(ce.chunkable(DType.BF16, Shape.of(3, 99_999)))
                        .as(c.name())
                        .isTrue();
                assertThat(ce.needsMaxAbs()).as(c.name()).isTrue();
            }
        }
        assertThat(Codecs.all().stream().filter(c -> c instanceof ChunkEncoder).count())
                .isGreaterThanOrEqualTo(8);
    }
}
