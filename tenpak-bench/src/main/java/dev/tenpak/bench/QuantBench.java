package dev.tenpak.bench;

import dev.tenpak.internal.codec.pertensor.SymmetricPerTensorCodec;
import dev.tenpak.internal.kernel.QuantKernels;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Encode and decode throughput of {@code int8_sym_v1} and {@code int4_sym_v1} on one 256 MiB F32
 * tensor (64 Mi Gaussian floats, std 0.02), one thread, next to {@code System.arraycopy} of the same
 * array in the same fork. {@link BenchSummary} turns the times into GB/s of float data (input floats
 * for encode, output floats for decode) and ratios to arraycopy.
 *
 * <ul>
 *   <li>{@code kernel*}: the {@link QuantKernels} in use, over the whole array in one call. Encode is
 *       the full work of a per-tensor codec: the maxAbs pass and the quantize pass.</li>
 *   <li>{@code codec*}: {@link SymmetricPerTensorCodec#encode} into an off-heap payload (as the
 *       compressor does) and {@link SymmetricPerTensorCodec#decode} back into an F32 segment.</li>
 * </ul>
 *
 * Which kernels run is the engine's choice: vector by default, scalar with
 * {@code -jvmArgsAppend -Dtenpak.vector=false}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(
        value = 1,
        jvmArgsPrepend = {
            "--add-modules",
            "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED",
            "-Xms2g",
            "-Xmx2g"
        })
public class QuantBench {
    /** 256 MiB of float32. */
    public static final int ELEMENTS = 64 << 20;

    private final QuantKernels k = QuantKernels.get();
    private float[] x;
    private float[] out;
    private byte[] q8;
    private byte[] q4;
    private float scale8;
    private float scale4;
    private Tensor tensor;
    private Arena arena;
    private MemorySegment payload8;
    private MemorySegment payload4;
    private byte[] params8;
    private byte[] params4;
    private MemorySegment outSegment;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom r = new SplittableRandom(20261127L);
        x = new float[ELEMENTS];
        for (int i = 0; i < ELEMENTS; i++) {
            x[i] = (float) (r.nextGaussian() * 0.02);
        }
        out = new float[ELEMENTS];
        outSegment = MemorySegment.ofArray(out);
        float m = k.maxAbs(x, 0, ELEMENTS);
        scale8 = SymmetricPerTensorCodec.INT8.scaleFor(m);
        scale4 = SymmetricPerTensorCodec.INT4.scaleFor(m);
        q8 = new byte[ELEMENTS];
        q4 = new byte[ELEMENTS / 2];
        k.quantizeInt8(x, 0, ELEMENTS, scale8, q8, 0);
        k.quantizeInt4(x, 0, ELEMENTS, scale4, q4, 0);

        tensor = Tensor.ofFloats("w", x, ELEMENTS);
        arena = Arena.ofShared();
        payload8 = arena.allocate(SymmetricPerTensorCodec.INT8.encodedSize(DType.F32, tensor.shape()), 64);
        payload4 = arena.allocate(SymmetricPerTensorCodec.INT4.encodedSize(DType.F32, tensor.shape()), 64);
        params8 = SymmetricPerTensorCodec.INT8.encode(tensor, payload8);
        params4 = SymmetricPerTensorCodec.INT4.encode(tensor, payload4);
        System.out.println("kernels: " + k.description());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] arraycopy() {
        System.arraycopy(x, 0, out, 0, ELEMENTS);
        return out;
    }

    @Benchmark
    public float kernelMaxAbs() {
        return k.maxAbs(x, 0, ELEMENTS);
    }

    @Benchmark
    public byte[] kernelInt8Encode() {
        float scale = SymmetricPerTensorCodec.INT8.scaleFor(k.maxAbs(x, 0, ELEMENTS));
        k.quantizeInt8(x, 0, ELEMENTS, scale, q8, 0);
        return q8;
    }

    @Benchmark
    public float[] kernelInt8Decode() {
        k.dequantizeInt8(q8, 0, ELEMENTS, scale8, out, 0);
        return out;
    }

    @Benchmark
    public byte[] kernelInt4Encode() {
        float scale = SymmetricPerTensorCodec.INT4.scaleFor(k.maxAbs(x, 0, ELEMENTS));
        k.quantizeInt4(x, 0, ELEMENTS, scale, q4, 0);
        return q4;
    }

    @Benchmark
    public float[] kernelInt4Decode() {
        k.dequantizeInt4(q4, 0, ELEMENTS, scale4, out, 0);
        return out;
    }

    @Benchmark
    public byte[] codecInt8Encode() {
        return SymmetricPerTensorCodec.INT8.encode(tensor, payload8);
    }

    @Benchmark
    public MemorySegment codecInt8Decode() {
        SymmetricPerTensorCodec.INT8.decode(DType.F32, tensor.shape(), params8, payload8, outSegment);
        return outSegment;
    }

    @Benchmark
    public byte[] codecInt4Encode() {
        return SymmetricPerTensorCodec.INT4.encode(tensor, payload4);
    }

    @Benchmark
    public MemorySegment codecInt4Decode() {
        SymmetricPerTensorCodec.INT4.decode(DType.F32, tensor.shape(), params4, payload4, outSegment);
        return outSegment;
    }
}
