package dev.tenpak.maven.build;

import dev.tenpak.report.Units;
import java.util.Locale;

/** Human-readable numbers for the build log, in the CLI's units. */
final class Sizes {
    private Sizes() {}

    static String bytes(long n) {
        return Units.bytes(n);
    }

    static String sci(double v) {
        return Units.sci(v);
    }

    static String ratio(double r) {
        return String.format(Locale.ROOT, "%.2fx", r);
    }
}
