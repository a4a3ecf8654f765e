package dev.tenpak.internal.codec.lossless;

import dev.tenpak.codec.Codec;
import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.internal.codec.BlockedCodec;
import dev.tenpak.internal.codec.BlockedPayload;
import dev.tenpak.internal.entropy.Huffman;
import dev.tenpak.internal.entropy.PlaneCoder;
import dev.tenpak.internal.kernel.PlaneKernels;
import dev.tenpak.internal.kernel.PlaneLayout;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * {@code lossless_v1}: every dtype bit for bit, in byte planes that are entropy-coded where that
 * pays (ZipNN's and DFloat11's observation: in trained weights the exponent byte carries 2 to 3
 * bits of information, the mantissa bytes close to 8).
 *
 * <p>Each element is first turned into {@code P = dtype.byteSize()} bytes by a {@link PlaneLayout}: for
 * BF16 and F16 the 16 bits are rotated left by one, so that the sign drops to bit 0 and the
 * exponent (BF16: all 8 bits; F16: 5 bits and the top 3 mantissa bits) fills the high byte; F32 is
 * rotated the same way in 32 bits, its exponent byte alone in the high byte. Other dtypes are cut
 * into their little-endian bytes as they are. Byte {@code k} of every element of a block forms
 * plane {@code k}, and each plane is stored by a {@link PlaneCoder} as raw, constant, Huffman or
 * rANS, whichever is smallest for that plane of that block (rANS only where it saves enough to pay
 * for its slower decode: the exponent plane of an exact fine-tune delta, 99% zeros).
 *
 * <p>Blocks hold a fixed number of elements (256 KiB of input by default), are coded independently
 * and are located by a table of end offsets, so blocks encode and decode on any thread in any order
 * and a range of elements decodes without the rest. The payload is the same whatever the thread
 * count. The layout is in docs/FORMAT.md ("lossless_v1 payload"):
 * <pre>
 *   u32 blockElements | u8 layout | u8 planes | u16 0 | u64[B] block ends | blocks
 *   block := plane 0 .. plane P-1, each a PlaneCoder record of the block's element count
 * </pre>
 * The payload size depends on the values: this is a {@link Codec#variableSize} codec, written with
 * {@link #encodeSized}. No index parameters.
 */
public final class LosslessCodec implements BlockedCodec {
    public static final String NAME = "lossless_v1";
    /** Input bytes per block. */
    public static final int BLOCK_BYTES = 256 * 1024;
    /** Blocks larger than this many input bytes are refused when read (a hostile header's size). */
    static final int MAX_BLOCK_BYTES = 16 * 1024 * 1024;

    static final int HEADER_BYTES = 8;

    public static final LosslessCodec INSTANCE = new LosslessCodec(BLOCK_BYTES, PlaneKernels.get());

    private static final byte[] NO_PARAMS = new byte[0];
    private static final String SOURCE = NAME + " payload";
    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The plane layout for a dtype: rotated words for F32, F16 and BF16, plain bytes otherwise. */
    public static PlaneLayout layoutOf(DType dtype) {
        return switch (dtype) {
            case BF16, F16 -> PlaneLayout.ROT16;
            case F32 -> PlaneLayout.ROT32;
            default -> PlaneLayout.BYTES;
        };
    }

    private final int blockBytes;
    private final PlaneKernels kernels;

    private LosslessCodec(int blockBytes, PlaneKernels kernels) {
        this.blockBytes = blockBytes;
        this.kernels = kernels;
    }

    /** A codec writing blocks of {@code blockBytes} input bytes (a multiple of 8 * RANGE_ALIGN); for tests. */
    public static LosslessCodec withBlockBytes(int blockBytes) {
        return with(blockBytes, PlaneKernels.get());
    }

    /** A codec with its block size and plane kernels named (tests compare the kernels' bytes). */
    public static LosslessCodec with(int blockBytes, PlaneKernels kernels) {
        if (blockBytes <= 0 || blockBytes % (8 * RANGE_ALIGN) != 0 || blockBytes > MAX_BLOCK_BYTES) {
            throw new IllegalArgumentException("block bytes must be a positive multiple of " + 8 * RANGE_ALIGN
                    + " up to " + MAX_BLOCK_BYTES + ", got " + blockBytes);
        }
        return new LosslessCodec(blockBytes, kernels);
    }

    @Override
    public int blockElements(DType dtype) {
        return blockBytes / dtype.byteSize();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean lossless() {
        return true;
    }

    @Override
    public boolean accepts(DType dtype) {
        return true;
    }

    @Override
    public boolean variableSize() {
        return true;
    }

    /** The most a payload can take: every plane raw, plus its mode byte, the header and the table. */
    @Override
    public long encodedSize(DType dtype, Shape shape) {
        long n = shape.elementCount();
        long blocks = blocks(n, blockElements(dtype));
        return Math.addExact(
                Math.addExact(HEADER_BYTES, 8 * blocks),
                Math.addExact(dtype.byteSizeFor(n), blocks * dtype.byteSize()));
    }

    private static long blocks(long n, int blockElements) {
        return (n + blockElements - 1) / blockElements;
    }

    @Override
    public byte[] encode(Tensor tensor, MemorySegment dst) {
        throw new IllegalStateException(NAME + " is a variable-size codec: encode with encodeSized");
    }

    @Override
    public Encoded encodeSized(Tensor tensor, MemorySegment dst) {
        return encodeSized(tensor, dst, null);
    }

    /**
     * Encodes {@code tensor} into {@code dst} (at least {@link #encodedSize} bytes), blocks in
     * parallel on {@code executor} when it is not null; the bytes do not depend on it. Blocks the
     * calling thread until done: never call it from a task of {@code executor} itself (see
     * {@link #encodeAsync}).
     */
    public Encoded encodeSized(Tensor tensor, MemorySegment dst, Executor executor) {
        CompletableFuture<Encoded> f = executor == null
                ? encodeAsync(tensor, dst, Runnable::run, Integer.MAX_VALUE, () -> false)
                : encodeAsync(tensor, dst, executor, 1, () -> false);
        return BlockedPayload.join(f);
    }

    /**
     * Starts encoding {@code tensor} into {@code dst} (at least {@link #encodedSize} bytes) as
     * tasks of {@code blocksPerTask} blocks on {@code executor}, and returns without waiting
     * ({@link BlockedPayload#write}: each task writes its blocks into its own region, at most every
     * plane raw a block, and the regions are slid into order at the end). The payload is the same
     * whatever the executor and {@code blocksPerTask}.
     */
    @Override
    public CompletableFuture<Encoded> encodeAsync(
            Tensor tensor, MemorySegment dst, Executor executor, int blocksPerTask, BooleanSupplier aborted) {
        BlockedPayload.requireBlocksPerTask(blocksPerTask);
        DType dtype = tensor.dtype();
        long n = tensor.elementCount();
        int be = blockElements(dtype);
        int blocks = Math.toIntExact(blocks(n, be));
        int planes = dtype.byteSize();
        long max = encodedSize(dtype, tensor.shape());
        if (dst.byteSize() < max) {
            throw new IllegalArgumentException(NAME + " needs " + max + " bytes to encode, got " + dst.byteSize());
        }
        PlaneLayout layout = layoutOf(dtype);
        dst.set(INT_LE, 0, be);
        dst.set(ValueLayout.JAVA_BYTE, 4, (byte) layout.id);
        dst.set(ValueLayout.JAVA_BYTE, 5, (byte) planes);
        dst.set(SHORT_LE, 6, (short) 0);
        long area = HEADER_BYTES + 8L * blocks;
        long slot = (long) be * planes + planes; // a block's most: every plane raw with its mode byte
        return BlockedPayload.write(
                        dst,
                        HEADER_BYTES,
                        area,
                        blocks,
                        slot,
                        (b, at) -> encodeBlock(tensor, layout, planes, be, b, dst, at),
                        executor,
                        blocksPerTask,
                        aborted)
                .thenApply(length -> new Encoded(NO_PARAMS, length));
    }

    private long encodeBlock(Tensor tensor, PlaneLayout layout, int planes, int be, int b, MemorySegment dst, long at) {
        Scratch s = Scratch.get(planes, be);
        long from = (long) b * be;
        int m = (int) Math.min(be, tensor.elementCount() - from);
        kernels.split(tensor.data(), layout, planes, from, m, s.planes, s.stride);
        int w = 0;
        for (int p = 0; p < planes; p++) {
            w += s.coder.encode(s.planes, p * s.stride, m, s.out, w);
        }
        MemorySegment.copy(s.out, 0, dst, ValueLayout.JAVA_BYTE, at, w);
        return w;
    }

    @Override
    public String validate(DType dtype, Shape shape, byte[] params, long payloadLength) {
        if (params.length != 0) {
            return NAME + " takes no parameters, index has " + params.length + " bytes";
        }
        // the header's block size may differ from this build's: bound by the smallest legal block,
        // which has the most overhead; the exact checks are made when the header is read
        long n = shape.elementCount();
        long blocks = blocks(n, RANGE_ALIGN);
        long max = HEADER_BYTES + 8 * blocks + dtype.byteSizeFor(n) + blocks * dtype.byteSize();
        // and by the largest legal block, which has the shortest table: a tiny payload cannot stand
        // for a huge tensor (a reader allocates the decoded size before it reads the header)
        long min = HEADER_BYTES + 8 * blocks(n, MAX_BLOCK_BYTES / dtype.byteSize());
        return payloadLength >= min && payloadLength <= max
                ? null
                : NAME + " payload of " + shape + " " + dtype + " must be " + min + " to " + max + " bytes, index says "
                        + payloadLength;
    }

    // ---------------------------------------------------------------- decode

    /** The header of a payload, checked against the tensor's dtype and element count. */
    private record Header(int blockElements, PlaneLayout layout, int planes, int blocks, long area, long n) {}

    private static Header header(DType dtype, Shape shape, MemorySegment payload) {
        long size = payload.byteSize();
        if (size < HEADER_BYTES) {
            throw corrupt(0, "payload of " + size + " bytes is shorter than its " + HEADER_BYTES + "-byte header");
        }
        int be = payload.get(INT_LE, 0);
        int layoutId = payload.get(ValueLayout.JAVA_BYTE, 4) & 0xFF;
        int planes = payload.get(ValueLayout.JAVA_BYTE, 5) & 0xFF;
        int reserved = payload.get(SHORT_LE, 6);
        PlaneLayout layout = layoutOf(dtype);
        if (layoutId != layout.id) {
            throw corrupt(4, "layout " + layoutId + " is not " + layout + " (" + layout.id + ") of " + dtype);
        }
        if (planes != dtype.byteSize()) {
            throw corrupt(5, planes + " planes for " + dtype + ", which has " + dtype.byteSize());
        }
        if (reserved != 0) {
            throw corrupt(6, "reserved header bytes are " + reserved + ", not 0");
        }
        if (be <= 0 || be % RANGE_ALIGN != 0 || (long) be * planes > MAX_BLOCK_BYTES) {
            throw corrupt(
                    0,
                    "block of " + be + " elements: not a positive multiple of " + RANGE_ALIGN + " within "
                            + MAX_BLOCK_BYTES + " bytes");
        }
        long n = shape.elementCount();
        long blocks = blocks(n, be);
        if (blocks > (size - HEADER_BYTES) / 8) {
            throw corrupt(
                    HEADER_BYTES,
                    blocks + " blocks need a table of " + 8 * blocks + " bytes, payload has " + (size - HEADER_BYTES)
                            + " after the header");
        }
        return new Header(be, layout, planes, (int) blocks, HEADER_BYTES + 8 * blocks, n);
    }

    /** Start and end of block {@code b}, relative to the payload, checked against the table and the payload. */
    private static long blockStart(Header h, MemorySegment payload, int b) {
        long start = b == 0 ? 0 : payload.get(LONG_LE, HEADER_BYTES + 8L * (b - 1));
        if (start < 0 || start > payload.byteSize() - h.area) {
            throw corrupt(
                    HEADER_BYTES + 8L * (b - 1),
                    "block " + b + " starts at " + start + ", outside the " + (payload.byteSize() - h.area)
                            + " bytes of blocks");
        }
        return h.area + start;
    }

    private static long blockEnd(Header h, MemorySegment payload, int b, long start) {
        long at = HEADER_BYTES + 8L * b;
        long end = payload.get(LONG_LE, at);
        if (end < start - h.area || end > payload.byteSize() - h.area) {
            throw corrupt(
                    at,
                    "block " + b + " ends at " + end + ", before its start " + (start - h.area) + " or past the "
                            + (payload.byteSize() - h.area) + " bytes of blocks");
        }
        return h.area + end;
    }

    /**
     * Decodes block {@code b} into the scratch planes; returns its element count. When the block's
     * planes after the first are all stored raw (the mantissa bytes of floats, almost always), they
     * stay in the payload: {@code s.rawAt[k]} is where plane {@code k} lies there and
     * {@code s.inPlace} is set, for {@link PlaneKernels#mergeRaw}, which saves copying them (half a
     * bf16 block, three quarters of an f32 one).
     */
    private static int decodeBlock(Header h, MemorySegment payload, int b, Scratch s) {
        long start = blockStart(h, payload, b);
        long end = blockEnd(h, payload, b, start);
        long from = (long) b * h.blockElements;
        int m = (int) Math.min(h.blockElements, h.n - from);
        long p = start + s.coder.decode(payload, start, end, s.planes, 0, m);
        boolean inPlace = h.layout != PlaneLayout.BYTES;
        for (int k = 1; k < h.planes; k++) {
            long raw = inPlace ? PlaneCoder.rawPlane(payload, p, end, m) : -1;
            if (raw >= 0) {
                s.rawAt[k] = raw;
                p = raw + m;
            } else {
                if (inPlace) { // an earlier plane was left in the payload: copy it after all
                    for (int j = 1; j < k; j++) {
                        MemorySegment.copy(payload, ValueLayout.JAVA_BYTE, s.rawAt[j], s.planes, j * s.stride, m);
                    }
                    inPlace = false;
                }
                p += s.coder.decode(payload, p, end, s.planes, k * s.stride, m);
            }
        }
        s.inPlace = inPlace;
        if (p != end) {
            throw corrupt(p, "block " + b + " has " + (end - p) + " bytes after its last plane");
        }
        return m;
    }

    /** Merges the block {@link #decodeBlock} left in {@code s} (and, in place, in {@code payload}). */
    private void merge(Header h, MemorySegment payload, Scratch s, int m, MemorySegment dst, long at) {
        if (s.inPlace) {
            kernels.mergeRaw(s.planes, payload, s.rawAt, h.layout, m, dst, at);
        } else {
            kernels.merge(s.planes, s.stride, h.layout, h.planes, m, dst, at);
        }
    }

    @Override
    public void decode(DType dtype, Shape shape, byte[] params, MemorySegment payload, MemorySegment dst) {
        decode(dtype, shape, payload, dst, null);
    }

    /**
     * Decodes the whole tensor into {@code dst} ({@code dtype.byteSizeFor(n)} bytes), blocks in
     * parallel on {@code executor} when it is not null.
     */
    public void decode(DType dtype, Shape shape, MemorySegment payload, MemorySegment dst, Executor executor) {
        Header h = checkedHeader(dtype, shape, payload);
        if (executor == null || h.blocks < 2) {
            for (int b = 0; b < h.blocks; b++) {
                decodeBlockInto(h, payload, b, dst);
            }
            return;
        }
        CompletableFuture<?>[] all = new CompletableFuture<?>[h.blocks];
        for (int b = 0; b < h.blocks; b++) {
            int blk = b;
            all[b] = CompletableFuture.runAsync(() -> decodeBlockInto(h, payload, blk, dst), executor);
        }
        BlockedPayload.join(CompletableFuture.allOf(all));
    }

    /**
     * The header, checked as a whole decode checks it before its blocks: also that the block table's
     * last end is the end of the payload (no bytes after the last block), so that every range
     * ({@link #decodeRange}) refuses what {@link #decode} refuses.
     */
    private static Header checkedHeader(DType dtype, Shape shape, MemorySegment payload) {
        Header h = header(dtype, shape, payload);
        if (h.blocks > 0) {
            long last = payload.get(LONG_LE, HEADER_BYTES + 8L * (h.blocks - 1));
            if (last != payload.byteSize() - h.area) {
                throw corrupt(
                        HEADER_BYTES + 8L * (h.blocks - 1),
                        "blocks end at " + last + " but the payload holds " + (payload.byteSize() - h.area)
                                + " bytes of blocks");
            }
        } else if (payload.byteSize() != h.area) {
            throw corrupt(h.area, "an empty tensor's payload has " + (payload.byteSize() - h.area) + " extra bytes");
        }
        return h;
    }

    private void decodeBlockInto(Header h, MemorySegment payload, int b, MemorySegment dst) {
        Scratch s = Scratch.get(h.planes, h.blockElements);
        int m = decodeBlock(h, payload, b, s);
        merge(h, payload, s, m, dst, (long) b * h.blockElements * h.planes);
    }

    /**
     * Decodes elements {@code [from, from + count)} into {@code dst} ({@code count} elements in the
     * tensor's dtype), decoding only the blocks that hold them; the header and block table are
     * checked as {@link #decode} checks them.
     */
    public void decodeRange(DType dtype, Shape shape, MemorySegment payload, long from, long count, MemorySegment dst) {
        Header h = checkedHeader(dtype, shape, payload);
        if (from < 0 || count < 0 || from > h.n - count) {
            throw new IndexOutOfBoundsException(
                    "range [" + from + ", " + from + "+" + count + ") of " + h.n + " elements");
        }
        int planes = h.planes;
        long end = from + count;
        for (long at = from; at < end; ) {
            int b = (int) (at / h.blockElements);
            long blockFrom = (long) b * h.blockElements;
            Scratch s = Scratch.get(planes, h.blockElements);
            int m = decodeBlock(h, payload, b, s);
            long take = Math.min(end, blockFrom + m) - at;
            if (at == blockFrom && take == m) {
                merge(h, payload, s, m, dst, (at - from) * planes);
            } else {
                MemorySegment block = MemorySegment.ofArray(s.merged);
                merge(h, payload, s, m, block, 0);
                MemorySegment.copy(block, (at - blockFrom) * planes, dst, (at - from) * planes, take * planes);
            }
            at += take;
        }
    }

    @Override
    public void decodeFloats(
            DType dtype, Shape shape, byte[] params, MemorySegment payload, long from, float[] dst, int off, int len) {
        if (!dtype.isCompressible()) {
            throw new IllegalArgumentException(NAME + ": decodeFloats is for F32, F16 and BF16, not " + dtype);
        }
        Header h = header(dtype, shape, payload);
        long end = from + len;
        if (from < 0 || len < 0 || end > h.n) {
            throw new IndexOutOfBoundsException("range [" + from + ", " + end + ") of " + h.n + " elements");
        }
        for (long at = from; at < end; ) {
            int b = (int) (at / h.blockElements);
            long blockFrom = (long) b * h.blockElements;
            Scratch s = Scratch.get(h.planes, h.blockElements);
            int m = decodeBlock(h, payload, b, s);
            MemorySegment block = MemorySegment.ofArray(s.merged);
            merge(h, payload, s, m, block, 0);
            int take = (int) (Math.min(end, blockFrom + m) - at);
            FloatConversions.toFloats(block, dtype, at - blockFrom, dst, off + (int) (at - from), take);
            at += take;
        }
    }

    static CorruptArtifactException corrupt(long offset, String reason) {
        return new CorruptArtifactException(SOURCE, null, offset, reason);
    }

    /**
     * Per-thread scratch: the planes of one block ({@code stride} bytes apart, room for the
     * coder's slack), the block as coded, and the block merged back; grown to the largest block
     * seen, never shrunk, so tensors of different dtypes share it.
     */
    static final class Scratch {
        private static final ThreadLocal<Scratch> LOCAL = new ThreadLocal<>();

        final PlaneCoder coder = new PlaneCoder();
        byte[] planes = new byte[0];
        /** Where {@link #decodeBlock} left the planes after the first, when {@link #inPlace}. */
        final long[] rawAt = new long[8];
        /** Whether the last block's planes after the first are read in place from the payload. */
        boolean inPlace;

        byte[] out = new byte[0];
        byte[] merged = new byte[0];
        int stride;

        static Scratch get(int planeCount, int blockElements) {
            Scratch s = LOCAL.get();
            if (s == null) {
                s = new Scratch();
                LOCAL.set(s);
            }
            s.stride = blockElements + Huffman.SLACK;
            int bytes = planeCount * blockElements;
            if (s.planes.length < planeCount * s.stride) {
                s.planes = new byte[planeCount * s.stride];
            }
            if (s.out.length < planeCount * PlaneCoder.maxEncodedSize(blockElements) + Huffman.SLACK) {
                s.out = new byte[planeCount * PlaneCoder.maxEncodedSize(blockElements) + Huffman.SLACK];
            }
            if (s.merged.length < bytes) {
                s.merged = new byte[bytes];
            }
            return s;
        }
    }
}
