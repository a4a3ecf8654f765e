package dev.tenpak.report;

import dev.tenpak.internal.kernel.QuantKernels;

/**
 * Reconstruction error of decoded values against the originals: mean squared error, mean absolute
 * error and the largest absolute error, over {@code count} elements. Combine per-tensor figures with
 * {@link Accumulator}; means are weighted by element count.
 */
public record ErrorMetrics(long count, double mse, double mae, double maxAbsError) {
    public static final ErrorMetrics EXACT_EMPTY = new ErrorMetrics(0, 0, 0, 0);

    /** Sums in double precision; not thread-safe. */
    public static final class Accumulator {
        private long count;
        private double sumSq;
        private double sumAbs;
        private double max;

        /** Adds the errors of {@code decoded} against {@code original} over their first {@code len} elements. */
        public void add(float[] original, float[] decoded, int len) {
            double[] sums = new double[3];
            QuantKernels.get().errorSums(original, decoded, 0, len, sums);
            addChunk(len, sums[0], sums[1], sums[2]);
        }

        /**
         * Adds the sums of one chunk computed elsewhere with {@link QuantKernels#errorSums}: the same
         * arithmetic as {@link #add(float[], float[], int)} on that chunk, so adding chunks in order
         * gives bit-identical results whichever thread computed them.
         */
        public void addChunk(int len, double chunkSumSq, double chunkSumAbs, double chunkMax) {
            sumSq += chunkSumSq;
            sumAbs += chunkSumAbs;
            if (chunkMax > max) {
                max = chunkMax;
            }
            count += len;
        }

        /** Counts {@code n} elements reproduced exactly. */
        public void addExact(long n) {
            count += n;
        }

        public void add(ErrorMetrics m) {
            count += m.count;
            sumSq += m.mse * m.count;
            sumAbs += m.mae * m.count;
            max = Math.max(max, m.maxAbsError);
        }

        public ErrorMetrics result() {
            return count == 0 ? EXACT_EMPTY : new ErrorMetrics(count, sumSq / count, sumAbs / count, max);
        }
    }
}
