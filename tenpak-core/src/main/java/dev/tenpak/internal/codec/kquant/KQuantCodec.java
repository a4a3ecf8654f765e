package dev.tenpak.internal.codec.kquant;

import dev.tenpak.codec.ChunkEncoder;
import dev.tenpak.codec.Codec;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.NonFiniteValueException;
import dev.tenpak.error.ValueOutOfRangeException;
import dev.tenpak.internal.kernel.ConversionKernels;
import dev.tenpak.internal.kernel.F16BlockQuantizer;
import dev.tenpak.internal.kernel.GridDequantKernels;
import dev.tenpak.internal.kernel.GridQuantizer;
import dev.tenpak.internal.kernel.HadamardKernels;
import dev.tenpak.internal.kernel.SuperBlockQuantizer;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.stream.Stream;

/**
 * Block quantizers in the K-quant class: every value becomes a {@code b}-bit index into
 * a fixed grid of levels times a signed block scale chosen by an error-minimising search
 * ({@link GridQuantizer}). Two shapes:
 * <ul>
 *   <li><b>f16 blocks</b> ({@code int4_sym16_g32_v1}): blocks of 32 with one f16 scale each, the
 *       16-level grid {@code -8..7} (ggml Q4_0's layout and bit rate, 4.5 bits/weight, with a searched
 *       scale instead of Q4_0's {@code max / -8}).</li>
 *   <li><b>super-blocks</b> ({@code kq2_v1} .. {@code kq6_v1}): super-blocks of 256 with one f16
 *       super-scale, sub-blocks of 16 whose signed scales are quantized to 6 to 8 bits under it
 *       ({@link SuperBlockQuantizer}), and a non-uniform grid of {@code 2^b} levels fitted once to
 *       Gaussian blocks ({@link Grids}).</li>
 * </ul>
 *
 * <p><b>Any shape.</b> Blocks run over the tensor's elements in flat row-major order and may span
 * rows; the last super-block holds the remaining {@code n mod 256} elements and its last sub-block
 * is shorter when that is not a multiple of the sub-block size. Nothing is padded, so the payload
 * is exactly the bits below for every shape. The payload (no index parameters):
 * <pre>
 *   super-scales  ceil(n / 256) little-endian f16            (super-block codecs only)
 *   sub-scales    ceil(n / S) signed B-bit values, bit-packed   (f16 blocks: little-endian f16)
 *   codes         n unsigned b-bit values, bit-packed
 * </pre>
 * each plane padded with zero bits to a whole byte ({@link BitPacking}). Bits per weight for
 * {@code n} a multiple of 256: {@code b + B / S + 16 / 256}.
 *
 * <p><b>Rotated variants</b> ({@code kq2h_v1} .. {@code kq6h_v1}, {@code int4_sym16_g32h_v1}): the
 * same payload, of the same size, over rotated values: every whole run of 16 elements (counted
 * from element 0 of the flattened tensor; a final partial run stays as it is) is multiplied by a
 * sign flip and a Walsh-Hadamard transform ({@link HadamardKernels}) before quantizing, and the
 * decoded values are rotated back. The rotation spreads a large weight over its run, so a block's
 * scale follows the typical values instead of the outlier: lower error at the same size on real
 * weights and much lower on heavy-tailed ones (docs/PERFORMANCE.md). A run never spans two chunks,
 * so encoding and decoding still go chunk by chunk.
 *
 * <p>Chunked encoding always applies: a 64 Ki-element chunk is a whole number of super-blocks and
 * starts every plane on a byte boundary, so chunks write disjoint byte ranges.
 */
public final class KQuantCodec implements ChunkEncoder {
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final byte[] NO_PARAMS = new byte[0];
    private static final int SUPER = SuperBlockQuantizer.SUPER;

    /** 16-level symmetric int4, blocks of 32 with a searched f16 scale: 4.5 bits/weight. */
    public static final KQuantCodec INT4_SYM16_G32 = new KQuantCodec("int4_sym16_g32_v1", Grids.UNIFORM_4, 4, 32, 16);
    /** 2-bit fitted grid, sub-blocks of 16, 6-bit sub-scales: 2.4375 bits/weight. */
    public static final KQuantCodec KQ2 = new KQuantCodec("kq2_v1", Grids.GAUSS_2, 2, 16, 6);
    /** 3-bit fitted grid, sub-blocks of 16, 6-bit sub-scales: 3.4375 bits/weight. */
    public static final KQuantCodec KQ3 = new KQuantCodec("kq3_v1", Grids.GAUSS_3, 3, 16, 6);
    /** 4-bit fitted grid, sub-blocks of 16, 7-bit sub-scales: 4.5 bits/weight. */
    public static final KQuantCodec KQ4 = new KQuantCodec("kq4_v1", Grids.GAUSS_4, 4, 16, 7);
    /** 5-bit fitted grid, sub-blocks of 16, 7-bit sub-scales: 5.5 bits/weight. */
    public static final KQuantCodec KQ5 = new KQuantCodec("kq5_v1", Grids.GAUSS_5, 5, 16, 7);
    /** 6-bit fitted grid, sub-blocks of 16, 8-bit sub-scales: 6.5625 bits/weight. */
    public static final KQuantCodec KQ6 = new KQuantCodec("kq6_v1", Grids.GAUSS_6, 6, 16, 8);

    /** The codecs above, unrotated, in registry order. */
    public static final List<KQuantCodec> ALL = List.of(INT4_SYM16_G32, KQ2, KQ3, KQ4, KQ5, KQ6);

    /** {@link #INT4_SYM16_G32} over Hadamard-rotated runs of 16. */
    public static final KQuantCodec INT4_SYM16_G32H = INT4_SYM16_G32.rotatedVariant("int4_sym16_g32h_v1");
    /** {@link #KQ2} over Hadamard-rotated runs of 16. */
    public static final KQuantCodec KQ2H = KQ2.rotatedVariant("kq2h_v1");
    /** {@link #KQ3} over Hadamard-rotated runs of 16. */
    public static final KQuantCodec KQ3H = KQ3.rotatedVariant("kq3h_v1");
    /** {@link #KQ4} over Hadamard-rotated runs of 16. */
    public static final KQuantCodec KQ4H = KQ4.rotatedVariant("kq4h_v1");
    /** {@link #KQ5} over Hadamard-rotated runs of 16. */
    public static final KQuantCodec KQ5H = KQ5.rotatedVariant("kq5h_v1");
    /** {@link #KQ6} over Hadamard-rotated runs of 16. */
    public static final KQuantCodec KQ6H = KQ6.rotatedVariant("kq6h_v1");

    /** The rotated variants, in the order of {@link #ALL}; registered after it. */
    public static final List<KQuantCodec> ROTATED = List.of(INT4_SYM16_G32H, KQ2H, KQ3H, KQ4H, KQ5H, KQ6H);

    /** {@link #ALL} then {@link #ROTATED}: every codec of this family, in registry order. */
    public static final List<KQuantCodec> EVERY =
            Stream.concat(ALL.stream(), ROTATED.stream()).toList();

    private final String name;
    private final GridQuantizer grid;
    /** {@code grid.level(i)} for every code: the decoder's lookup table. */
    private final float[] levels;

    private final int bits;
    private final int sub;
    private final int scaleBits;
    private final boolean superBlocks;
    private final SuperBlockQuantizer superQ;
    private final F16BlockQuantizer blockQ;
    /** The codec this one rotates the values for, or null when it is unrotated. */
    private final KQuantCodec unrotated;

    /**
     * @param scaleBits bits per sub-scale: 2 to 8 for super-block codecs, 16 for f16 blocks
     */
    KQuantCodec(String name, float[] levels, int bits, int sub, int scaleBits) {
        if (levels.length != 1 << bits) {
            throw new IllegalArgumentException(name + ": " + levels.length + " levels for " + bits + " bits");
        }
        if (sub % 8 != 0 || SUPER % sub != 0) {
            throw new IllegalArgumentException(name + ": sub-blocks of " + sub + " do not split into groups of 8");
        }
        this.name = name;
        this.grid = new GridQuantizer(levels);
        this.levels = new float[levels.length];
        for (int i = 0; i < levels.length; i++) {
            this.levels[i] = grid.level(i);
        }
        this.bits = bits;
        this.sub = sub;
        this.scaleBits = scaleBits;
        this.superBlocks = scaleBits != 16;
        this.superQ = superBlocks ? new SuperBlockQuantizer(grid, sub, scaleBits) : null;
        this.blockQ = superBlocks ? null : new F16BlockQuantizer(grid);
        this.unrotated = null;
    }

    /** The same grid, levels and quantizers (built once, stateless across calls) under another name. */
    private KQuantCodec(String name, KQuantCodec unrotated) {
        this.name = name;
        this.grid = unrotated.grid;
        this.levels = unrotated.levels;
        this.bits = unrotated.bits;
        this.sub = unrotated.sub;
        this.scaleBits = unrotated.scaleBits;
        this.superBlocks = unrotated.superBlocks;
        this.superQ = unrotated.superQ;
        this.blockQ = unrotated.blockQ;
        this.unrotated = unrotated;
    }

    private KQuantCodec rotatedVariant(String rotatedName) {
        return new KQuantCodec(rotatedName, this);
    }

    /**
     * Like the group-wise codecs, the grid codecs keep tensors under 4096 elements, and every 0-D and
     * 1-D tensor, exact: biases and LayerNorm weights are a tiny share of the bytes, but their error
     * shifts every activation, and a block's scale costs as much as it saves on small tensors.
     */
    @Override
    public long defaultMinElements() {
        return DEFAULT_MIN_ELEMENTS;
    }

    /** Below this many elements a tensor stays raw unless the user chose another threshold. */
    public static final long DEFAULT_MIN_ELEMENTS = 4096;

    @Override
    public String name() {
        return name;
    }

    /** Bits per code. */
    public int bits() {
        return bits;
    }

    /** Elements per (sub-)block. */
    public int subBlock() {
        return sub;
    }

    /** Bits per stored sub-scale (16 for f16 block scales). */
    public int scaleBits() {
        return scaleBits;
    }

    /** Whether there is a super-scale plane. */
    public boolean superBlocks() {
        return superBlocks;
    }

    /** Whether the values are Hadamard-rotated in runs of 16 before quantizing. */
    public boolean rotated() {
        return unrotated != null;
    }

    /** The codec with the same payload over unrotated values: this one when it is not rotated. */
    public KQuantCodec unrotated() {
        return unrotated == null ? this : unrotated;
    }

    /** The grid of levels the codes index. */
    public GridQuantizer grid() {
        return grid;
    }

    /** Bits per weight when the element count is a multiple of 256, every scale counted. */
    public double nominalBitsPerWeight() {
        return bits + (double) scaleBits / sub + (superBlocks ? 16.0 / SUPER : 0);
    }

    @Override
    public boolean lossless() {
        return false;
    }

    @Override
    public boolean accepts(DType dtype) {
        return dtype.isCompressible();
    }

    /** Byte sizes of the three planes of an {@code n}-element payload. */
    record Planes(long superBytes, long scaleBytes, long codeBytes) {
        long total() {
            return Math.addExact(Math.addExact(superBytes, scaleBytes), codeBytes);
        }
    }

    Planes planes(long n) {
        long supers = (n + SUPER - 1) / SUPER;
        long subs = (n + sub - 1) / sub;
        return new Planes(superBlocks ? 2 * supers : 0, BitPacking.bytes(subs, scaleBits), BitPacking.bytes(n, bits));
    }

    @Override
    public long encodedSize(DType dtype, Shape shape) {
        try {
            return planes(shape.elementCount()).total();
        } catch (ArithmeticException e) {
            throw new InvalidInputException(name + ": payload size of shape " + shape + " overflows 64 bits");
        }
    }

    @Override
    public String validate(DType dtype, Shape shape, byte[] params, long payloadLength) {
        return Codec.validateFixedSize(this, dtype, shape, params, payloadLength);
    }

    // ---------------------------------------------------------------- encoding

    /** Per-thread work arrays for one chunk. */
    private static final class Scratch {
        final float[] x = new float[CHUNK];
        /** The rotated chunk of a rotated codec (the caller's floats are left as they were). */
        final float[] r = new float[CHUNK];

        final byte[] q = new byte[CHUNK];
        final byte[] l = new byte[CHUNK / 16 + 1];
        final short[] d = new short[CHUNK / SUPER + 1];
        final short[] f16 = new short[CHUNK / 16 + 1];
        final byte[] packed = new byte[CHUNK + 16];
        final byte[] tmp = new byte[SUPER];
        final SuperBlockQuantizer.Scratch w = new SuperBlockQuantizer.Scratch();
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    @Override
    public byte[] encode(Tensor tensor, MemorySegment dst) {
        long n = tensor.elementCount();
        Scratch s = SCRATCH.get();
        for (long from = 0; from < n; from += CHUNK) {
            int len = (int) Math.min(CHUNK, n - from);
            FloatConversions.toFloats(tensor.data(), tensor.dtype(), from, s.x, 0, len);
            encodeChunkAt(tensor.name(), n, s.x, len, from, dst, s);
        }
        return NO_PARAMS;
    }

    @Override
    public boolean chunkable(DType dtype, Shape shape) {
        return accepts(dtype);
    }

    @Override
    public boolean needsMaxAbs() {
        return false;
    }

    @Override
    public byte[] params(float maxAbs) {
        return NO_PARAMS;
    }

    @Override
    public void encodeChunk(
            String tensor,
            DType dtype,
            Shape shape,
            byte[] params,
            float[] x,
            int len,
            long from,
            MemorySegment payload) {
        encodeChunkAt(tensor, shape.elementCount(), x, len, from, payload, SCRATCH.get());
    }

    private void encodeChunkAt(String tensor, long n, float[] x, int len, long from, MemorySegment dst, Scratch s) {
        for (int i = 0; i < len; i++) {
            if (!Float.isFinite(x[i])) {
                throw new NonFiniteValueException(tensor, from + i, x[i]);
            }
        }
        float[] orig = x;
        if (unrotated != null) {
            System.arraycopy(x, 0, s.r, 0, len);
            HadamardKernels.get().forward(s.r, 0, len, from / HadamardKernels.RUN);
            x = s.r;
            for (int i = 0; i < len; i++) {
                if (!Float.isFinite(x[i])) { // sums of 16 values near Float.MAX_VALUE
                    int b = i - i % HadamardKernels.RUN;
                    throw outOfRange(tensor, orig, b, HadamardKernels.RUN, from, "its rotated values overflow float");
                }
            }
        }
        Planes p = planes(n);
        int nsub = (len + sub - 1) / sub;
        if (superBlocks) {
            int nsup = (len + SUPER - 1) / SUPER;
            for (int k = 0; k < nsup; k++) {
                int b = k * SUPER;
                int m = Math.min(SUPER, len - b);
                short d = superQ.quantize(x, b, m, s.l, b / sub, s.q, b, s.w);
                if (d == SuperBlockQuantizer.INVALID) {
                    throw outOfRange(tensor, orig, b, m, from, "its f16 super-scale reaches 65504");
                }
                s.d[k] = d;
            }
            MemorySegment.copy(s.d, 0, dst, F16, from / SUPER * 2, nsup);
            int nb = BitPacking.pack(s.l, nsub, scaleBits, s.packed);
            MemorySegment.copy(
                    s.packed, 0, dst, ValueLayout.JAVA_BYTE, p.superBytes() + from / sub * scaleBits / 8, nb);
        } else {
            int bad = blockQ.quantizeBlocks(x, 0, len, sub, s.q, 0, s.f16, 0, s.tmp);
            if (bad >= 0) {
                int b = bad * sub;
                throw outOfRange(tensor, orig, b, Math.min(sub, len - b), from, "its f16 scale reaches 65504");
            }
            MemorySegment.copy(s.f16, 0, dst, F16, from / sub * 2, nsub);
        }
        int nb = BitPacking.pack(s.q, len, bits, s.packed);
        MemorySegment.copy(
                s.packed, 0, dst, ValueLayout.JAVA_BYTE, p.superBytes() + p.scaleBytes() + from * bits / 8, nb);
    }

    private RuntimeException outOfRange(String tensor, float[] x, int b, int m, long from, String limit) {
        int worst = b;
        for (int i = b; i < b + m; i++) {
            if (Math.abs(x[i]) > Math.abs(x[worst])) {
                worst = i;
            }
        }
        return new ValueOutOfRangeException(tensor, from + worst, x[worst], name, limit);
    }

    // ---------------------------------------------------------------- decoding

    /** Per-thread work arrays for decoding one chunk. */
    private static final class DecodeScratch {
        final float[] y = new float[CHUNK];
        final float[] c = new float[CHUNK / 16 + 1];
        final short[] d = new short[CHUNK / SUPER + 1];
        /**
         * Packed codes, with slack past the last one: 8 bytes for the scalar kernel's long reads, and a
         * whole 512-bit vector so that the vector kernel's last steps need no scalar tail.
         */
        final byte[] packed = new byte[CHUNK + 72];
    }

    private static final ThreadLocal<DecodeScratch> DECODE = ThreadLocal.withInitial(DecodeScratch::new);

    @Override
    public void decodeFloats(
            DType dtype, Shape shape, byte[] params, MemorySegment payload, long from, float[] dst, int off, int len) {
        long n = shape.elementCount();
        Planes p = planes(n);
        DecodeScratch s = DECODE.get();
        long end = from + len;
        // whole super-blocks (256 elements: every plane starts on a byte there), at most a chunk at a time
        for (long at = from - from % SUPER; at < end; ) {
            int m = (int) Math.min(CHUNK, n - at);
            int nsub = (m + sub - 1) / sub;
            if (superBlocks) {
                int nsup = (m + SUPER - 1) / SUPER;
                MemorySegment.copy(payload, F16, at / SUPER * 2, s.d, 0, nsup);
                int lb = (int) BitPacking.bytes(nsub, scaleBits);
                MemorySegment.copy(
                        payload, ValueLayout.JAVA_BYTE, p.superBytes() + at / sub * scaleBits / 8, s.packed, 0, lb);
                GridDequantKernels.get().subScales(s.packed, scaleBits, s.d, SUPER / sub, nsub, s.c);
            } else {
                ConversionKernels.get().f16ToFloats(payload, at / sub * 2, s.c, 0, nsub);
            }
            long codeAt = p.superBytes() + p.scaleBytes() + at * bits / 8;
            MemorySegment.copy(payload, ValueLayout.JAVA_BYTE, codeAt, s.packed, 0, (int) BitPacking.bytes(m, bits));
            long lo = Math.max(at, from);
            long hi = Math.min(at + m, end);
            if (lo == at && hi == at + m) { // the whole chunk is wanted: decode in place
                decodeChunk(s.packed, s.c, m, dst, off + (int) (at - from), at);
            } else {
                decodeChunk(s.packed, s.c, m, s.y, 0, at);
                System.arraycopy(s.y, (int) (lo - at), dst, off + (int) (lo - from), (int) (hi - lo));
            }
            at += m;
        }
    }

    /**
     * Decodes the {@code m} values of the chunk at element {@code at} into {@code y[yoff ..)}: {@link
     * #dequantize}, then for a rotated codec the inverse rotation of the whole runs ({@link
     * HadamardKernels#inverse}), both in one pass of {@link GridDequantKernels#dequantizeRotated}
     * with the same floats. A chunk starts on a super-block, so on a run, and only the tensor's last
     * chunk ends inside a run (its partial run stays as decoded).
     */
    private void decodeChunk(byte[] packed, float[] c, int m, float[] y, int yoff, long at) {
        if (unrotated != null) {
            GridDequantKernels.get()
                    .dequantizeRotated(packed, bits, levels, c, sub, m, y, yoff, at / HadamardKernels.RUN);
        } else {
            dequantize(packed, c, m, y, yoff);
        }
    }

    /**
     * {@code y[yoff + i] = c[i / sub] * level(code i)} for the {@code m} codes packed in {@code
     * packed} ({@link BitPacking}'s layout, which must have 8 bytes of slack past the codes), by the
     * {@link GridDequantKernels} of this JVM. A sub-block starts on a byte ({@code sub * bits} is a
     * multiple of 8 in every layout here), as the kernels require. Same products as unpacking the
     * codes first, so the same floats.
     */
    void dequantize(byte[] packed, float[] c, int m, float[] y, int yoff) {
        GridDequantKernels.get().dequantize(packed, bits, levels, c, sub, m, y, yoff);
    }

    @Override
    public String toString() {
        return name;
    }
}
