package dev.tenpak.internal.codec.entropycoded;

import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.NonFiniteValueException;
import dev.tenpak.internal.codec.BlockedCodec;
import dev.tenpak.internal.codec.BlockedPayload;
import dev.tenpak.internal.entropy.Huffman;
import dev.tenpak.internal.entropy.PlaneCoder;
import dev.tenpak.internal.kernel.GridDequantKernels;
import dev.tenpak.internal.kernel.QuantKernels;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * {@code ecqB_v1}: an entropy-coded uniform scalar quantizer. One step per tensor, every element
 * rounded to an integer multiple of it, and the integers entropy-coded. At a given error a uniform
 * quantizer followed by an ideal entropy coder is within a quarter of a bit of the rate-distortion
 * bound of a memoryless source at high rates (Gish and Pierce), where a fixed-rate grid spends its
 * bits on levels the data rarely visits: on all-MiniLM-L6-v2 {@code ecq4_v1} stores about 4.2 bits
 * per weight with less error than ggml's Q4_K at 4.5 (docs/PERFORMANCE.md).
 *
 * <p><b>A storage codec, not an inference layout.</b> The payload size depends on the values
 * ({@link #variableSize}), and decoding runs at the speed of the Huffman or rANS decoder, several
 * times slower than unpacking fixed-width integers; a runtime that multiplies from packed codes
 * wants {@code kq*} or the group-wise codecs.
 *
 * <p><b>Quantization.</b> With {@code rms} the root mean square of the tensor's float values (their
 * squares summed in a {@code double} in element order, divided by {@code n}, square root, so the
 * same input gives the same step on every JVM), the step is the f32
 * {@code (float) (rms * K * 2^(2 - B))}, {@code K} = {@value #STEP_FACTOR}, raised to the smallest
 * f32 subnormal when it rounds to zero for a tensor that is not all zeros. Each value {@code x}
 * becomes {@code q = (int) rint(x / (double) step)}: round half to even, Java's saturating
 * conversion to int32; where {@code |q * step|} would round past the largest f32, {@code q} moves
 * one step toward zero. A value decodes to {@code (float) (q * (double) step)}. Every element is
 * within {@code step / 2} of its decoded value (one step at the f32 range's edge).
 *
 * <p><b>Symbols.</b> {@code z = zigzag(q)} as an unsigned 32-bit number ({@code 0, -1, 1, -2, ...}
 * become {@code 0, 1, 2, 3, ...}). {@code z < 128} is the symbol {@code z}. A larger {@code z} of
 * bit length {@code L} (8 to 32) is the escape symbol {@code 128 + 4 (L - 8) + m}, {@code m} the two
 * bits below its leading one, with its low {@code L - 3} bits written raw, least significant first,
 * to the block's bit stream (Deflate's and zstd's offset codes: the symbol carries the magnitude's
 * scale, the raw bits the rest, so any int32 code is representable and the fine steps of
 * {@code ecq8_v1} stay close to their entropy). Symbols 228 to 255 are never written. The encoder
 * finds a block's direct symbols with {@link QuantKernels#directCodes} (vector lanes where the
 * Vector API is present; {@code ecq4_v1} quantizes 1.3x as fast), which marks every other element
 * with 255, then codes those elements in element order.
 *
 * <p><b>Payload</b> (little-endian; docs/FORMAT.md, "Entropy-coded uniform quantizers"):
 * <pre>
 *   u32 blockElements | u8 format = 1 | u8 0 | u16 0 | u64[B] block ends | blocks
 *   block := one PlaneCoder record of the block's symbols, then its raw bits, zero-padded to a byte
 * </pre>
 * Blocks hold {@link #BLOCK_ELEMENTS} elements (the last one the rest), are coded independently
 * and are located by the table of end offsets (relative to the first block), so a range decodes
 * only its blocks and blocks decode on any thread. Index parameters: the step as an f32, 4 bytes.
 */
public final class EcqCodec implements BlockedCodec {
    /** Elements per block: {@code ChunkEncoder.CHUNK}, so a measured chunk decodes one block. */
    public static final int BLOCK_ELEMENTS = 16 * RANGE_ALIGN;
    /** The largest block a reader accepts (a hostile header's size). */
    static final int MAX_BLOCK_ELEMENTS = 256 * RANGE_ALIGN;
    /**
     * The step relative to {@code rms * 2^(2 - B)}. Measured on all-MiniLM-L6-v2 (docs/PERFORMANCE.md):
     * at 1.0 {@code ecq5_v1} and {@code ecq6_v1} miss their error targets and {@code ecq4_v1} meets
     * 1.77e-5 by 1%; at 0.9 every width meets its target with {@code ecq4_v1} at 4.22 bits, under 4.25.
     */
    public static final double STEP_FACTOR = 0.9;

    static final int HEADER_BYTES = 8;
    static final int FORMAT = 1;
    /** Symbols below this are zigzagged codes; from it on, escapes. */
    static final int DIRECT = QuantKernels.DIRECT_CODES;
    /** One past the last escape symbol: bit lengths 8 to 32, four symbols each. */
    static final int SYMBOLS = DIRECT + 4 * 25;
    /** The most raw bits one element takes (an escape of bit length 32). */
    static final int MAX_RAW_BITS = 29;

    /**
     * About one bit per weight: too coarse for weights (its step is 1.8 rms: most codes are 0), made
     * for the residuals of a lossy delta, where a fine-tune's small moves are what is coded.
     */
    public static final EcqCodec ECQ1 = new EcqCodec(1);

    public static final EcqCodec ECQ2 = new EcqCodec(2);
    public static final EcqCodec ECQ3 = new EcqCodec(3);
    public static final EcqCodec ECQ4 = new EcqCodec(4);
    public static final EcqCodec ECQ5 = new EcqCodec(5);
    public static final EcqCodec ECQ6 = new EcqCodec(6);
    public static final EcqCodec ECQ7 = new EcqCodec(7);
    public static final EcqCodec ECQ8 = new EcqCodec(8);

    /** Every codec of the family, coarsest first. */
    public static final List<EcqCodec> ALL = List.of(ECQ1, ECQ2, ECQ3, ECQ4, ECQ5, ECQ6, ECQ7, ECQ8);

    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String name;
    private final int bits;
    private final double stepScale;

    private EcqCodec(int bits) {
        this(bits, STEP_FACTOR);
    }

    private EcqCodec(int bits, double factor) {
        this.name = "ecq" + bits + "_v1";
        this.bits = bits;
        this.stepScale = factor * Math.scalb(1.0, 2 - bits);
    }

    /** A codec of nominal width {@code bits} whose step is {@code factor * rms * 2^(2 - bits)}; for measurements. */
    public static EcqCodec withStepFactor(int bits, double factor) {
        if (bits < 1 || bits > 16 || !(factor > 0) || factor > 64) {
            throw new IllegalArgumentException("bits 1..16 and a factor in (0, 64], got " + bits + ", " + factor);
        }
        return new EcqCodec(bits, factor);
    }

    @Override
    public String name() {
        return name;
    }

    /** The nominal width: the step is {@code rms * K * 2^(2 - bits)}. */
    public int bits() {
        return bits;
    }

    @Override
    public boolean lossless() {
        return false;
    }

    @Override
    public boolean accepts(DType dtype) {
        return dtype.isCompressible();
    }

    @Override
    public boolean variableSize() {
        return true;
    }

    /** Below this many elements (and for every 0-D and 1-D tensor) a tensor stays raw by default, as for the grid codecs. */
    @Override
    public long defaultMinElements() {
        return 4096;
    }

    private static long blocks(long n, int blockElements) {
        return (n + blockElements - 1) / blockElements;
    }

    /**
     * The most a payload of {@code n} elements in blocks of {@code be} can take: header, table, each
     * block's symbols raw with their mode byte, every element an escape of 29 raw bits, each block's
     * bit stream padded to a byte.
     */
    static long maxPayload(long n, int be) {
        long b = blocks(n, be);
        return Math.addExact(
                Math.addExact(HEADER_BYTES, Math.multiplyExact(10, b)),
                Math.addExact(n, Math.multiplyExact(n, MAX_RAW_BITS) / 8 + 1));
    }

    @Override
    public long encodedSize(DType dtype, Shape shape) {
        try {
            return maxPayload(shape.elementCount(), BLOCK_ELEMENTS);
        } catch (ArithmeticException e) {
            throw new InvalidInputException(name + ": payload size of shape " + shape + " overflows 64 bits");
        }
    }

    @Override
    public byte[] encode(Tensor tensor, MemorySegment dst) {
        throw new IllegalStateException(name + " is a variable-size codec: encode with encodeSized");
    }

    // ---------------------------------------------------------------- encoding

    /** The f32 step for a tensor of this root mean square (see the class comment). */
    float step(double rms) {
        if (rms == 0) {
            return 0f;
        }
        float step = (float) Math.min(Float.MAX_VALUE, rms * stepScale);
        return Math.max(step, Float.MIN_VALUE);
    }

    /**
     * The root mean square of the tensor's values, squares summed in a double in element order;
     * throws for the first non-finite element.
     */
    static double rms(Tensor tensor, float[] x) {
        long n = tensor.elementCount();
        if (n == 0) {
            return 0;
        }
        double sum = 0;
        for (long from = 0; from < n; from += x.length) {
            int len = (int) Math.min(x.length, n - from);
            FloatConversions.toFloats(tensor.data(), tensor.dtype(), from, x, 0, len);
            for (int i = 0; i < len; i++) {
                float v = x[i];
                if (!Float.isFinite(v)) {
                    throw new NonFiniteValueException(tensor.name(), from + i, v);
                }
                sum += (double) v * v;
            }
        }
        return Math.sqrt(sum / n);
    }

    /** The integer code of {@code x}: {@code rint(x / step)}, saturated to int32, kept where it decodes finite. */
    static int code(float x, float step) {
        if (step == 0) {
            return 0;
        }
        int q = (int) Math.rint(x / (double) step);
        if (Math.abs(x) > 0x1p126f && Float.isInfinite((float) (q * (double) step))) {
            q -= Integer.signum(q);
        }
        return q;
    }

    /** The decoded value of code {@code q}. */
    static float value(int q, float step) {
        return (float) (q * (double) step);
    }

    @Override
    public int blockElements(DType dtype) {
        return BLOCK_ELEMENTS;
    }

    @Override
    public Encoded encodeSized(Tensor tensor, MemorySegment dst) {
        return BlockedPayload.join(encodeAsync(tensor, dst, Runnable::run, Integer.MAX_VALUE, () -> false));
    }

    /**
     * Starts encoding {@code tensor} into {@code dst} (at least {@link #encodedSize} bytes) and
     * returns without waiting: one task finds the step (the root mean square is one pass in element
     * order), then the blocks run as tasks of {@code blocksPerTask} ({@link BlockedPayload#write}),
     * so a large tensor codes on every thread. The payload is the same whatever the executor and
     * {@code blocksPerTask}.
     */
    @Override
    public CompletableFuture<Encoded> encodeAsync(
            Tensor tensor, MemorySegment dst, Executor executor, int blocksPerTask, BooleanSupplier aborted) {
        BlockedPayload.requireBlocksPerTask(blocksPerTask);
        long n = tensor.elementCount();
        long max = encodedSize(tensor.dtype(), tensor.shape());
        if (dst.byteSize() < max) {
            throw new IllegalArgumentException(name + " needs " + max + " bytes to encode, got " + dst.byteSize());
        }
        int blocks = Math.toIntExact(blocks(n, BLOCK_ELEMENTS));
        long area = HEADER_BYTES + 8L * blocks;
        // a block's most: its symbols raw with their mode byte, every element an escape of 29 raw bits
        long slot = PlaneCoder.maxEncodedSize(BLOCK_ELEMENTS) + rawBytesMax(BLOCK_ELEMENTS);
        dst.set(INT_LE, 0, BLOCK_ELEMENTS);
        dst.set(ValueLayout.JAVA_BYTE, 4, (byte) FORMAT);
        dst.set(ValueLayout.JAVA_BYTE, 5, (byte) 0);
        dst.set(SHORT_LE, 6, (short) 0);
        return CompletableFuture.supplyAsync(() -> step(rms(tensor, Scratch.get(BLOCK_ELEMENTS).x)), executor)
                .thenCompose(step -> BlockedPayload.write(
                                dst,
                                HEADER_BYTES,
                                area,
                                blocks,
                                slot,
                                (b, at) -> encodeBlockAt(tensor, b, step, dst, at),
                                executor,
                                blocksPerTask,
                                aborted)
                        .thenApply(length -> new Encoded(params(step), length)));
    }

    /** The most raw bytes a block of {@code m} elements takes: each an escape of 29 raw bits. */
    private static int rawBytesMax(int m) {
        return (int) ((long) m * MAX_RAW_BITS / 8 + 1);
    }

    /** Codes block {@code b} of {@code tensor} into {@code dst} at {@code at}; returns its bytes. */
    private static long encodeBlockAt(Tensor tensor, int b, float step, MemorySegment dst, long at) {
        Scratch s = Scratch.get(BLOCK_ELEMENTS);
        long from = (long) b * BLOCK_ELEMENTS;
        int m = (int) Math.min(BLOCK_ELEMENTS, tensor.elementCount() - from);
        FloatConversions.toFloats(tensor.data(), tensor.dtype(), from, s.x, 0, m);
        int w = encodeBlock(s.x, m, step, s);
        MemorySegment.copy(s.out, 0, dst, ValueLayout.JAVA_BYTE, at, w);
        return w;
    }

    static byte[] params(float step) {
        int b = Float.floatToRawIntBits(step);
        return new byte[] {(byte) b, (byte) (b >>> 8), (byte) (b >>> 16), (byte) (b >>> 24)};
    }

    /** Codes {@code x[0..m)} into {@code s.out}: the symbol record, then the raw bits. Returns its length. */
    private static int encodeBlock(float[] x, int m, float step, Scratch s) {
        byte[] sym = s.sym;
        byte[] raw = s.raw;
        long acc = 0;
        int fill = 0;
        int rawAt = 0;
        // the direct symbols of the whole block, 0xFF (no symbol) where an element needs the rules
        // below; then those elements in order, as their raw bits are written in element order
        int escapes;
        if (step == 0) {
            Arrays.fill(sym, 0, m, (byte) 0);
            escapes = 0;
        } else {
            escapes = QuantKernels.get().directCodes(x, 0, m, step, sym, 0);
        }
        for (int i = 0; i < m && escapes > 0; i++) {
            if (sym[i] != (byte) 0xFF) {
                continue;
            }
            escapes--;
            int q = code(x[i], step);
            int z = (q << 1) ^ (q >> 31);
            if (Integer.compareUnsigned(z, DIRECT) < 0) {
                sym[i] = (byte) z;
            } else {
                int len = 32 - Integer.numberOfLeadingZeros(z);
                int extra = len - 3;
                sym[i] = (byte) (DIRECT + 4 * (len - 8) + ((z >>> extra) & 3));
                acc |= (z & ((1L << extra) - 1)) << fill;
                fill += extra;
                while (fill >= 8) {
                    raw[rawAt++] = (byte) acc;
                    acc >>>= 8;
                    fill -= 8;
                }
            }
        }
        if (fill > 0) {
            raw[rawAt++] = (byte) acc;
        }
        int w = s.coder.encode(sym, 0, m, s.out, 0);
        System.arraycopy(raw, 0, s.out, w, rawAt);
        return w + rawAt;
    }

    // ---------------------------------------------------------------- validation and decoding

    @Override
    public String validate(DType dtype, Shape shape, byte[] params, long payloadLength) {
        if (!accepts(dtype)) {
            return name + " cannot hold " + dtype + " tensors";
        }
        if (params.length != 4) {
            return name + " takes a 4-byte f32 step, index has " + params.length + " bytes";
        }
        float step = stepOf(params);
        if (!(step >= 0) || Float.isInfinite(step) || Float.floatToRawIntBits(step) == 0x80000000) {
            return name + " step " + step + " is not a finite number >= +0";
        }
        long n = shape.elementCount();
        long min;
        long max;
        try {
            // the header's block size may differ from this build's: the smallest legal block has the
            // most overhead, the largest the least (a tiny payload cannot stand for a huge tensor: a
            // reader allocates the decoded size before it reads the header)
            max = maxPayload(n, RANGE_ALIGN);
            min = HEADER_BYTES + 10 * blocks(n, MAX_BLOCK_ELEMENTS);
        } catch (ArithmeticException e) {
            return name + ": payload size of shape " + shape + " overflows 64 bits";
        }
        return payloadLength >= min && payloadLength <= max
                ? null
                : name + " payload of " + shape + " " + dtype + " must be " + min + " to " + max + " bytes, index says "
                        + payloadLength;
    }

    /** The step an index entry's 4 parameter bytes hold (little-endian f32). */
    public static float stepOf(byte[] params) {
        return Float.intBitsToFloat(
                (params[0] & 0xFF) | (params[1] & 0xFF) << 8 | (params[2] & 0xFF) << 16 | (params[3] & 0xFF) << 24);
    }

    /** A payload's header, checked against the tensor's element count. */
    private record Header(int blockElements, int blocks, long area, long n) {}

    private Header header(Shape shape, byte[] params, MemorySegment payload) {
        if (params.length != 4) {
            throw corrupt(0, "index parameters of " + params.length + " bytes, not a 4-byte step");
        }
        float step = stepOf(params);
        if (!(step >= 0) || Float.isInfinite(step)) {
            throw corrupt(0, "step " + step + " in the index is not a finite number >= 0");
        }
        long size = payload.byteSize();
        if (size < HEADER_BYTES) {
            throw corrupt(0, "payload of " + size + " bytes is shorter than its " + HEADER_BYTES + "-byte header");
        }
        int be = payload.get(INT_LE, 0);
        int format = payload.get(ValueLayout.JAVA_BYTE, 4) & 0xFF;
        if (format != FORMAT) {
            throw corrupt(4, "format " + format + ", this reader knows " + FORMAT);
        }
        if (payload.get(ValueLayout.JAVA_BYTE, 5) != 0 || payload.get(SHORT_LE, 6) != 0) {
            throw corrupt(5, "reserved header bytes are not 0");
        }
        if (be <= 0 || be % RANGE_ALIGN != 0 || be > MAX_BLOCK_ELEMENTS) {
            throw corrupt(
                    0,
                    "block of " + be + " elements: not a positive multiple of " + RANGE_ALIGN + " up to "
                            + MAX_BLOCK_ELEMENTS);
        }
        long n = shape.elementCount();
        long blocks = blocks(n, be);
        if (blocks > Integer.MAX_VALUE) {
            throw corrupt(0, blocks + " blocks of " + be + " elements, more than a reader indexes");
        }
        if (blocks > (size - HEADER_BYTES) / 8) {
            throw corrupt(
                    HEADER_BYTES,
                    blocks + " blocks need a table of " + 8 * blocks + " bytes, payload has " + (size - HEADER_BYTES)
                            + " after the header");
        }
        return new Header(be, (int) blocks, HEADER_BYTES + 8 * blocks, n);
    }

    private static long tableEntry(Header h, MemorySegment payload, int b, long notBefore) {
        long at = HEADER_BYTES + 8L * b;
        long end = payload.get(LONG_LE, at);
        long limit = payload.byteSize() - h.area;
        if (end < notBefore || end > limit) {
            throw corrupt(
                    at,
                    "block " + b + " ends at " + end + ", before its start " + notBefore + " or past the " + limit
                            + " bytes of blocks");
        }
        return end;
    }

    /**
     * Decodes block {@code b} into {@code y[off .. off + m)} and returns {@code m}, its element
     * count; checks that the record and the raw bits fill the block exactly.
     */
    private int decodeBlock(Header h, MemorySegment payload, int b, float step, float[] y, int off, Scratch s) {
        long start = b == 0 ? 0 : tableEntry(h, payload, b - 1, 0);
        long end = tableEntry(h, payload, b, start);
        long from = (long) b * h.blockElements;
        int m = (int) Math.min(h.blockElements, h.n - from);
        long p = h.area + start;
        long limit = h.area + end;
        long used = s.coder.decode(payload, p, limit, s.sym, 0, m);
        long rawAt = p + used;
        int rawBytes = (int) (limit - rawAt);
        if (rawBytes > s.raw.length - 8) {
            throw corrupt(
                    rawAt,
                    "block " + b + " has " + rawBytes + " bytes after its symbols, more than " + (s.raw.length - 8)
                            + " raw bits can take");
        }
        MemorySegment.copy(payload, ValueLayout.JAVA_BYTE, rawAt, s.raw, 0, rawBytes);
        if ((long) rawBytes * 32 < m) {
            // no escapes, or few (under about one element in 32 at ecq6_v1's step). Pass 1, the
            // kernel's table lookup (GridDequantKernels.lookup; the vector kernel holds the direct
            // symbols' values in registers): every symbol through the table (an escape's entry is a
            // placeholder); pass 2, only in a block with escapes, fixes them
            if (GridDequantKernels.get().lookup(s.sym, s.lut(step), m, y, off) >= DIRECT) {
                fixEscapes(b, p, rawAt, rawBytes, step, y, off, m, s);
            } else if (rawBytes != 0) {
                throw corrupt(rawAt, "block " + b + " has " + rawBytes + " bytes after its raw bits");
            }
            return m;
        }
        byte[] sym = s.sym;
        // escapes: branch-free, each symbol takes EXTRA[v] raw bits (0 for a direct symbol) and adds
        // them to BASE[v] (a third of ecq8_v1's symbols are escapes: a branch per symbol mispredicts);
        // the bit buffer is refilled 32 bits at a time from the block's raw bytes, which the scratch
        // copy follows with 8 zero bytes so that reading ahead stays in bounds
        byte[] raw = s.raw;
        Arrays.fill(raw, rawBytes, rawBytes + 8, (byte) 0);
        long acc = 0;
        int fill = 0;
        int next = 0;
        long bits = 0;
        int bad = 0;
        for (int i = 0; i < m; i++) {
            int v = sym[i] & 0xFF;
            // a hostile block may ask for more raw bits than it has: reading stops at its end
            // (then only zeros are consumed, and the count of bits below refuses the block)
            if (fill < 32 && next <= rawBytes) {
                acc |= ((long) (int) INT_ARRAY_LE.get(raw, next) & 0xFFFFFFFFL) << fill;
                next += 4;
                fill += 32;
            }
            int e = EXTRA[v];
            int z = BASE[v] | (int) (acc & ((1L << e) - 1));
            acc >>>= e;
            fill -= e;
            bits += e;
            bad |= v - SYMBOLS; // negative while every symbol is valid
            int q = (z >>> 1) ^ -(z & 1);
            y[off + i] = value(q, step);
        }
        if (bad >= 0) {
            for (int i = 0; i < m; i++) {
                if ((sym[i] & 0xFF) >= SYMBOLS) {
                    throw escapeError(b, i, sym[i] & 0xFF, p, rawAt, rawBytes);
                }
            }
        }
        if (bits > 8L * rawBytes) {
            throw corrupt(
                    rawAt,
                    "block " + b + ": its escapes' raw bits run past the block's " + rawBytes + " bytes (they need "
                            + bits + " bits)");
        }
        long rawUsed = (bits + 7) / 8;
        if (rawUsed != rawBytes) {
            throw corrupt(rawAt + rawUsed, "block " + b + " has " + (rawBytes - rawUsed) + " bytes after its raw bits");
        }
        if (bits % 8 != 0 && (raw[rawBytes - 1] & 0xFF) >>> (bits % 8) != 0) {
            throw corrupt(rawAt + rawBytes - 1, "block " + b + ": the padding bits of its raw bits are not 0");
        }
        return m;
    }

    /**
     * The escapes of block {@code b} in element order, each taking its raw bits from the block's
     * bit stream; checks that the raw bits are used up exactly, their padding zero.
     */
    private static void fixEscapes(
            int b, long p, long rawAt, int rawBytes, float step, float[] y, int off, int m, Scratch s) {
        byte[] sym = s.sym;
        byte[] raw = s.raw;
        long acc = 0;
        int fill = 0;
        int next = 0;
        for (int i = 0; i < m; i++) {
            // eight direct symbols at a time (no top bit set), then the one that stopped the skip
            while (i + 8 <= m && ((long) LONG_ARRAY_LE.get(sym, i) & 0x8080_8080_8080_8080L) == 0) {
                i += 8;
            }
            if (i == m) {
                break;
            }
            int v = sym[i] & 0xFF;
            if (v < DIRECT) {
                continue;
            }
            if (v >= SYMBOLS) {
                throw escapeError(b, i, v, p, rawAt, rawBytes);
            }
            int e = EXTRA[v];
            while (fill < e) {
                if (next >= rawBytes) {
                    throw escapeError(b, i, v, p, rawAt, rawBytes);
                }
                acc |= (raw[next++] & 0xFFL) << fill;
                fill += 8;
            }
            int z = BASE[v] | (int) (acc & ((1L << e) - 1));
            acc >>>= e;
            fill -= e;
            y[off + i] = value((z >>> 1) ^ -(z & 1), step);
        }
        if (next != rawBytes) {
            throw corrupt(rawAt + next, "block " + b + " has " + (rawBytes - next) + " bytes after its raw bits");
        }
        if (acc != 0) {
            throw corrupt(rawAt + next - 1, "block " + b + ": the padding bits of its raw bits are not 0");
        }
    }

    @Override
    public void decodeFloats(
            DType dtype, Shape shape, byte[] params, MemorySegment payload, long from, float[] dst, int off, int len) {
        if (!accepts(dtype)) {
            throw new IllegalArgumentException(name + ": decodeFloats is for F32, F16 and BF16, not " + dtype);
        }
        Header h = header(shape, params, payload);
        float step = stepOf(params);
        long end = from + len;
        if (from < 0 || len < 0 || end > h.n) {
            throw new IndexOutOfBoundsException("range [" + from + ", " + end + ") of " + h.n + " elements");
        }
        if (h.blocks > 0 && end == h.n) {
            long last = payload.get(LONG_LE, HEADER_BYTES + 8L * (h.blocks - 1));
            if (last != payload.byteSize() - h.area) {
                throw corrupt(
                        HEADER_BYTES + 8L * (h.blocks - 1),
                        "blocks end at " + last + " but the payload holds " + (payload.byteSize() - h.area)
                                + " bytes of blocks");
            }
        } else if (h.blocks == 0 && payload.byteSize() != h.area) {
            throw corrupt(h.area, "an empty tensor's payload has " + (payload.byteSize() - h.area) + " extra bytes");
        }
        Scratch s = Scratch.get(h.blockElements);
        for (long at = from; at < end; ) {
            int b = (int) (at / h.blockElements);
            long blockFrom = (long) b * h.blockElements;
            int m = (int) Math.min(h.blockElements, h.n - blockFrom);
            int take = (int) (Math.min(end, blockFrom + m) - at);
            if (at == blockFrom && take == m) {
                decodeBlock(h, payload, b, step, dst, off + (int) (at - from), s);
            } else {
                decodeBlock(h, payload, b, step, s.y, 0, s);
                System.arraycopy(s.y, (int) (at - blockFrom), dst, off + (int) (at - from), take);
            }
            at += take;
        }
    }

    private static CorruptArtifactException escapeError(int b, int i, int v, long p, long rawAt, int rawBytes) {
        if (v >= SYMBOLS) {
            return corrupt(
                    p,
                    "block " + b + " element " + i + ": escape symbol " + v + " stands for a bit length of "
                            + (8 + (v - DIRECT) / 4) + ", past 32");
        }
        return corrupt(
                rawAt, "block " + b + " element " + i + ": its raw bits run past the block's " + rawBytes + " bytes");
    }

    /** Raw bits each symbol takes: 0 for direct and invalid symbols, {@code L - 3} for an escape. */
    private static final int[] EXTRA = new int[256];
    /** The zigzagged code of each symbol before its raw bits are added (0 for invalid symbols). */
    private static final int[] BASE = new int[256];

    static {
        for (int v = 0; v < 256; v++) {
            if (v < DIRECT) {
                BASE[v] = v;
            } else if (v < SYMBOLS) {
                int len = 8 + ((v - DIRECT) >>> 2);
                EXTRA[v] = len - 3;
                BASE[v] = (int) ((1L << (len - 1)) | ((long) (v & 3) << (len - 3)));
            }
        }
    }

    private static final VarHandle INT_ARRAY_LE =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_ARRAY_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static CorruptArtifactException corrupt(long offset, String reason) {
        return new CorruptArtifactException("ecq payload", null, offset, reason);
    }

    /**
     * Per-thread scratch, grown to the largest block seen: floats, symbols (with the Huffman
     * decoder's slack), raw bits, the coded block, and the decode table of the last step.
     */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

        final PlaneCoder coder = new PlaneCoder();
        float[] x = new float[0];
        float[] y = new float[0];
        byte[] sym = new byte[0];
        byte[] raw = new byte[0];
        byte[] out = new byte[0];
        /** Decoded values of the direct symbols; the escape symbols' entries stay 0 (placeholders). */
        private final float[] lut = new float[256];

        private float lutStep = Float.NaN;

        static Scratch get(int blockElements) {
            Scratch s = LOCAL.get();
            if (s.x.length < blockElements) {
                s.x = new float[blockElements];
                s.y = new float[blockElements];
                s.sym = new byte[blockElements + Huffman.SLACK];
                int rawMax = rawBytesMax(blockElements);
                s.raw = new byte[rawMax + 8];
                s.out = new byte[PlaneCoder.maxEncodedSize(blockElements) + Huffman.SLACK + rawMax];
            }
            return s;
        }

        float[] lut(float step) {
            if (Float.floatToRawIntBits(step) != Float.floatToRawIntBits(lutStep)) {
                for (int z = 0; z < DIRECT; z++) {
                    lut[z] = value((z >>> 1) ^ -(z & 1), step);
                }
                lutStep = step;
            }
            return lut;
        }
    }
}
