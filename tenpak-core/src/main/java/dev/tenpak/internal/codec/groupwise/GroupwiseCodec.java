package dev.tenpak.internal.codec.groupwise;

import dev.tenpak.codec.ChunkEncoder;
import dev.tenpak.codec.Codec;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.NonFiniteValueException;
import dev.tenpak.error.ValueOutOfRangeException;
import dev.tenpak.internal.kernel.GroupQuantKernels;
import dev.tenpak.internal.kernel.GroupScales;
import dev.tenpak.internal.kernel.ScalarGroupVariants;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Group-wise quantization: one f16 scale per group of {@code G} consecutive elements along the last
 * dimension ({@code int8_sym_g32_v1}, {@code int4_sym_g32_v1}, ... with {@code G} = 32, 64, 128),
 * plus two int4 experiments: a clipping search ({@code int4_sym_g32_search_v1}) and an asymmetric
 * variant ({@code int4_asym_g32_v1}). docs/FORMAT.md has the byte layout; the short version:
 *
 * <p><b>Groups.</b> A tensor of {@code n} elements with last dimension {@code L} has
 * {@code rows = n / L} rows (a scalar is one row of one). Each row is cut into
 * {@code ceil(L / G)} groups of {@code G}; when {@code L} is not a multiple of {@code G} the last
 * group of every row is shorter. Groups never span rows and are numbered row-major.
 *
 * <p><b>Payload</b> (no index parameters): the scale plane, one little-endian f16 per group, then
 * (asymmetric only) the offset plane, one f16 per group, then the values: int8 stores one signed
 * code per element; int4 stores two codes per byte in 32-element blocks over the flat element order,
 * byte {@code j} of a block holding element {@code j} (low nibble) and {@code j + h} (high nibble)
 * with {@code h = 16} for full blocks and {@code h = ceil(r / 2)} for a final block of
 * {@code r < 32} elements. Planes first (rather than llama.cpp's interleaved 18-byte blocks) keeps
 * the values contiguous and byte-aligned, so decoding a range is two plain copies and a SIMD loop
 * with no per-block stride, and the value bytes of a range start at {@code from / 2}.
 *
 * <p><b>Symmetric</b> ({@code Q} = 127 or 7): scale and codes as in {@link GroupScales}; the value is
 * {@code q * s}; per-element error {@code <= s / 2}. <b>Search</b>: the same format, but the scale of
 * each group is the one, among {@code max|x| * r} for {@code r} in 1, 0.95, 0.9, 0.85, that gives the
 * smallest squared error after clamping. <b>Asymmetric</b> int4: {@code lo} = the largest f16
 * {@code <= min(x)}, {@code s} = {@code (max(x) - lo) / 15} rounded to f16 and moved up until
 * {@code lo + 15 s >= max(x)}; codes {@code clamp(rint((x - lo) / s), 0, 15)} stored as plain 4-bit
 * unsigned; the value is {@code q * s + lo}.
 *
 * <p>Bits per weight (payload, {@code L} a multiple of {@code G}): {@code bits + 16 / G} (symmetric),
 * {@code 4 + 32 / G} (asymmetric): 8.5, 8.25, 8.125 for int8 and 4.5, 4.25, 4.125 for int4 with
 * {@code G} = 32, 64, 128; 5.0 for {@code int4_asym_g32_v1}.
 */
public final class GroupwiseCodec implements ChunkEncoder {
    /** How codes and scales are chosen. */
    public enum Variant {
        SYMMETRIC,
        SEARCH,
        ASYMMETRIC
    }

    public static final GroupwiseCodec INT8_G32 = new GroupwiseCodec(8, 32, Variant.SYMMETRIC);
    public static final GroupwiseCodec INT8_G64 = new GroupwiseCodec(8, 64, Variant.SYMMETRIC);
    public static final GroupwiseCodec INT8_G128 = new GroupwiseCodec(8, 128, Variant.SYMMETRIC);
    public static final GroupwiseCodec INT4_G32 = new GroupwiseCodec(4, 32, Variant.SYMMETRIC);
    public static final GroupwiseCodec INT4_G64 = new GroupwiseCodec(4, 64, Variant.SYMMETRIC);
    public static final GroupwiseCodec INT4_G128 = new GroupwiseCodec(4, 128, Variant.SYMMETRIC);
    public static final GroupwiseCodec INT4_G32_SEARCH = new GroupwiseCodec(4, 32, Variant.SEARCH);
    public static final GroupwiseCodec INT4_ASYM_G32 = new GroupwiseCodec(4, 32, Variant.ASYMMETRIC);

    /** Every group-wise codec, in registry order. */
    public static final List<GroupwiseCodec> ALL =
            List.of(INT8_G32, INT8_G64, INT8_G128, INT4_G32, INT4_G64, INT4_G128, INT4_G32_SEARCH, INT4_ASYM_G32);

    /** Clipping ratios tried by {@link Variant#SEARCH}, in order; ties keep the earlier (larger) one. */

    /** Elements per encode/decode chunk: a multiple of {@link #RANGE_ALIGN}, of 32 and of every G. */
    static final int CHUNK = ChunkEncoder.CHUNK;

    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final byte[] NO_PARAMS = new byte[0];

    private final String name;
    private final int bits;
    private final int group;
    private final Variant variant;
    private final int qmax;
    private final int planes;

    private GroupwiseCodec(int bits, int group, Variant variant) {
        this.bits = bits;
        this.group = group;
        this.variant = variant;
        this.qmax = bits == 8 ? 127 : 7;
        this.planes = variant == Variant.ASYMMETRIC ? 2 : 1;
        this.name = "int" + bits + (variant == Variant.ASYMMETRIC ? "_asym" : "_sym") + "_g" + group
                + (variant == Variant.SEARCH ? "_search" : "") + "_v1";
    }

    /** Group-wise codecs keep tensors under 4096 elements, and every 0-D and 1-D tensor, exact. */
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

    /** Bits per stored code: 8 or 4. */
    public int bits() {
        return bits;
    }

    /** Elements per group along the last dimension. */
    public int groupSize() {
        return group;
    }

    public Variant variant() {
        return variant;
    }

    /** Bits per weight when the last dimension is a multiple of the group size: codes plus f16 planes. */
    public double nominalBitsPerWeight() {
        return bits + 16.0 * planes / group;
    }

    @Override
    public boolean lossless() {
        return false;
    }

    @Override
    public boolean accepts(DType dtype) {
        return dtype.isCompressible();
    }

    /** How a shape splits into groups. */
    record Geometry(long n, long lastDim, int group, long groupsPerRow, long groups) {
        static Geometry of(Shape shape, int group) {
            long n = shape.elementCount();
            long last = shape.lastDim();
            if (n == 0) {
                return new Geometry(0, last, group, 0, 0);
            }
            long perRow = (last + group - 1) / group;
            return new Geometry(n, last, group, perRow, Math.multiplyExact(n / last, perRow));
        }

        boolean uniform() {
            return lastDim % group == 0;
        }
    }

    @Override
    public long encodedSize(DType dtype, Shape shape) {
        Geometry geo = Geometry.of(shape, group);
        try {
            long planeBytes = Math.multiplyExact(geo.groups(), 2L * planes);
            return Math.addExact(planeBytes, bits == 8 ? geo.n() : geo.n() / 2 + (geo.n() & 1));
        } catch (ArithmeticException e) {
            throw new InvalidInputException(name + ": payload size of shape " + shape + " overflows 64 bits");
        }
    }

    @Override
    public String validate(DType dtype, Shape shape, byte[] params, long payloadLength) {
        return Codec.validateFixedSize(this, dtype, shape, params, payloadLength);
    }

    // ---------------------------------------------------------------- encoding

    @Override
    public byte[] encode(Tensor tensor, MemorySegment dst) {
        Geometry geo = Geometry.of(tensor.shape(), group);
        long n = geo.n();
        if (n == 0) {
            return NO_PARAMS;
        }
        int cap = (int) Math.min(n, CHUNK);
        float[] x = new float[cap];
        Scratch scratch = new Scratch(cap, variant == Variant.ASYMMETRIC);
        long e0 = 0;
        long g0 = 0;
        while (e0 < n) {
            int len = chunkLength(geo, e0);
            FloatConversions.toFloats(tensor.data(), tensor.dtype(), e0, x, 0, len);
            g0 += encodeChunkAt(tensor.name(), geo, x, len, e0, g0, scratch, dst);
            e0 += len;
        }
        return NO_PARAMS;
    }

    /** Per-chunk work arrays: f16 scales (and offsets) and codes of up to {@link #CHUNK} elements. */
    private record Scratch(short[] scales, short[] offsets, byte[] codes) {
        Scratch(int cap, boolean withOffsets) {
            this(new short[cap], withOffsets ? new short[cap] : null, new byte[cap]);
        }
    }

    /** Chunk scratch of the threads that call {@link #encodeChunk}, sized for a full chunk and every variant. */
    private static final ThreadLocal<Scratch> CHUNK_SCRATCH = ThreadLocal.withInitial(() -> new Scratch(CHUNK, true));

    /**
     * Encodes the chunk {@code x[0 .. len)} holding elements {@code e0 ..} (a chunk of
     * {@link #chunkLength}) whose first group is {@code g0} into {@code dst}; returns its group count.
     */
    private int encodeChunkAt(
            String tensor, Geometry geo, float[] x, int len, long e0, long g0, Scratch scratch, MemorySegment dst) {
        boolean fastInt4 = bits == 4 && variant == Variant.SYMMETRIC && geo.uniform();
        long offsetsAt = geo.groups() * 2;
        long valuesAt = geo.groups() * 2L * planes;
        short[] scales = scratch.scales();
        short[] offsets = variant == Variant.ASYMMETRIC ? scratch.offsets() : null;
        byte[] codes = scratch.codes();
        int ng;
        if (fastInt4) {
            ng = len / group;
            int bad = GroupQuantKernels.get().quantizeGroupsInt4(x, 0, ng, group, scales, 0, codes, 0);
            if (bad >= 0) {
                throw unencodable(tensor, x, bad * group, group, e0);
            }
        } else {
            ng = quantizeChunk(tensor, geo, e0, x, len, scales, offsets, codes);
        }
        MemorySegment.copy(scales, 0, dst, F16, g0 * 2, ng);
        if (offsets != null) {
            MemorySegment.copy(offsets, 0, dst, F16, offsetsAt + g0 * 2, ng);
        }
        if (bits == 8) {
            MemorySegment.copy(codes, 0, dst, ValueLayout.JAVA_BYTE, valuesAt + e0, len);
        } else if (fastInt4) {
            MemorySegment.copy(codes, 0, dst, ValueLayout.JAVA_BYTE, valuesAt + e0 / 2, len / 2);
        } else if (geo.uniform() && len % 32 == 0) {
            // whole blocks of 32 (a uniform tensor's chunks start at a group boundary and n is a
            // multiple of 32): packed in place, byte j of a block holding elements j and j + 16
            for (int b = 0; b < len; b += 32) {
                for (int j = 0; j < 16; j++) {
                    codes[b / 2 + j] = (byte) ((codes[b + j] & 0x0F) | (codes[b + 16 + j] << 4));
                }
            }
            MemorySegment.copy(codes, 0, dst, ValueLayout.JAVA_BYTE, valuesAt + e0 / 2, len / 2);
        } else {
            writeNibbles(dst, valuesAt, geo.n(), e0, codes, len);
        }
        return ng;
    }

    /**
     * Chunkable when the last dimension is a multiple of the group size: groups then never straddle
     * a 64 Ki-element chunk, each chunk's first group is {@code from / G}, and int4 blocks of 32
     * elements never straddle one either, so chunks write disjoint bytes.
     */
    @Override
    public boolean chunkable(DType dtype, Shape shape) {
        return accepts(dtype) && Geometry.of(shape, group).uniform();
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
        Geometry geo = Geometry.of(shape, group);
        encodeChunkAt(tensor, geo, x, len, from, from / group, CHUNK_SCRATCH.get(), payload);
    }

    /** Elements of the chunk starting at {@code e0} (a group boundary); it ends at a group boundary. */
    private static int chunkLength(Geometry geo, long e0) {
        long n = geo.n();
        long last = geo.lastDim();
        if (geo.uniform()) {
            return (int) Math.min(CHUNK, n - e0);
        }
        if (last <= CHUNK) {
            long rows = CHUNK / last;
            return (int) Math.min(rows * last, n - e0);
        }
        return (int) Math.min(CHUNK, last - e0 % last);
    }

    /**
     * Quantizes one chunk into one code byte per element: walks its row segments, each a run of
     * full groups plus a shorter last group at the end of a row. Returns the number of groups.
     */
    private int quantizeChunk(
            String tensor, Geometry geo, long e0, float[] x, int len, short[] scales, short[] offsets, byte[] codes) {
        long last = geo.lastDim();
        int i = 0;
        int k = 0;
        while (i < len) {
            int seg = geo.uniform() ? len : (int) Math.min(last - (e0 + i) % last, len - i);
            int full = seg / group;
            int rem = seg % group;
            quantizeGroups(tensor, e0, x, i, full, group, scales, offsets, k, codes);
            k += full;
            if (rem > 0) {
                quantizeGroups(tensor, e0, x, i + full * group, 1, rem, scales, offsets, k, codes);
                k++;
            }
            i += seg;
        }
        return k;
    }

    private void quantizeGroups(
            String tensor,
            long e0,
            float[] x,
            int off,
            int groups,
            int g,
            short[] scales,
            short[] offsets,
            int k,
            byte[] codes) {
        if (groups == 0) {
            return;
        }
        int bad = switch (variant) {
            case SYMMETRIC -> GroupQuantKernels.get().quantizeGroups(x, off, groups, g, qmax, scales, k, codes, off);
            case SEARCH -> ScalarGroupVariants.searchGroups(x, off, groups, g, scales, k, codes);
            case ASYMMETRIC -> ScalarGroupVariants.asymmetricGroups(x, off, groups, g, scales, offsets, k, codes);
        };
        if (bad >= 0) {
            throw unencodable(tensor, x, off + bad * g, g, e0);
        }
    }

    private RuntimeException unencodable(String tensor, float[] x, int at, int g, long e0) {
        for (int i = at; i < at + g; i++) {
            if (!Float.isFinite(x[i])) {
                return new NonFiniteValueException(tensor, e0 + i, x[i]);
            }
        }
        int worst = at;
        for (int i = at; i < at + g; i++) {
            if (Math.abs(x[i]) > Math.abs(x[worst])) {
                worst = i;
            }
        }
        String limit = variant == Variant.ASYMMETRIC
                ? "its f16 offset and scale reach 65504"
                : "its f16 scale reaches 65504, so |x| <= about " + (long) (65504.0 * qmax);
        return new ValueOutOfRangeException(tensor, e0 + worst, x[worst], name, limit);
    }

    // ---------------------------------------------------------------- int4 layout

    /** Byte offset (from the values plane) and shift of element {@code e} of an {@code n}-element int4 payload. */
    static long nibbleByte(long n, long e) {
        long block = e >>> 5;
        int j = (int) (e & 31);
        int h = (int) ((Math.min(32, n - (block << 5)) + 1) >>> 1);
        return (block << 4) + (j < h ? j : j - h);
    }

    static boolean highNibble(long n, long e) {
        long block = e >>> 5;
        int j = (int) (e & 31);
        int h = (int) ((Math.min(32, n - (block << 5)) + 1) >>> 1);
        return j >= h;
    }

    /** Writes {@code len} codes for elements {@code e0..} into the int4 values plane, nibble by nibble. */
    private static void writeNibbles(MemorySegment dst, long valuesAt, long n, long e0, byte[] codes, int len) {
        for (int i = 0; i < len; i++) {
            long e = e0 + i;
            long at = valuesAt + nibbleByte(n, e);
            int c = codes[i] & 0x0F;
            int b = dst.get(ValueLayout.JAVA_BYTE, at);
            if (highNibble(n, e)) {
                b = (b & 0x0F) | (c << 4);
            } else {
                long block = e >>> 5;
                int h = (int) ((Math.min(32, n - (block << 5)) + 1) >>> 1);
                boolean partner = (e & 31) + h < Math.min(32, n - (block << 5));
                b = partner ? (b & 0xF0) | c : c;
            }
            dst.set(ValueLayout.JAVA_BYTE, at, (byte) b);
        }
    }

    // ---------------------------------------------------------------- decoding

    @Override
    public void decodeFloats(
            DType dtype, Shape shape, byte[] params, MemorySegment payload, long from, float[] dst, int off, int len) {
        Geometry geo = Geometry.of(shape, group);
        if (len == 0) {
            return;
        }
        if (!geo.uniform()) {
            decodeGeneric(geo, payload, from, dst, off, len);
            return;
        }
        GroupQuantKernels k = GroupQuantKernels.get();
        long valuesAt = geo.groups() * 2L * planes;
        int fullLen = len - len % group;
        // per-thread scratch: decoding runs once per 64 Ki elements, and fresh arrays would be most of its cost
        Scratch scratch = CHUNK_SCRATCH.get();
        short[] scales = scratch.scales();
        byte[] in = scratch.codes();
        if (variant == Variant.ASYMMETRIC) {
            short[] offsets = scratch.offsets();
            for (int done = 0; done < fullLen; ) {
                int step = Math.min(CHUNK, fullLen - done);
                long at = from + done;
                int ng = step / group;
                MemorySegment.copy(payload, F16, at / group * 2, scales, 0, ng);
                MemorySegment.copy(payload, F16, geo.groups() * 2 + at / group * 2, offsets, 0, ng);
                MemorySegment.copy(payload, ValueLayout.JAVA_BYTE, valuesAt + at / 2, in, 0, step / 2);
                ScalarGroupVariants.dequantizeAsymmetric(in, ng, scales, offsets, dst, off + done);
                done += step;
            }
            if (fullLen < len) {
                decodeGeneric(geo, payload, from + fullLen, dst, off + fullLen, len - fullLen);
            }
            return;
        }
        for (int done = 0; done < fullLen; ) {
            int step = Math.min(CHUNK, fullLen - done);
            long at = from + done;
            int ng = step / group;
            MemorySegment.copy(payload, F16, at / group * 2, scales, 0, ng);
            if (bits == 8) {
                MemorySegment.copy(payload, ValueLayout.JAVA_BYTE, valuesAt + at, in, 0, step);
                k.dequantizeGroups(in, 0, ng, group, scales, 0, dst, off + done);
            } else {
                MemorySegment.copy(payload, ValueLayout.JAVA_BYTE, valuesAt + at / 2, in, 0, step / 2);
                k.dequantizeGroupsInt4(in, 0, ng, group, scales, 0, dst, off + done);
            }
            done += step;
        }
        if (fullLen < len) {
            decodeGeneric(geo, payload, from + fullLen, dst, off + fullLen, len - fullLen);
        }
    }

    /** Element by element: any shape, any range start, every variant. */
    private void decodeGeneric(Geometry geo, MemorySegment payload, long from, float[] dst, int off, int len) {
        long n = geo.n();
        long last = geo.lastDim();
        long offsetsAt = geo.groups() * 2;
        long valuesAt = geo.groups() * 2L * planes;
        long col = from % last;
        long gi = from / last * geo.groupsPerRow() + col / group;
        int inGroup = (int) (col % group);
        long loaded = -1;
        float s = 0f;
        float lo = 0f;
        for (int i = 0; i < len; i++) {
            long e = from + i;
            if (gi != loaded) {
                s = Float.float16ToFloat(payload.get(F16, gi * 2));
                lo = planes == 2 ? Float.float16ToFloat(payload.get(F16, offsetsAt + gi * 2)) : 0f;
                loaded = gi;
            }
            int q;
            if (bits == 8) {
                q = payload.get(ValueLayout.JAVA_BYTE, valuesAt + e);
            } else {
                int b = payload.get(ValueLayout.JAVA_BYTE, valuesAt + nibbleByte(n, e));
                int nib = highNibble(n, e) ? (b >> 4) & 0x0F : b & 0x0F;
                q = variant == Variant.ASYMMETRIC ? nib : (nib << 28) >> 28;
            }
            dst[off + i] = variant == Variant.ASYMMETRIC ? q * s + lo : q * s;
            col++;
            inGroup++;
            if (col == last) {
                col = 0;
                inGroup = 0;
                gi++;
            } else if (inGroup == group) {
                inGroup = 0;
                gi++;
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
