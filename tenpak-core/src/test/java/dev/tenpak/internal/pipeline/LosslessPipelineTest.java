package dev.tenpak.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tenpak.Tenpak;
import dev.tenpak.codec.MiniLmWeights;
import dev.tenpak.error.ChecksumMismatchException;
import dev.tenpak.internal.codec.lossless.LosslessCodec;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.Checksums;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.internal.format.safetensors.SafetensorsReader;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.OutputFormat;
import dev.tenpak.options.ProgressListener;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lossless_v1} through the compress and decompress pipelines on the real all-MiniLM-L6-v2
 * weights: a tensor of many blocks (the word embeddings, 46.9 MB of F32) is encoded as block tasks
 * that really run on several threads at once, giving the bytes of the codec's sequential encode; a
 * fixed pool busy with several such tensors never waits on itself; decompress writes a large
 * lossless tensor in range-sized pieces (bounded buffers, every thread) and gives the input back
 * bit for bit whatever the thread count; a corrupted payload in a late range still names the
 * tensor and leaves no file behind.
 */
class LosslessPipelineTest {
    private static final LosslessCodec CODEC = LosslessCodec.INSTANCE;

    @TempDir
    static Path dir;

    static SafetensorsReader model;
    static Tensor embeddings;
    static ExecutorService pool;

    @BeforeAll
    static void open() throws Exception {
        model = SafetensorsReader.open(MiniLmWeights.locate());
        for (SafetensorsReader.Entry e : model.entries()) {
            if (embeddings == null || e.end() - e.begin() > embeddings.byteSize()) {
                embeddings = model.tensor(e);
            }
        }
        pool = Executors.newFixedThreadPool(3);
    }

    @AfterAll
    static void close() {
        pool.shutdownNow();
        model.close();
    }

    /** The codec's own sequential encode of {@code t}. */
    private static byte[] sequential(Tensor t) {
        MemorySegment dst = MemorySegment.ofArray(new byte[(int) CODEC.encodedSize(t.dtype(), t.shape())]);
        long length = CODEC.encodeSized(t, dst).length();
        return dst.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
    }

    private static byte[] bytes(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void aTensorOfManyBlocksEncodesAsBlockTasksOnSeveralThreadsWithTheSequentialBytes() throws Exception {
        Tensor t = embeddings;
        int blocks = (int) ((t.elementCount() + CODEC.blockElements(t.dtype()) - 1) / CODEC.blockElements(t.dtype()));
        assertThat(blocks).as("blocks of %s", t.name()).isGreaterThan(100);
        byte[] want = sequential(t);
        // the first two tasks wait for each other: they can only both get past the barrier if they
        // run at once, on two threads (one task for the whole tensor would time out here)
        CyclicBarrier both = new CyclicBarrier(2);
        AtomicInteger tasks = new AtomicInteger();
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        AtomicBoolean alone = new AtomicBoolean();
        try (Arena arena = Arena.ofShared()) {
            TensorPipeline.Result r = TensorPipeline.start(
                            t,
                            CODEC,
                            size -> arena.allocate(size),
                            task -> pool.execute(() -> {
                                threads.add(Thread.currentThread());
                                if (tasks.getAndIncrement() < 2) {
                                    try {
                                        both.await(10, TimeUnit.SECONDS);
                                    } catch (Exception e) {
                                        alone.set(true); // and run it anyway, so that the encode ends
                                    }
                                }
                                task.run();
                            }),
                            2L * CODEC.blockElements(t.dtype()), // two blocks a task
                            () -> false)
                    .get(60, TimeUnit.SECONDS);
            assertThat(alone)
                    .as("the first two block tasks waited for each other in vain")
                    .isFalse();
            assertThat(bytes(r.encoded().payload())).isEqualTo(want);
            assertThat(r.crc32c()).isEqualTo(Checksums.crc32c(r.encoded().payload()));
            assertThat(r.error().maxAbsError()).isZero();
        }
        assertThat(tasks.get()).as("block tasks").isEqualTo((blocks + 1) / 2);
        assertThat(threads).hasSizeGreaterThanOrEqualTo(2);
        // and one task on the direct executor (a one-thread compress): the same bytes, nothing slid
        try (Arena arena = Arena.ofShared()) {
            TensorPipeline.Result r = TensorPipeline.start(
                            t, CODEC, arena::allocate, TensorPipeline.DIRECT, TensorPipeline.DEFAULT_SPLIT, () -> false)
                    .join();
            assertThat(bytes(r.encoded().payload())).isEqualTo(want);
        }
    }

    @Test
    void aOneThreadPoolEncodingSeveralLargeTensorsAtOnceFinishes() {
        // every tensor's block tasks queue behind the others' on one thread: a task that waited for
        // another task of the same pool would never finish
        List<Tensor> big = model.entries().stream()
                .filter(e -> e.end() - e.begin() > 4 * LosslessCodec.BLOCK_BYTES)
                .limit(6)
                .map(model::tensor)
                .toList();
        assertThat(big).hasSize(6);
        ExecutorService one = Executors.newSingleThreadExecutor();
        try (Arena arena = Arena.ofShared()) {
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                List<java.util.concurrent.CompletableFuture<TensorPipeline.Result>> all = new ArrayList<>();
                for (Tensor t : big) {
                    all.add(TensorPipeline.start(t, CODEC, arena::allocate, one, 1, () -> false));
                }
                for (int i = 0; i < big.size(); i++) {
                    assertThat(bytes(all.get(i).join().encoded().payload()))
                            .as(big.get(i).name())
                            .isEqualTo(sequential(big.get(i)));
                }
            });
        } finally {
            one.shutdownNow();
        }
    }

    private static Path compress(int threads) throws Exception {
        Path a = dir.resolve("lossless-" + threads + ".tenpak");
        Tenpak.compress(
                MiniLmWeights.locate(),
                a,
                CompressOptions.defaults().withCodec(LosslessCodec.NAME).withThreads(threads));
        return a;
    }

    @Test
    void compressGivesTheSameArtifactOnOneAndSeveralThreads() throws Exception {
        byte[] one = Files.readAllBytes(compress(1));
        assertThat(Files.readAllBytes(compress(3))).isEqualTo(one);
    }

    @Test
    void decompressWritesALargeTensorInRangesAndGivesTheWeightsBackBitForBit() throws Exception {
        Path a = compress(2);
        for (int threads : new int[] {1, 2, 3}) {
            Path out = dir.resolve("out-" + threads + ".safetensors");
            List<Long> steps = new CopyOnWriteArrayList<>();
            Tenpak.decompress(
                    a,
                    out,
                    DecompressOptions.defaults()
                            .withFormat(OutputFormat.SAFETENSORS)
                            .withThreads(threads)
                            .withProgress(new ProgressListener() {
                                @Override
                                public void start(String task, long totalBytes) {}

                                @Override
                                public void advance(long bytes) {
                                    steps.add(bytes);
                                }

                                @Override
                                public void finish() {}
                            }));
            // the 46.9 MB embeddings came in pieces of at most one range buffer (4 MiB)
            assertThat(steps).allMatch(b -> b <= 4L << 20);
            assertThat(steps.stream().mapToLong(Long::longValue).sum())
                    .isEqualTo(model.entries().stream()
                            .mapToLong(e -> e.end() - e.begin())
                            .sum());
            try (SafetensorsReader back = SafetensorsReader.open(out)) {
                assertThat(back.entries()).hasSameSizeAs(model.entries());
                for (SafetensorsReader.Entry e : model.entries()) {
                    SafetensorsReader.Entry g = back.entries().stream()
                            .filter(x -> x.name().equals(e.name()))
                            .findFirst()
                            .orElseThrow();
                    assertThat(bytes(back.tensor(g).data()))
                            .as("%s, %d threads", e.name(), threads)
                            .isEqualTo(bytes(model.tensor(e).data()));
                }
            }
        }
    }

    @Test
    void decodeIntoTargetsGivesTheWeightsBackOnSeveralThreads() throws Exception {
        Path a = compress(2);
        try (ArtifactReader r = ArtifactReader.open(a);
                ParallelDecoder decoder = new ParallelDecoder(3);
                Arena arena = Arena.ofShared()) {
            List<MemorySegment> targets = new ArrayList<>();
            for (TensorEntry e : r.entries()) {
                targets.add(arena.allocate(Math.max(1, e.originalBytes())).asSlice(0, e.originalBytes()));
            }
            decoder.decodeInto(r, r.entries(), targets);
            for (int i = 0; i < targets.size(); i++) {
                String name = r.entries().get(i).name();
                SafetensorsReader.Entry e = model.entries().stream()
                        .filter(x -> x.name().equals(name))
                        .findFirst()
                        .orElseThrow();
                assertThat(bytes(targets.get(i)))
                        .as(name)
                        .isEqualTo(bytes(model.tensor(e).data()));
            }
        }
    }

    @Test
    void aCorruptedByteInALateRangeOfALargeTensorNamesItAndLeavesNoFile() throws Exception {
        Path clean = compress(2);
        byte[] bytes = Files.readAllBytes(clean);
        TensorEntry big;
        try (ArtifactReader r = ArtifactReader.open(clean)) {
            big = r.entries().stream()
                    .max((x, y) -> Long.compare(x.length(), y.length()))
                    .orElseThrow();
        }
        byte[] bad = bytes.clone();
        bad[(int) (big.offset() + big.length() * 7 / 8)] ^= 0x10;
        Path a = dir.resolve("bad.tenpak");
        Files.write(a, bad);
        for (int threads : new int[] {1, 3}) {
            Path out = dir.resolve("bad-" + threads + ".safetensors");
            assertThatThrownBy(() -> Tenpak.decompress(
                            a,
                            out,
                            DecompressOptions.defaults()
                                    .withFormat(OutputFormat.SAFETENSORS)
                                    .withThreads(threads)))
                    .isInstanceOfSatisfying(
                            ChecksumMismatchException.class,
                            ex -> assertThat(ex.tensor()).isEqualTo(big.name()));
            assertThat(out).doesNotExist();
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
            }
        }
    }

    @Test
    void aPayloadWithBytesAfterItsLastBlockIsRefusedByTheRangesAsByAWholeDecode() throws Exception {
        // a valid checksum over a payload one byte longer than its block table says: the ranges
        // together must refuse what the codec's whole-tensor decode refuses
        Tensor t = embeddings;
        byte[] good = sequential(t);
        byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
        Path a = dir.resolve("trailing.tenpak");
        try (dev.tenpak.internal.format.artifact.ArtifactWriter w =
                dev.tenpak.internal.format.artifact.ArtifactWriter.create(a)) {
            w.writeEncoded(
                    t.name(), t.dtype(), t.shape(), LosslessCodec.NAME, new byte[0], MemorySegment.ofArray(longer));
            w.finish();
        }
        for (int threads : new int[] {1, 3}) {
            Path out = dir.resolve("trailing-" + threads + ".safetensors");
            assertThatThrownBy(() -> Tenpak.decompress(
                            a,
                            out,
                            DecompressOptions.defaults()
                                    .withFormat(OutputFormat.SAFETENSORS)
                                    .withThreads(threads)))
                    .isInstanceOf(dev.tenpak.error.CorruptArtifactException.class)
                    .hasMessageContaining("blocks end at");
            assertThat(out).doesNotExist();
            try (ArtifactReader r = ArtifactReader.open(a);
                    ParallelDecoder decoder = new ParallelDecoder(threads);
                    Arena arena = Arena.ofShared()) {
                MemorySegment dst = arena.allocate(t.byteSize());
                assertThatThrownBy(() -> decoder.decodeInto(r, r.entries(), List.of(dst)))
                        .isInstanceOf(dev.tenpak.error.CorruptArtifactException.class)
                        .hasMessageContaining("blocks end at");
            }
        }
    }
}
