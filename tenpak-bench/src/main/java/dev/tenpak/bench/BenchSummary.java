package dev.tenpak.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Prints GB/s and the ratio to {@code System.arraycopy} for each benchmark of {@link QuantBench},
 * from JMH JSON result files ({@code -rf json}). Each ratio uses the arraycopy measured in the same
 * result file, i.e. the same run on the same machine.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.tenpak.bench.BenchSummary LABEL=results.json ...}
 */
public final class BenchSummary {
    private static final double BYTES = QuantBench.ELEMENTS * 4.0;
    /** Targets: encode at least 0.40x arraycopy, decode at least 0.80x. */
    private static final double ENCODE_TARGET = 0.40;

    private static final double DECODE_TARGET = 0.80;

    private BenchSummary() {}

    public static void main(String[] args) throws IOException {
        ObjectMapper json = new ObjectMapper();
        System.out.printf(
                Locale.ROOT,
                "%-8s %-18s %10s %9s %8s  %s%n",
                "kernels",
                "benchmark",
                "ms/op",
                "GB/s",
                "x copy",
                "target");
        for (String arg : args) {
            int eq = arg.indexOf('=');
            String label = arg.substring(0, eq);
            Map<String, Double> ms = new LinkedHashMap<>();
            for (JsonNode run : json.readTree(new File(arg.substring(eq + 1)))) {
                String name = run.get("benchmark").asText();
                ms.put(
                        name.substring(name.lastIndexOf('.') + 1),
                        run.get("primaryMetric").get("score").asDouble());
            }
            Double copy = ms.get("arraycopy");
            if (copy == null) {
                throw new IllegalArgumentException(arg + " has no arraycopy result to compare with");
            }
            for (Map.Entry<String, Double> e : ms.entrySet()) {
                double gbs = BYTES / (e.getValue() * 1e6);
                double ratio = copy / e.getValue();
                String target = "";
                if (e.getKey().endsWith("Encode")) {
                    target = (ratio >= ENCODE_TARGET ? "met" : "MISSED") + " (>= " + ENCODE_TARGET + ")";
                } else if (e.getKey().endsWith("Decode")) {
                    target = (ratio >= DECODE_TARGET ? "met" : "MISSED") + " (>= " + DECODE_TARGET + ")";
                }
                System.out.printf(
                        Locale.ROOT,
                        "%-8s %-18s %10.2f %9.2f %8.2f  %s%n",
                        label,
                        e.getKey(),
                        e.getValue(),
                        gbs,
                        ratio,
                        target);
            }
        }
    }
}
