package dev.tenpak.bench;

import dev.tenpak.codec.Codec;
import dev.tenpak.internal.codec.entropycoded.EcqCodec;
import dev.tenpak.internal.codec.groupwise.GroupwiseCodec;
import dev.tenpak.internal.codec.kquant.KQuantCodec;
import dev.tenpak.internal.format.safetensors.SafetensorsReader;
import dev.tenpak.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The quantizer side-by-side (a benchmark, not a timed test): every group-wise, K-quant-class (unrotated
 * and Hadamard-rotated) and
 * entropy-coded ({@code ecq*}: payload bytes as stored, which depend on the values) codec on the 39 weight tensors of all-MiniLM-L6-v2 (every 2-D float tensor with at least 4096
 * elements), printing MSE over all their weights, bits per weight (payload bytes, every scale
 * stored), and single-thread quantize/dequantize speed (codec encode and decodeFloats, after a
 * warm-up pass of every codec; {@code -Drepeats=N} times N passes of each codec and keeps the fastest
 * quantize and the fastest dequantize, which steadies the figures on a shared machine).
 *
 * <p>With {@code GGML_SRC} set to a checkout of ggml-org/ggml and {@code gcc} on the path, it also
 * compiles {@code tenpak-bench/src/main/c/ggml_ref.c} against ggml's own {@code ggml-quants.c},
 * writes the same tensors flattened to one float file, and prints ggml's reference quantizers
 * (Q2_K .. Q8_0, IQ4_NL, IQ4_XS, the path llama-quantize takes without an importance matrix) on it:
 * K-quants on rows of 256 over the flattened tensors, the "idealised" K-quant; with {@code -Drepeats=N}
 * it keeps the fastest of N passes too.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp <core>:<bench classes>
 * dev.tenpak.bench.KQuantSideBySide <model.safetensors> [codec ...]}; {@code heavy-tailed} in place
 * of the file runs the synthetic {@link HeavyTailedWeights} set instead (all of its tensors).
 */
public final class KQuantSideBySide {
    private KQuantSideBySide() {}

    /**
     * Speeds are per thread CPU second (the "CPU time"; ggml_ref.c measures the same way),
     * so a machine shared with other work changes them less than wall time would.
     */
    private static final java.lang.management.ThreadMXBean CPU =
            java.lang.management.ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        List<Codec> codecs = new ArrayList<>();
        if (args.length > 1) {
            for (int i = 1; i < args.length; i++) {
                String name = args[i];
                codecs.add(
                        dev.tenpak.codec.Codecs.find(name) != null
                                ? dev.tenpak.codec.Codecs.byName(name)
                                : KQuantCodec.EVERY.stream()
                                        .filter(c -> c.name().equals(name))
                                        .findFirst()
                                        .orElseThrow());
            }
        } else {
            codecs.addAll(GroupwiseCodec.ALL);
            codecs.addAll(KQuantCodec.EVERY);
            codecs.addAll(EcqCodec.ALL);
        }
        boolean synthetic = args[0].equals("heavy-tailed");
        try (SafetensorsReader r = synthetic ? null : SafetensorsReader.open(model)) {
            List<Tensor> ts = new ArrayList<>();
            if (synthetic) {
                ts.addAll(HeavyTailedWeights.tensors());
            } else {
                for (SafetensorsReader.Entry e : r.entries()) {
                    if (e.shape().rank() == 2
                            && e.dtype().isCompressible()
                            && e.shape().elementCount() >= 4096) {
                        ts.add(r.tensor(e));
                    }
                }
            }
            long total = ts.stream().mapToLong(Tensor::elementCount).sum();
            System.out.printf(
                    Locale.ROOT,
                    "%d tensors, %d weights, %s, one thread, speeds per thread CPU second%n",
                    ts.size(),
                    total,
                    Runtime.version());
            System.out.println("| codec | bits/weight | MSE | quantize Mweights/s | dequantize Mweights/s |");
            System.out.println("|---|---|---|---|---|");
            // every codec's warm-up pass before any timed pass: codecs that share a kernel (the grid
            // decoder, say) would otherwise time the first of them while the JIT still compiles it
            for (Codec c : codecs) {
                run(c, ts, total, 0);
            }
            int repeats = Integer.getInteger("repeats", 1);
            for (Codec c : codecs) {
                run(c, ts, total, repeats);
            }
            String ggml = System.getenv("GGML_SRC");
            if (ggml != null && !ggml.isEmpty()) {
                ggmlReference(Path.of(ggml), ts, total);
            }
        }
    }

    /** One untimed pass ({@code timed = 0}) or {@code timed} passes, printing the fastest of each direction. */
    private static void run(Codec c, List<Tensor> ts, long total, int timed) {
        long bestEnc = Long.MAX_VALUE;
        long bestDec = Long.MAX_VALUE;
        for (int pass = 0; pass < Math.max(1, timed); pass++) {
            double sq = 0;
            long bytes = 0;
            long encNs = 0;
            long decNs = 0;
            try (Arena a = Arena.ofConfined()) {
                for (Tensor t : ts) {
                    long size = c.encodedSize(t.dtype(), t.shape());
                    MemorySegment dst = a.allocate(Math.max(1, size)).asSlice(0, size);
                    // the output array is allocated (and zeroed) outside the timed decode, as ggml_ref.c's is
                    float[] y = new float[(int) t.elementCount()];
                    long t0 = CPU.getCurrentThreadCpuTime();
                    // a variable-size (entropy-coded) codec stores the first e.length() bytes of dst
                    Codec.Encoded e = c.encodeSized(t, dst);
                    long t1 = CPU.getCurrentThreadCpuTime();
                    byte[] params = e.params();
                    MemorySegment payload = dst.asSlice(0, e.length());
                    c.decodeFloats(t.dtype(), t.shape(), params, payload, 0, y, 0, y.length);
                    long t2 = CPU.getCurrentThreadCpuTime();
                    encNs += t1 - t0;
                    decNs += t2 - t1;
                    bytes += e.length() + params.length;
                    float[] x = t.toFloatArray();
                    for (int i = 0; i < x.length; i++) {
                        double d = (double) x[i] - y[i];
                        sq += d * d;
                    }
                }
            }
            bestEnc = Math.min(bestEnc, encNs);
            bestDec = Math.min(bestDec, decNs);
            if (timed > 0 && pass == timed - 1) {
                System.out.printf(
                        Locale.ROOT,
                        "| `%s` | %.4f | %.4e | %.1f | %.1f |%n",
                        c.name(),
                        bytes * 8.0 / total,
                        sq / total,
                        total / (bestEnc / 1e3),
                        total / (bestDec / 1e3));
            }
        }
    }

    /** Compiles the C harness against ggml's sources and runs it on the same weights. */
    private static void ggmlReference(Path ggml, List<Tensor> ts, long total) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("tenpak-ggml");
        Path floats = dir.resolve("weights.f32");
        try (FileChannel ch = FileChannel.open(
                        floats, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                Arena a = Arena.ofConfined()) {
            MemorySegment m = ch.map(FileChannel.MapMode.READ_WRITE, 0, total * 4, a);
            long at = 0;
            for (Tensor t : ts) {
                float[] x = t.toFloatArray();
                MemorySegment.copy(
                        x, 0, m, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at, x.length);
                at += 4L * x.length;
            }
        }
        Path harness = Path.of("tenpak-bench/src/main/c/ggml_ref.c").toAbsolutePath();
        Path bin = dir.resolve("ggml_ref");
        Path src = ggml.resolve("src");
        List<String> cc = List.of(
                "gcc",
                "-O2",
                "-march=native",
                "-I" + ggml.resolve("include"),
                "-I" + src,
                "-I" + src.resolve("ggml-cpu"),
                harness.toString(),
                src.resolve("ggml-quants.c").toString(),
                "-o",
                bin.toString(),
                "-lm");
        if (new ProcessBuilder(cc).inheritIO().start().waitFor() != 0) {
            System.out.println("ggml reference: compiling " + harness + " failed; skipped");
            return;
        }
        System.out.println(
                "ggml reference quantizers (ggml_ref.c, one thread, thread CPU time, gcc -O2 -march=native):");
        ProcessBuilder run = new ProcessBuilder(bin.toString(), floats.toString()).inheritIO();
        run.environment().put("REPEATS", Integer.toString(Math.max(1, Integer.getInteger("repeats", 1))));
        run.start().waitFor();
    }
}
