package dev.tenpak.bench;

import com.github.luben.zstd.Zstd;
import dev.tenpak.codec.Codec;
import dev.tenpak.internal.codec.lossless.LosslessCodec;
import dev.tenpak.internal.codec.pertensor.SymmetricPerTensorCodec;
import dev.tenpak.internal.entropy.EntropyStage;
import dev.tenpak.internal.entropy.Huffman;
import dev.tenpak.internal.entropy.PlaneCoder;
import dev.tenpak.internal.format.safetensors.SafetensorsReader;
import dev.tenpak.internal.kernel.PlaneKernels;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code lossless_v1} against zstd on the same bytes, one thread, in-JVM (timed in thread CPU time,
 * best of {@code --repeats}): ratio, the order-0
 * entropy limit of the planes beside it, encode and decode GB/s of tensor bytes, and zstd -1 / -3
 * (zstd-jni) on the tensors' raw bytes. A second table weighs the entropy coder itself: our Huffman
 * against zstd -1 on the very same byte planes (the choice docs/PERFORMANCE.md records). A third
 * puts {@code int8_sym_v1} and {@code int4_sym_v1} payloads of MiniLM through {@link EntropyStage}.
 *
 * <p>Datasets: all-MiniLM-L6-v2 in fp32 as shipped, the same converted to bf16 (round to nearest
 * even), and a seeded synthetic bf16 model with TinyLlama-1.1B's shapes (hidden 2048, MLP 5632,
 * 4 KV heads of 64, vocab 32000), fewer layers: Gaussian std 0.02, 0.1% of rows x10, a few spikes.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp tenpak-bench/target/benchmarks.jar dev.tenpak.bench.LosslessBench \
 *     [--minilm path/to/model.safetensors] [--layers 2] [--repeats 5] [--warmup 3] [--dump dir] [--safetensors file]...
 * </pre>
 * {@code --safetensors} adds a file's tensors as they are as one more dataset (repeatable);
 * {@code --layers 0} leaves the synthetic model out. {@code --warmup S} runs untimed encode and decode
 * passes over each dataset for S seconds (default 3) before the timed ones, so the figures are the
 * JIT's steady state.
 * {@code --dump} writes each dataset's tensors back to back to {@code dir/<dataset>.bin}, the bytes
 * tenpak-bench/src/main/python/zipnn-peer.py gives ZipNN.
 * Not a test: numbers, no assertions.
 */
public final class LosslessBench {
    private LosslessBench() {}

    record Dataset(String name, List<Tensor> tensors) {
        long bytes() {
            return tensors.stream().mapToLong(Tensor::byteSize).sum();
        }
    }

    public static void main(String[] args) throws Exception {
        Path minilm = null;
        int layers = 2;
        int repeats = 5;
        Path dump = null;
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--safetensors" -> files.add(Path.of(args[++i]));
                case "--minilm" -> minilm = Path.of(args[++i]);
                case "--layers" -> layers = Integer.parseInt(args[++i]);
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--dump" -> dump = Path.of(args[++i]);
                case "--warmup" -> warmupNanos = (long) (Double.parseDouble(args[++i]) * 1e9);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        List<Dataset> sets = new ArrayList<>();
        if (minilm != null) {
            SafetensorsReader r = SafetensorsReader.open(minilm);
            List<Tensor> fp32 = new ArrayList<>();
            for (SafetensorsReader.Entry e : r.entries()) {
                if (e.dtype()
                        == DType.F32) { // the one I64 tensor (position ids, 4 KiB) is left out: peers take one dtype
                    fp32.add(copy(r.tensor(e)));
                }
            }
            sets.add(new Dataset("MiniLM fp32", fp32));
            sets.add(new Dataset(
                    "MiniLM bf16",
                    fp32.stream().map(t -> convert(t, DType.BF16)).toList()));
        }
        if (layers > 0) {
            sets.add(new Dataset("synthetic bf16 (" + layers + " layers)", synthetic(layers, 20261212L)));
        }
        for (Path f : files) {
            // any safetensors file as it is, e.g. the XOR of a fine-tune with its base (bf16)
            SafetensorsReader r = SafetensorsReader.open(f);
            List<Tensor> ts = new ArrayList<>();
            for (SafetensorsReader.Entry e : r.entries()) {
                ts.add(copy(r.tensor(e)));
            }
            sets.add(new Dataset(f.getFileName().toString(), ts));
        }

        if (dump != null) {
            // the same bytes for peers (ZipNN, zstd CLI): every tensor of a dataset, back to back
            java.nio.file.Files.createDirectories(dump);
            for (Dataset d : sets) {
                Path f = dump.resolve(d.name.replaceAll("[^A-Za-z0-9]+", "-") + ".bin");
                try (var ch = java.nio.channels.FileChannel.open(
                        f,
                        java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.WRITE,
                        java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                    for (Tensor t : d.tensors) {
                        ch.write(t.data().asByteBuffer());
                    }
                }
                System.out.println("wrote " + f + " (" + d.bytes() + " bytes)");
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%-26s %9s | %7s %7s %7s | %7s %7s | %7s %7s %7s %7s%n",
                "dataset",
                "MB",
                "ratio",
                "limit",
                "coded/H",
                "enc",
                "dec",
                "zstd-1",
                "zstd-3",
                "z1 enc",
                "z1 dec");
        for (Dataset d : sets) {
            run(d, repeats);
        }
        System.out.println();
        System.out.println("coder on the same planes (blocks of 256 KiB input, each plane coded alone):");
        System.out.printf(
                Locale.ROOT,
                "%-26s %12s %12s %12s %9s %9s %9s %9s%n",
                "dataset",
                "H (bytes)",
                "huffman",
                "zstd-1",
                "huf enc",
                "huf dec",
                "z1 enc",
                "z1 dec");
        for (Dataset d : sets) {
            coders(d, repeats);
        }
        if (minilm != null) {
            System.out.println();
            System.out.println(
                    "entropy stage on quantized codes (MiniLM fp32 tensors; bits per weight as stored, scales not counted):");
            for (SymmetricPerTensorCodec q : List.of(SymmetricPerTensorCodec.INT8, SymmetricPerTensorCodec.INT4)) {
                quantized(sets.get(0), q);
            }
        }
    }

    /** A quantizing codec's payloads through {@link EntropyStage}, per tensor, kept only when smaller. */
    static void quantized(Dataset d, SymmetricPerTensorCodec q) {
        long weights = 0;
        long plain = 0;
        long staged = 0;
        double entropy = 0;
        long z19 = 0;
        PlaneCoder coder = new PlaneCoder();
        for (Tensor t : d.tensors) {
            long size = q.encodedSize(t.dtype(), t.shape());
            MemorySegment payload =
                    Arena.ofAuto().allocate(Math.max(1, size), 64).asSlice(0, size);
            q.encode(t, payload);
            byte[] codes = payload.toArray(ValueLayout.JAVA_BYTE);
            MemorySegment out = Arena.ofAuto().allocate(EntropyStage.maxEncodedSize(size), 64);
            long w = EntropyStage.encode(payload, out);
            weights += t.elementCount();
            plain += size;
            staged += w < 0 ? size : w;
            coder.histogram(codes, 0, codes.length);
            entropy += PlaneCoder.entropyBits(coder.counts()) / 8;
            z19 += Math.min(size, Zstd.compress(codes, 19).length);
        }
        System.out.printf(
                Locale.ROOT,
                "%-12s plain %.3f bits/weight, entropy stage %.3f (%.1f%% of plain), order-0 entropy "
                        + "of the payload bytes %.3f (stage %+.2f%%), zstd -19 %.3f%n",
                q.name(),
                8.0 * plain / weights,
                8.0 * staged / weights,
                100.0 * staged / plain,
                8 * entropy / weights,
                100 * (staged / entropy - 1),
                8.0 * z19 / weights);
    }

    static Tensor copy(Tensor t) {
        MemorySegment m = Arena.ofAuto().allocate(Math.max(1, t.byteSize()), 64).asSlice(0, t.byteSize());
        m.copyFrom(t.data());
        return new Tensor(t.name(), t.dtype(), t.shape(), m);
    }

    static Tensor convert(Tensor t, DType to) {
        int n = Math.toIntExact(t.elementCount());
        float[] x = new float[n];
        FloatConversions.toFloats(t.data(), t.dtype(), 0, x, 0, n);
        MemorySegment m =
                Arena.ofAuto().allocate(Math.max(1, to.byteSizeFor(n)), 64).asSlice(0, to.byteSizeFor(n));
        FloatConversions.fromFloats(x, 0, n, m, to, 0);
        return new Tensor(t.name(), to, t.shape(), m);
    }

    /** TinyLlama-1.1B's tensor shapes, {@code layers} layers, embeddings cut to 8000 rows; bf16. */
    static List<Tensor> synthetic(int layers, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Tensor> out = new ArrayList<>();
        int h = 2048;
        int kv = 256;
        int mlp = 5632;
        int vocab = 8000;
        out.add(gaussian("model.embed_tokens.weight", vocab, h, r));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            out.add(gaussian(p + "self_attn.q_proj.weight", h, h, r));
            out.add(gaussian(p + "self_attn.k_proj.weight", kv, h, r));
            out.add(gaussian(p + "self_attn.v_proj.weight", kv, h, r));
            out.add(gaussian(p + "self_attn.o_proj.weight", h, h, r));
            out.add(gaussian(p + "mlp.gate_proj.weight", mlp, h, r));
            out.add(gaussian(p + "mlp.up_proj.weight", mlp, h, r));
            out.add(gaussian(p + "mlp.down_proj.weight", h, mlp, r));
            out.add(ones(p + "input_layernorm.weight", h));
            out.add(ones(p + "post_attention_layernorm.weight", h));
        }
        out.add(ones("model.norm.weight", h));
        out.add(gaussian("lm_head.weight", vocab, h, r));
        return out;
    }

    static Tensor gaussian(String name, int rows, int cols, SplittableRandom r) {
        float[] x = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            double scale = r.nextInt(1000) == 0 ? 0.2 : 0.02; // 0.1% of rows x10
            for (int j = 0; j < cols; j++) {
                x[i * cols + j] = (float) (r.nextGaussian() * scale);
            }
        }
        for (int s = 0; s < 8; s++) { // a few spikes
            x[r.nextInt(x.length)] = (float) ((r.nextBoolean() ? 1 : -1) * (0.5 + 4 * r.nextDouble()));
        }
        return bf16(name, Shape.of(rows, cols), x);
    }

    static Tensor ones(String name, int n) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, 1f);
        return bf16(name, Shape.of(n), x);
    }

    static Tensor bf16(String name, Shape shape, float[] x) {
        MemorySegment m = Arena.ofAuto().allocate(2L * x.length, 64);
        FloatConversions.fromFloats(x, 0, x.length, m, DType.BF16, 0);
        return new Tensor(name, DType.BF16, shape, m);
    }

    /** Untimed encode and decode passes over each dataset before the timed ones ({@code --warmup}). */
    static long warmupNanos = 3_000_000_000L;

    static void run(Dataset d, int repeats) {
        LosslessCodec c = LosslessCodec.INSTANCE;
        List<MemorySegment> payloads = new ArrayList<>();
        List<MemorySegment> outs = new ArrayList<>();
        Arena arena = Arena.ofAuto();
        for (Tensor t : d.tensors) {
            payloads.add(arena.allocate(Math.max(1, c.encodedSize(t.dtype(), t.shape())), 64));
            outs.add(arena.allocate(Math.max(1, t.byteSize()), 64).asSlice(0, t.byteSize()));
        }
        long size = 0;
        long enc = Long.MAX_VALUE;
        List<MemorySegment> coded = new ArrayList<>();
        // untimed passes first, until the JIT has compiled this dataset's paths (C2 takes tens of
        // passes over a small model: the first ten decode passes of MiniLM bf16 ran 5-15% under the
        // steady state)
        for (long end = System.nanoTime() + warmupNanos; System.nanoTime() < end; ) {
            for (int i = 0; i < d.tensors.size(); i++) {
                c.encodeSized(d.tensors.get(i), payloads.get(i));
            }
        }
        for (int rep = 0; rep < repeats + 1; rep++) {
            long t0 = cpu();
            size = 0;
            coded.clear();
            for (int i = 0; i < d.tensors.size(); i++) {
                Codec.Encoded e = c.encodeSized(d.tensors.get(i), payloads.get(i));
                size += e.length();
                coded.add(payloads.get(i).asSlice(0, e.length()));
            }
            enc = Math.min(enc, cpu() - t0);
        }
        long dec = Long.MAX_VALUE;
        for (long end = System.nanoTime() + warmupNanos; System.nanoTime() < end; ) {
            for (int i = 0; i < d.tensors.size(); i++) {
                Tensor t = d.tensors.get(i);
                c.decode(t.dtype(), t.shape(), new byte[0], coded.get(i), outs.get(i));
            }
        }
        for (int rep = 0; rep < repeats + 1; rep++) {
            long t0 = cpu();
            for (int i = 0; i < d.tensors.size(); i++) {
                Tensor t = d.tensors.get(i);
                c.decode(t.dtype(), t.shape(), new byte[0], coded.get(i), outs.get(i));
            }
            dec = Math.min(dec, cpu() - t0);
        }
        for (int i = 0; i < d.tensors.size(); i++) {
            if (outs.get(i).mismatch(d.tensors.get(i).data()) != -1) {
                throw new AssertionError(d.name + ": tensor " + d.tensors.get(i).name() + " did not round-trip");
            }
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        for (MemorySegment m : coded) {
            crc.update(m.asByteBuffer());
        }
        double[] limit = limit(d);
        // zstd on the raw tensor bytes
        long z1 = 0;
        long z3 = 0;
        long z1enc = Long.MAX_VALUE;
        long z1dec = Long.MAX_VALUE;
        List<byte[]> raw = d.tensors.stream()
                .map(t -> t.data().toArray(ValueLayout.JAVA_BYTE))
                .toList();
        List<byte[]> zs = new ArrayList<>();
        for (int rep = 0; rep < repeats; rep++) {
            long t0 = cpu();
            zs.clear();
            z1 = 0;
            for (byte[] b : raw) {
                byte[] z = Zstd.compress(b, 1);
                zs.add(z);
                z1 += z.length;
            }
            z1enc = Math.min(z1enc, cpu() - t0);
            t0 = cpu();
            for (int i = 0; i < raw.size(); i++) {
                Zstd.decompress(zs.get(i), raw.get(i).length);
            }
            z1dec = Math.min(z1dec, cpu() - t0);
        }
        for (byte[] b : raw) {
            z3 += Zstd.compress(b, 3).length;
        }
        long bytes = d.bytes();
        System.out.printf(
                Locale.ROOT,
                "%-26s %9.1f | %6.3fx %6.3fx %6.2f%% | %7.2f %7.2f | %6.3fx %6.3fx %7.2f %7.2f%n",
                d.name,
                bytes / 1e6,
                (double) bytes / size,
                bytes / limit[0],
                100 * (limit[1] / limit[2] - 1),
                gbps(bytes, enc),
                gbps(bytes, dec),
                (double) bytes / z1,
                (double) bytes / z3,
                gbps(bytes, z1enc),
                gbps(bytes, z1dec));
        // the same on every JVM, with or without jdk.incubator.vector: compare runs
        System.out.printf(
                Locale.ROOT,
                "%-26s payloads crc32c %08x, plane kernels %s%n",
                "",
                crc.getValue(),
                PlaneKernels.get().description());
    }

    /**
     * {limit, huffman bytes, entropy bytes}: limit = header and table bytes plus, for every plane of
     * every block, the smaller of its raw size and its order-0 entropy (no table costs at all);
     * the other two are the entropy-coded planes' size (modes 2 to 4, with their tables) and
     * their order-0 entropy.
     */
    static double[] limit(Dataset d) {
        PlaneCoder coder = new PlaneCoder();
        long[] modes = new long[5];
        double limit = 0;
        double huf = 0;
        double ent = 0;
        for (Tensor t : d.tensors) {
            int planes = t.dtype().byteSize();
            int be = LosslessCodec.INSTANCE.blockElements(t.dtype());
            int stride = be + Huffman.SLACK;
            byte[] buf = new byte[planes * stride];
            byte[] out = new byte[be + 64];
            long n = t.elementCount();
            long blocks = (n + be - 1) / be;
            limit += 8 + 8 * blocks;
            for (long b = 0; b < blocks; b++) {
                int m = (int) Math.min(be, n - b * be);
                PlaneKernels.get().split(t.data(), LosslessCodec.layoutOf(t.dtype()), planes, b * be, m, buf, stride);
                for (int p = 0; p < planes; p++) {
                    coder.histogram(buf, p * stride, m);
                    double h = PlaneCoder.entropyBits(coder.counts()) / 8;
                    limit += Math.min(m, h);
                    int w = coder.encode(buf, p * stride, m, out, 0);
                    modes[out[0]]++;
                    if (out[0] >= PlaneCoder.HUFFMAN) {
                        huf += w;
                        ent += h;
                    }
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%-26s planes raw %d, const %d, huffman %d, rans %d, rans2 %d%n",
                "",
                modes[0],
                modes[1],
                modes[2],
                modes[3],
                modes[4]);
        return new double[] {limit, huf, ent};
    }

    /** Our Huffman against zstd -1 on exactly the same planes of the same blocks. */
    static void coders(Dataset d, int repeats) {
        List<byte[]> planes = new ArrayList<>();
        for (Tensor t : d.tensors) {
            int np = t.dtype().byteSize();
            int be = LosslessCodec.INSTANCE.blockElements(t.dtype());
            int stride = be + Huffman.SLACK;
            long n = t.elementCount();
            for (long b = 0; b * be < n; b++) {
                int m = (int) Math.min(be, n - b * be);
                byte[] buf = new byte[np * stride];
                PlaneKernels.get().split(t.data(), LosslessCodec.layoutOf(t.dtype()), np, b * be, m, buf, stride);
                for (int p = 0; p < np; p++) {
                    planes.add(java.util.Arrays.copyOfRange(buf, p * stride, p * stride + m));
                }
            }
        }
        PlaneCoder coder = new PlaneCoder();
        double h = 0;
        for (byte[] p : planes) {
            coder.histogram(p, 0, p.length);
            h += Math.min(p.length, PlaneCoder.entropyBits(coder.counts()) / 8);
        }
        long bytes = planes.stream().mapToLong(p -> p.length).sum();
        byte[] out = new byte[(1 << 20) + 64];
        byte[][] coded = new byte[planes.size()][];
        long huf = 0;
        long hufEnc = Long.MAX_VALUE;
        for (int rep = 0; rep < repeats; rep++) {
            long t0 = cpu();
            huf = 0;
            for (int i = 0; i < planes.size(); i++) {
                byte[] p = planes.get(i);
                int w = coder.encode(p, 0, p.length, out, 0);
                huf += w;
                if (rep == 0) {
                    coded[i] = java.util.Arrays.copyOf(out, w);
                }
            }
            hufEnc = Math.min(hufEnc, cpu() - t0);
        }
        long hufDec = Long.MAX_VALUE;
        byte[] dst = new byte[(1 << 20) + 64];
        MemorySegment[] segs = new MemorySegment[coded.length];
        for (int i = 0; i < coded.length; i++) {
            segs[i] = MemorySegment.ofArray(coded[i]);
        }
        for (int rep = 0; rep < repeats; rep++) {
            long t0 = cpu();
            for (int i = 0; i < planes.size(); i++) {
                coder.decode(segs[i], 0, coded[i].length, dst, 0, planes.get(i).length);
            }
            hufDec = Math.min(hufDec, cpu() - t0);
        }
        long z1 = 0;
        long zEnc = Long.MAX_VALUE;
        long zDec = Long.MAX_VALUE;
        byte[][] zs = new byte[planes.size()][];
        for (int rep = 0; rep < repeats; rep++) {
            long t0 = cpu();
            z1 = 0;
            for (int i = 0; i < planes.size(); i++) {
                byte[] z = Zstd.compress(planes.get(i), 1);
                // a plane zstd cannot shrink is stored raw, as ours are
                zs[i] = z;
                z1 += Math.min(z.length, planes.get(i).length) + 1;
            }
            zEnc = Math.min(zEnc, cpu() - t0);
            t0 = cpu();
            for (int i = 0; i < planes.size(); i++) {
                Zstd.decompress(zs[i], planes.get(i).length);
            }
            zDec = Math.min(zDec, cpu() - t0);
        }
        System.out.printf(
                Locale.ROOT,
                "%-26s %12.0f %12d %12d %9.2f %9.2f %9.2f %9.2f%n",
                d.name,
                h,
                huf,
                z1,
                gbps(bytes, hufEnc),
                gbps(bytes, hufDec),
                gbps(bytes, zEnc),
                gbps(bytes, zDec));
        modes(d, planes, coded, repeats);
    }

    /**
     * The three entropy-coded plane modes on the same planes (those the writer entropy-codes),
     * each forced: bytes against the planes' order-0 entropy, and encode and decode GB/s of plane
     * bytes. The decode ratio of rANS to Huffman is what PlaneCoder's saving threshold rests on.
     */
    static void modes(Dataset d, List<byte[]> planes, byte[][] coded, int repeats) {
        List<byte[]> cp = new ArrayList<>();
        for (int i = 0; i < planes.size(); i++) {
            if (coded[i][0] >= PlaneCoder.HUFFMAN) {
                cp.add(planes.get(i));
            }
        }
        PlaneCoder coder = new PlaneCoder();
        double h = 0;
        long bytes = 0;
        for (byte[] p : cp) {
            coder.histogram(p, 0, p.length);
            h += PlaneCoder.entropyBits(coder.counts()) / 8;
            bytes += p.length;
        }
        int[] modes = {PlaneCoder.HUFFMAN, PlaneCoder.RANS, PlaneCoder.RANS2};
        String[] names = {"huffman", "rans", "rans2"};
        byte[] back = new byte[(1 << 20) + 64];
        StringBuilder line = new StringBuilder();
        for (int k = 0; k < modes.length; k++) {
            byte[][] out = new byte[cp.size()][];
            long size = 0;
            long enc = Long.MAX_VALUE;
            byte[] buf = new byte[8192 + 3 * (1 << 20)];
            for (int rep = 0; rep < repeats; rep++) {
                long t0 = cpu();
                size = 0;
                for (int i = 0; i < cp.size(); i++) {
                    byte[] p = cp.get(i);
                    int w = coder.encodeAs(modes[k], p, 0, p.length, buf, 0);
                    size += w;
                    if (rep == 0) {
                        out[i] = java.util.Arrays.copyOf(buf, w);
                    }
                }
                enc = Math.min(enc, cpu() - t0);
            }
            MemorySegment[] segs = new MemorySegment[out.length];
            for (int i = 0; i < out.length; i++) {
                segs[i] = MemorySegment.ofArray(out[i]);
            }
            long dec = Long.MAX_VALUE;
            for (int rep = 0; rep < repeats; rep++) {
                long t0 = cpu();
                for (int i = 0; i < cp.size(); i++) {
                    coder.decode(segs[i], 0, out[i].length, back, 0, cp.get(i).length);
                }
                dec = Math.min(dec, cpu() - t0);
            }
            for (int i = 0; i < cp.size(); i++) {
                byte[] p = cp.get(i);
                coder.decode(segs[i], 0, out[i].length, back, 0, p.length);
                if (!java.util.Arrays.equals(back, 0, p.length, p, 0, p.length)) {
                    throw new AssertionError(names[k] + " did not round-trip");
                }
            }
            line.append(String.format(
                    Locale.ROOT,
                    "; %s %d (%+.2f%%) enc %.2f dec %.2f",
                    names[k],
                    size,
                    100 * (size / h - 1),
                    gbps(bytes, enc),
                    gbps(bytes, dec)));
        }
        System.out.printf(
                Locale.ROOT, "%-26s coded planes: %.1f MB, order-0 entropy %.0f%s%n", "", bytes / 1e6, h, line);
    }

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * The benchmark thread's CPU time: on a shared 2-vCPU box wall time mostly measures the
     * neighbours; CPU time still counts a sibling hyperthread's pressure, so it errs on the slow side.
     */
    static long cpu() {
        return THREADS.getCurrentThreadCpuTime();
    }

    static double gbps(long bytes, long nanos) {
        return bytes / (double) nanos;
    }
}
