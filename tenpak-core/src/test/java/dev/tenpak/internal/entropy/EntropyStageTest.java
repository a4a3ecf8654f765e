package dev.tenpak.internal.entropy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.error.CorruptArtifactException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The entropy stage for codec payloads: int8-like codes round-trip and shrink toward their
 * entropy, incompressible bytes are declined, and hostile payloads are refused with
 * {@link CorruptArtifactException}.
 */
class EntropyStageTest {
    static final long SEED = Long.getLong("tenpak.test.seed", new SplittableRandom().nextLong());

    /** Codes like int8_sym_v1's for Gaussian weights: round(x / max * 127), most within +-40. */
    static byte[] int8Codes(int n, SplittableRandom r) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) Math.max(-127, Math.min(127, Math.round(r.nextGaussian() * 127 / 4.5)));
        }
        return b;
    }

    static byte[] encode(byte[] src) {
        byte[] dst = new byte[(int) EntropyStage.maxEncodedSize(src.length)];
        long w = EntropyStage.encode(MemorySegment.ofArray(src), MemorySegment.ofArray(dst));
        return w < 0 ? null : Arrays.copyOf(dst, (int) w);
    }

    static byte[] decode(byte[] coded) {
        MemorySegment c = MemorySegment.ofArray(coded);
        byte[] out = new byte[(int) EntropyStage.decodedSize(c)];
        EntropyStage.decode(c, MemorySegment.ofArray(out));
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {40, 4097, 262_144, 262_145, 1_000_003})
    void int8CodesRoundTripNearTheirEntropy(int n) {
        byte[] codes = int8Codes(n, new SplittableRandom(SEED ^ n));
        byte[] coded = encode(codes);
        if (n < 100) {
            assertThat(coded)
                    .as("40 codes cannot pay for a 16-byte header and a table")
                    .isNull();
            return;
        }
        assertThat(coded).as("seed " + SEED).isNotNull();
        assertThat(decode(coded)).isEqualTo(codes);
        PlaneCoder p = new PlaneCoder();
        p.histogram(codes, 0, n);
        double entropyBytes = PlaneCoder.entropyBits(p.counts()) / 8;
        if (n >= 262_144) {
            assertThat((double) coded.length).isLessThan(entropyBytes * 1.02);
        }
    }

    @Test
    void incompressibleBytesAreDeclinedAndEmptyOnesCostAHeader() {
        byte[] random = new byte[300_000];
        new SplittableRandom(SEED).nextBytes(random);
        assertThat(encode(random)).isNull();
        byte[] empty = new byte[16];
        assertThat(EntropyStage.encode(MemorySegment.ofArray(new byte[0]), MemorySegment.ofArray(empty)))
                .isEqualTo(-1);
        assertThat(decode(empty.clone())).isEmpty();
    }

    @Test
    void hostilePayloadsAreRefused() {
        byte[] good = encode(int8Codes(600_000, new SplittableRandom(SEED ^ 7)));
        for (int len : new int[] {0, 15, 16, 24, 40, good.length / 2, good.length - 1}) {
            byte[] bad = Arrays.copyOf(good, len);
            assertThatThrownBy(() -> decode(bad))
                    .as("truncated to " + len)
                    .isInstanceOf(CorruptArtifactException.class);
        }
        assertThatThrownBy(() -> decode(Arrays.copyOf(good, good.length + 1)))
                .isInstanceOf(CorruptArtifactException.class);
        byte[] huge = good.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(8, Long.MAX_VALUE);
        // the caller sizes the destination from decodedSize: a hostile size fails before any allocation here
        assertThatThrownBy(() -> EntropyStage.decode(MemorySegment.ofArray(huge), MemorySegment.ofArray(new byte[10])))
                .isInstanceOf(CorruptArtifactException.class);
        for (int at : new int[] {0, 1, 4, 7, 16, 24, 32}) {
            for (long v : new long[] {-1, 0, Long.MAX_VALUE, Integer.MAX_VALUE}) {
                byte[] bad = good.clone();
                if (at == 4) {
                    ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(at, (int) v);
                } else if (at >= 16) {
                    ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
                } else {
                    bad[at] = (byte) (v == 0 ? 9 : v);
                }
                if (!Arrays.equals(bad, good)) {
                    assertThatThrownBy(() -> EntropyStage.decode(
                                    MemorySegment.ofArray(bad), MemorySegment.ofArray(new byte[600_000])))
                            .as("field at " + at + " = " + v)
                            .isInstanceOf(CorruptArtifactException.class);
                }
            }
        }
        SplittableRandom r = new SplittableRandom(SEED ^ 99);
        for (int trial = 0; trial < 300; trial++) {
            byte[] bad = good.clone();
            bad[r.nextInt(bad.length)] ^= (byte) (1 << r.nextInt(8));
            try {
                EntropyStage.decode(MemorySegment.ofArray(bad), MemorySegment.ofArray(new byte[600_000]));
            } catch (CorruptArtifactException expected) {
                // typed refusal
            }
        }
        assertThat(MemorySegment.ofArray(good).get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) EntropyStage.FORMAT);
    }
}
