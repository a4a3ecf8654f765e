package dev.tenpak.internal.kernel;

/**
 * Scalar specification of a block with its own f16 scale (no super-block): the layout of ggml's
 * Q4_0 with a searched scale. For a block {@code x[off .. off + len)}:
 * <ol>
 *   <li>{@code s = f16(}{@link GridQuantizer#searchScale}{@code )}; an infinite f16 makes the
 *       block unencodable; codes under {@code s} (all the zero code when {@code s == 0}).</li>
 *   <li>One refinement: {@code s' = f16(}least-squares scale of those codes{@code )}, codes under
 *       {@code s'}; kept only when finite and its squared error is strictly smaller.</li>
 * </ol>
 * Decoding is {@code x = s * g[q]} in float.
 */
public final class F16BlockQuantizer {
    /** Returned instead of scale bits when the block cannot be encoded (f16 overflow). */
    public static final short INVALID = (short) 0x7C00;

    private final GridQuantizer grid;

    public F16BlockQuantizer(GridQuantizer grid) {
        this.grid = grid;
    }

    public GridQuantizer grid() {
        return grid;
    }

    /**
     * Quantizes {@code x[off .. off + len)} as consecutive blocks of {@code block} values (the last
     * one shorter when {@code len} is not a multiple): codes into {@code q[qoff ..]}, the f16 scale
     * bits of block {@code j} into {@code scales[soff + j]}. Returns -1, or the index of the first
     * block that cannot be encoded (then the outputs are unspecified). Runs the {@link
     * GridSearchKernels} of this JVM, which give {@link #quantizeBlocksScalar}'s answer bit for bit;
     * {@code tmp} holds at least {@code block} bytes of scratch.
     */
    public int quantizeBlocks(
            float[] x, int off, int len, int block, byte[] q, int qoff, short[] scales, int soff, byte[] tmp) {
        return GridSearchKernels.get().quantizeF16Blocks(this, x, off, len, block, q, qoff, scales, soff, tmp);
    }

    /** The specification of {@link #quantizeBlocks}: {@link #quantize} block after block. */
    public int quantizeBlocksScalar(
            float[] x, int off, int len, int block, byte[] q, int qoff, short[] scales, int soff, byte[] tmp) {
        for (int j = 0, b = 0; b < len; j++, b += block) {
            short sc = quantize(x, off + b, Math.min(block, len - b), q, qoff + b, tmp);
            if (sc == INVALID) {
                return j;
            }
            scales[soff + j] = sc;
        }
        return -1;
    }

    /**
     * Quantizes one block into {@code q[qoff ..]} and returns its f16 scale bits or {@link #INVALID};
     * {@code tmp} holds at least {@code len} bytes of scratch.
     */
    public short quantize(float[] x, int off, int len, byte[] q, int qoff, byte[] tmp) {
        short sb = Float.floatToFloat16(grid.searchScale(x, off, len));
        float s = Float.float16ToFloat(sb);
        if (Float.isInfinite(s)) {
            return INVALID;
        }
        if (s == 0f) {
            sb = 0;
        }
        if (s == 0f) {
            grid.codes(x, off, len, s, q, qoff);
            return sb;
        }
        double err = grid.codesAndSquaredError(x, off, len, s, q, qoff);
        short rb = Float.floatToFloat16(grid.fitScale(x, off, len, q, qoff));
        float r = Float.float16ToFloat(rb);
        if (r != 0f && Float.isFinite(r) && rb != sb) {
            if (grid.codesAndSquaredError(x, off, len, r, tmp, 0) < err) {
                System.arraycopy(tmp, 0, q, qoff, len);
                return rb;
            }
        }
        return sb;
    }
}
