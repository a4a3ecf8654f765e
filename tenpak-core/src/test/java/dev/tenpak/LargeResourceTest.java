package dev.tenpak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.codec.Codecs;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.tensor.Artifact;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An artifact over 2 GiB loads from a jar. It used to be read into one byte array
 * (at most 2 GiB, and the test JVM's whole heap); now a jar entry stored uncompressed is mapped in
 * place and its tensors are decoded one at a time. The 2.2 GB tensor is zeros, taken from a sparse
 * file, so the test allocates no such buffer itself either.
 */
class LargeResourceTest {
    private static final long BIG_ELEMENTS = 550_000_000L; // 2.2 GB of float32, past Integer.MAX_VALUE bytes

    @TempDir
    Path dir;

    private static void writeArtifact(WritableByteChannel out, MemorySegment zeros, float[] last) {
        try (ArtifactWriter w = ArtifactWriter.to(out, "big.tenpak")) {
            // raw_v1's payload is the tensor's own bytes: written as they are, without an encode buffer
            w.writeEncoded("big", DType.F32, Shape.of(BIG_ELEMENTS), "raw_v1", new byte[0], zeros);
            w.write(Tensor.ofFloats("last", Shape.of(last.length), last), Codecs.byName("raw_v1"));
            w.finish();
        }
    }

    /** Counts and checksums what is written to it, and keeps nothing. */
    private static final class CountingCrc extends OutputStream {
        final CRC32 crc = new CRC32();
        long count;

        @Override
        public void write(int b) {
            crc.update(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            crc.update(b, off, len);
            count += len;
        }
    }

    /** Writes runs of zeros as holes, so the 2.2 GB jar takes almost no disk. */
    private static final class SparseOutput extends OutputStream {
        private static final byte[] ZEROS = new byte[1 << 16];
        private final FileChannel ch;
        private long position;

        SparseOutput(FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int at = off; at < off + len; ) {
                int n = Math.min(ZEROS.length, off + len - at);
                if (Arrays.mismatch(b, at, at + n, ZEROS, 0, n) >= 0) {
                    ByteBuffer buf = ByteBuffer.wrap(b, at, n);
                    while (buf.hasRemaining()) {
                        ch.write(buf, position + (buf.position() - at));
                    }
                }
                position += n;
                at += n;
            }
        }

        @Override
        public void close() throws IOException {
            if (ch.size() < position) { // the end of central directory record ends in zeros: write its last byte
                ch.write(ByteBuffer.wrap(new byte[1]), position - 1);
            }
            ch.close();
        }
    }

    @Test
    void anArtifactOver2GiBStoredInAJarOpensMappedAndReadsItsLastTensor() throws Exception {
        long seed = 0x2617L;
        System.out.println("LargeResourceTest seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] last = new float[1000];
        for (int i = 0; i < last.length; i++) {
            last[i] = (float) (rnd.nextGaussian() * 0.02);
        }

        Path zeros = dir.resolve("zeros.bin");
        try (RandomAccessFile f = new RandomAccessFile(zeros.toFile(), "rw")) {
            f.setLength(BIG_ELEMENTS * 4); // sparse: no block is written
        }
        Path jar = dir.resolve("service.jar");
        CountingCrc dry = new CountingCrc();
        try (Arena arena = Arena.ofConfined();
                FileChannel zc = FileChannel.open(zeros, StandardOpenOption.READ)) {
            MemorySegment data = zc.map(FileChannel.MapMode.READ_ONLY, 0, BIG_ELEMENTS * 4, arena);
            // A stored zip entry needs its CRC-32 and size up front: a first pass writes the artifact into
            // nothing but a checksum, the second into the jar (the writer's bytes are deterministic).
            writeArtifact(Channels.newChannel(dry), data, last);
            try (FileChannel out = FileChannel.open(jar, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    JarOutputStream j = new JarOutputStream(new SparseOutput(out))) {
                j.putNextEntry(new JarEntry("META-INF/services/x")); // something before it, as in a real jar
                j.write("x\n".getBytes());
                j.closeEntry();
                JarEntry e = new JarEntry("models/big.tenpak");
                e.setMethod(ZipEntry.STORED); // what the README tells Maven users to configure for .tenpak files
                e.setSize(dry.count);
                e.setCompressedSize(dry.count);
                e.setCrc(dry.crc.getValue());
                j.putNextEntry(e);
                writeArtifact(
                        Channels.newChannel(new FilterOutputStream(j) {
                            @Override
                            public void write(byte[] b, int off, int len) throws IOException {
                                out.write(b, off, len);
                            }

                            @Override
                            public void close() {}
                        }),
                        data,
                        last);
                j.closeEntry();
            }
        }
        Files.delete(zeros);
        long artifactBytes = dry.count;
        assertThat(artifactBytes).isGreaterThan(Integer.MAX_VALUE);

        Runtime rt = Runtime.getRuntime();
        System.gc();
        long heapBefore = rt.totalMemory() - rt.freeMemory();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
                Artifact a = Tenpak.openResource("models/big.tenpak", loader)) {
            assertThat(loader.getResource("models/big.tenpak").getProtocol()).isEqualTo("jar");
            assertThat(a.source()).isEqualTo("classpath:models/big.tenpak");
            assertThat(a.byteSize()).isEqualTo(artifactBytes);
            assertThat(a.read("last").toFloatArray()).containsExactly(last);
            ArtifactReader r = (ArtifactReader) a;
            TensorEntry big = r.entry("big");
            assertThat(big.originalBytes()).isEqualTo(BIG_ELEMENTS * 4);
            assertThat(r.verify(big))
                    .as("the 2.2 GB payload's CRC32C, read from the jar in place")
                    .isTrue();
            long heapAfter = rt.totalMemory() - rt.freeMemory();
            assertThat(heapAfter - heapBefore).as("heap growth while reading").isLessThan(256L << 20);
        }
    }
}
