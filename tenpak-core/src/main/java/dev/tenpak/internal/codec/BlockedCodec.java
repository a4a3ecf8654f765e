package dev.tenpak.internal.codec;

import dev.tenpak.codec.Codec;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * A variable-size codec whose payload is independent blocks ({@link BlockedPayload}), so one
 * tensor encodes on every thread of a pool: the compress pipeline hands it tasks of blocks instead
 * of one task for the whole tensor. Its {@link #encodeSized} gives the same bytes.
 */
public interface BlockedCodec extends Codec {
    /** Elements per block this codec writes for {@code dtype}: a multiple of {@link #RANGE_ALIGN}. */
    int blockElements(DType dtype);

    /**
     * Starts encoding {@code tensor} into {@code dst} (at least {@link #encodedSize} bytes) as tasks
     * of {@code blocksPerTask} blocks on {@code executor} ({@link BlockedPayload#write}) and returns
     * without waiting; the payload does not depend on the executor or {@code blocksPerTask}.
     */
    CompletableFuture<Encoded> encodeAsync(
            Tensor tensor, MemorySegment dst, Executor executor, int blocksPerTask, BooleanSupplier aborted);
}
