package dev.tenpak.bench;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.internal.codec.kquant.KQuantCodec;
import dev.tenpak.internal.format.safetensors.SafetensorsReader;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Dequantize speed alone (a benchmark, not a timed test): the same 39 MiniLM tensors as {@link
 * KQuantSideBySide}, each encoded once per codec, then decoded {@code passes} times into arrays
 * that are reused, after as many warm-up passes, in one thread, Mweights per thread CPU second.
 * {@code KQuantSideBySide} times one decode into a fresh array, whose allocation and first touch
 * cost about as much as the fastest decoders themselves; this loop shows the decoders.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp tenpak-bench/target/benchmarks.jar
 * dev.tenpak.bench.DecodeLoop model.safetensors passes codec...}
 */
public final class DecodeLoop {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private DecodeLoop() {}

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        int passes = Integer.parseInt(args[1]);
        try (SafetensorsReader r = SafetensorsReader.open(model);
                Arena a = Arena.ofConfined()) {
            List<Tensor> ts = new ArrayList<>();
            for (SafetensorsReader.Entry e : r.entries()) {
                if (e.shape().rank() == 2
                        && e.dtype().isCompressible()
                        && e.shape().elementCount() >= 4096) {
                    ts.add(r.tensor(e));
                }
            }
            long total = ts.stream().mapToLong(Tensor::elementCount).sum();
            System.out.printf(
                    Locale.ROOT,
                    "%d tensors, %d weights, %d passes after %d warm-up passes, %s, one thread%n",
                    ts.size(),
                    total,
                    passes,
                    passes,
                    Runtime.version());
            System.out.println("| codec | dequantize Mweights/s (reused arrays) |");
            System.out.println("|---|---|");
            for (int k = 2; k < args.length; k++) {
                String name = args[k];
                Codec c = Codecs.find(name) != null
                        ? Codecs.byName(name)
                        : KQuantCodec.ALL.stream()
                                .filter(x -> x.name().equals(name))
                                .findFirst()
                                .orElseThrow();
                List<MemorySegment> payloads = new ArrayList<>();
                List<byte[]> params = new ArrayList<>();
                List<float[]> out = new ArrayList<>();
                for (Tensor t : ts) {
                    long size = c.encodedSize(t.dtype(), t.shape());
                    MemorySegment dst = a.allocate(Math.max(1, size)).asSlice(0, size);
                    Codec.Encoded e = c.encodeSized(t, dst);
                    payloads.add(dst.asSlice(0, e.length()));
                    params.add(e.params());
                    out.add(new float[(int) t.elementCount()]);
                }
                decode(c, ts, payloads, params, out, passes);
                long t0 = CPU.getCurrentThreadCpuTime();
                decode(c, ts, payloads, params, out, passes);
                long ns = CPU.getCurrentThreadCpuTime() - t0;
                System.out.printf(Locale.ROOT, "| `%s` | %.0f |%n", name, total * (double) passes / (ns / 1e3));
            }
        }
    }

    private static void decode(
            Codec c,
            List<Tensor> ts,
            List<MemorySegment> payloads,
            List<byte[]> params,
            List<float[]> out,
            int passes) {
        for (int p = 0; p < passes; p++) {
            for (int i = 0; i < ts.size(); i++) {
                Tensor t = ts.get(i);
                float[] y = out.get(i);
                c.decodeFloats(t.dtype(), t.shape(), params.get(i), payloads.get(i), 0, y, 0, y.length);
            }
        }
    }
}
