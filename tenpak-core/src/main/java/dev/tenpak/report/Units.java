package dev.tenpak.report;

import java.util.Locale;

/** How tenpak prints sizes and error figures, the same in the CLI, the Maven log and reports. */
public final class Units {
    private Units() {}

    /** {@code 512 B}, {@code 1.50 KiB}, {@code 2.05 GiB}: binary units, two decimals. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }

    /** An error figure in scientific notation with four significant digits; exactly 0 prints as {@code 0}. */
    public static String sci(double v) {
        return v == 0 ? "0" : String.format(Locale.ROOT, "%.3e", v);
    }
}
