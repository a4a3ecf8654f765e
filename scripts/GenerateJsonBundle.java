import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes a JSON bundle ({"tensors":[{"name","shape","data"}]}) of Gaussian weights (std 0.02,
 * six decimals) without holding it in memory: numbers are formatted straight into a buffered
 * stream. Used by scripts/bench-json-memory.sh.
 *
 * <p>Usage: {@code java scripts/GenerateJsonBundle.java OUT.json ROWSxCOLS [ROWSxCOLS ...]}
 */
public final class GenerateJsonBundle {
    public static void main(String[] args) throws IOException {
        SplittableRandom r = new SplittableRandom(20261127L);
        byte[] num = new byte[16];
        long total = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(Path.of(args[0])), 1 << 20)) {
            out.write("{\"tensors\":[".getBytes());
            for (int t = 1; t < args.length; t++) {
                String[] dims = args[t].split("x");
                long rows = Long.parseLong(dims[0]);
                long cols = Long.parseLong(dims[1]);
                long n = rows * cols;
                total += n;
                out.write(((t > 1 ? "," : "") + "\n{\"name\":\"layer" + t + ".weight\",\"shape\":[" + rows + "," + cols
                        + "],\"data\":[").getBytes());
                for (long i = 0; i < n; i++) {
                    if (i > 0) {
                        out.write(',');
                    }
                    // micro-units: a Gaussian of std 0.02 is std 20000 micro-units
                    long micros = Math.round(r.nextGaussian() * 20_000);
                    int p = num.length;
                    long a = Math.abs(micros);
                    for (int d = 0; d < 6; d++) {
                        num[--p] = (byte) ('0' + a % 10);
                        a /= 10;
                    }
                    num[--p] = '.';
                    do {
                        num[--p] = (byte) ('0' + a % 10);
                        a /= 10;
                    } while (a > 0);
                    if (micros < 0) {
                        num[--p] = '-';
                    }
                    out.write(num, p, num.length - p);
                }
                out.write("]}".getBytes());
            }
            out.write("\n]}\n".getBytes());
        }
        System.out.printf("wrote %s: %d tensors, %d floats (%.1f MiB as float32), %.1f MiB of JSON%n", args[0],
                args.length - 1, total, total * 4 / 1048576.0, Files.size(Path.of(args[0])) / 1048576.0);
    }
}
