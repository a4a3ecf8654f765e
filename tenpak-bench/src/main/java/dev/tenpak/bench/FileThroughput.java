package dev.tenpak.bench;

import dev.tenpak.Tenpak;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.OutputFormat;
import dev.tenpak.options.ProgressListener;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * File-to-file throughput of the engine next to {@code Files.copy} of the same file, in one JVM
 * and one run: compress a safetensors file, decompress the artifact back to
 * safetensors, and copy the file, each timed from the call to its return.
 *
 * <p>Protocol, so that the ratios compare like with like:
 * <ul>
 *   <li>one untimed warm-up round first: the JIT compiles the Vector API kernels, which a cold JVM
 *       runs interpreted for its first seconds (the CLI figures in docs/PERFORMANCE.md include that);</li>
 *   <li>every timed operation starts from the same state: its output does not exist, {@code sync}
 *       has written back the dirty pages of the previous one, and (where the benchmark may write
 *       {@code /proc/sys/vm/drop_caches}, i.e. as root on Linux) the page cache is emptied and then
 *       refilled with the operation's input alone. Without that, whichever operation follows a large
 *       write pays for the kernel reclaiming the page cache, which on a 2-core VM measured as up to
 *       2x on the next write-heavy operation;</li>
 *   <li>rounds interleave the operations and each figure is the median over the rounds;</li>
 *   <li>without {@code --sync}, outputs are written like {@code Files.copy} writes its copy: to the
 *       page cache, not forced to disk. With {@code --sync}, compress and decompress force their
 *       output to disk and the copy is followed by {@code FileChannel.force}, timed with it.</li>
 * </ul>
 * Throughput is input bytes per second for copy and compress, output bytes per second for
 * decompress (the decompressed file is the size of the input).
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar
 * dev.tenpak.bench.FileThroughput FILE.safetensors [--rounds N] [--threads N] [--sync] CODEC...}
 */
public final class FileThroughput {
    /** Issue 4's targets: compress at least 0.5x the copy's throughput, decompress at least 0.7x. */
    private static final double COMPRESS_TARGET = 0.5;

    private static final double DECOMPRESS_TARGET = 0.7;

    private FileThroughput() {}

    public static void main(String[] args) throws Exception {
        Path src = null;
        int rounds = 3;
        int threads = CompressOptions.defaultThreads();
        boolean sync = false;
        List<String> codecs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--sync" -> sync = true;
                default -> {
                    if (src == null) {
                        src = Path.of(args[i]);
                    } else {
                        codecs.add(args[i]);
                    }
                }
            }
        }
        if (src == null || codecs.isEmpty()) {
            System.err.println("usage: FileThroughput FILE.safetensors [--rounds N] [--threads N] [--sync] CODEC...");
            System.exit(2);
        }
        Path dir = Files.createTempDirectory(src.toAbsolutePath().getParent(), "tenpak-throughput");
        try {
            run(src, dir, codecs, rounds, threads, sync);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static void run(Path src, Path dir, List<String> codecs, int rounds, int threads, boolean sync)
            throws Exception {
        long bytes = Files.size(src);
        Map<String, double[]> seconds = new LinkedHashMap<>();
        seconds.put("copy", new double[rounds]);
        for (String c : codecs) {
            seconds.put("compress " + c, new double[rounds]);
            seconds.put("decompress " + c, new double[rounds]);
        }
        System.out.printf(
                Locale.ROOT,
                "file: %s, %.2f GiB; %d threads, %d cores; %s; %s; warm-up round, then %d rounds%n",
                src,
                bytes / (double) (1L << 30),
                threads,
                Runtime.getRuntime().availableProcessors(),
                sync ? "outputs forced to disk (--sync)" : "outputs left in the page cache, like Files.copy",
                Files.isWritable(DROP_CACHES)
                        ? "page cache emptied and the input re-read before each operation"
                        : "no access to drop_caches: only sync before each operation",
                rounds);
        for (int round = -1; round < rounds; round++) {
            for (var op : seconds.entrySet()) {
                double s = time(op.getKey(), src, dir, threads, sync);
                if (round >= 0) {
                    op.getValue()[round] = s;
                }
            }
            if (round >= 0) {
                System.out.printf(Locale.ROOT, "round %d:%s%n", round + 1, perRound(seconds, round));
            }
        }
        double copy = median(seconds.get("copy"));
        System.out.println();
        System.out.println("| operation | median s | MiB/s | vs copy | target |");
        System.out.println("|---|---|---|---|---|");
        for (var op : seconds.entrySet()) {
            double s = median(op.getValue());
            String name = op.getKey();
            String target = name.startsWith("compress")
                    ? ratioTarget(copy / s, COMPRESS_TARGET)
                    : name.startsWith("decompress") ? ratioTarget(copy / s, DECOMPRESS_TARGET) : "";
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.3f | %.0f | %.2fx | %s |%n",
                    name + (sync && !name.equals("copy") ? " --sync" : sync ? " + force" : ""),
                    s,
                    bytes / 1048576.0 / s,
                    copy / s,
                    target);
        }
    }

    private static String ratioTarget(double ratio, double target) {
        return String.format(Locale.ROOT, ">= %.1fx: %s", target, ratio >= target ? "met" : "not met");
    }

    private static String perRound(Map<String, double[]> seconds, int round) {
        StringBuilder b = new StringBuilder();
        seconds.forEach((k, v) -> b.append(String.format(Locale.ROOT, "  %s %.3f s", k, v[round])));
        return b.toString();
    }

    /** Runs one operation from a clean state and returns its wall time in seconds. */
    private static double time(String op, Path src, Path dir, int threads, boolean sync) throws Exception {
        String[] w = op.split(" ");
        Path out = switch (w[0]) {
            case "copy" -> dir.resolve("copy.safetensors");
            case "compress" -> dir.resolve(w[1] + ".tenpak");
            default -> dir.resolve(w[1] + ".safetensors");
        };
        Files.deleteIfExists(out);
        settle(w[0].equals("decompress") ? dir.resolve(w[1] + ".tenpak") : src);
        long t0 = System.nanoTime();
        switch (w[0]) {
            case "copy" -> {
                Files.copy(src, out, StandardCopyOption.REPLACE_EXISTING);
                if (sync) {
                    try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
                        ch.force(false);
                    }
                }
            }
            case "compress" ->
                Tenpak.compress(
                        src,
                        out,
                        CompressOptions.defaults()
                                .withCodec(w[1])
                                .withThreads(threads)
                                .withSync(sync));
            default ->
                Tenpak.decompress(
                        dir.resolve(w[1] + ".tenpak"),
                        out,
                        DecompressOptions.defaults()
                                .withFormat(OutputFormat.SAFETENSORS)
                                .withThreads(threads)
                                .withSync(sync)
                                .withProgress(ProgressListener.NONE));
        }
        double s = (System.nanoTime() - t0) / 1e9;
        if (w[0].equals("copy") || w[0].equals("decompress")) {
            Files.delete(out); // the artifact stays: decompress reads it
        }
        return s;
    }

    private static final Path DROP_CACHES = Path.of("/proc/sys/vm/drop_caches");

    /**
     * Writes back dirty pages (the {@code sync} command); then, where allowed, empties the page cache
     * and reads {@code input} back into it, so the operation reads from memory and allocates its
     * output pages from free memory.
     */
    private static void settle(Path input) throws IOException, InterruptedException {
        try {
            new ProcessBuilder("sync").inheritIO().start().waitFor();
        } catch (IOException e) {
            return; // no sync command (not POSIX): measure without settling
        }
        if (Files.isWritable(DROP_CACHES)) {
            Files.writeString(DROP_CACHES, "1");
            try (FileChannel ch = FileChannel.open(input, StandardOpenOption.READ)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(16 << 20);
                while (ch.read(buf) >= 0) {
                    buf.clear();
                }
            }
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
