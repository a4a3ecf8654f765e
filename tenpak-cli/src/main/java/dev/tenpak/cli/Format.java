package dev.tenpak.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tenpak.report.Units;
import java.util.ArrayList;
import java.util.List;

/** Printing helpers shared by the commands: sizes, aligned tables, JSON. */
final class Format {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Format() {}

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException("cannot print report as JSON", e);
        }
    }

    static String bytes(long n) {
        return Units.bytes(n);
    }

    static String sci(double v) {
        return Units.sci(v);
    }

    /** Columns padded to their widest cell; numeric-looking columns right-aligned. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();
        private final boolean[] right;

        Table(String... header) {
            rows.add(header);
            right = new boolean[header.length];
        }

        Table rightAlign(int... cols) {
            for (int c : cols) {
                right[c] = true;
            }
            return this;
        }

        Table row(Object... cells) {
            String[] r = new String[cells.length];
            for (int i = 0; i < cells.length; i++) {
                r[i] = String.valueOf(cells[i]);
            }
            rows.add(r);
            return this;
        }

        String render() {
            int cols = rows.get(0).length;
            int[] w = new int[cols];
            for (String[] r : rows) {
                for (int i = 0; i < cols; i++) {
                    w[i] = Math.max(w[i], r[i].length());
                }
            }
            StringBuilder sb = new StringBuilder();
            for (int ri = 0; ri < rows.size(); ri++) {
                String[] r = rows.get(ri);
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < cols; i++) {
                    String cell = r[i];
                    String pad = " ".repeat(w[i] - cell.length());
                    line.append(right[i] ? pad + cell : cell + pad);
                    if (i < cols - 1) {
                        line.append("  ");
                    }
                }
                sb.append(line.toString().stripTrailing()).append('\n');
                if (ri == 0) {
                    int total = 0;
                    for (int x : w) {
                        total += x;
                    }
                    sb.append("-".repeat(total + 2 * (cols - 1))).append('\n');
                }
            }
            return sb.toString();
        }
    }
}
