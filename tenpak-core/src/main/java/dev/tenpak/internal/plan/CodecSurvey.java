package dev.tenpak.internal.plan;

import dev.tenpak.codec.Codec;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.internal.io.CountingChannel;
import dev.tenpak.internal.pipeline.TensorTrial;
import dev.tenpak.report.ErrorMetrics;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a set of codecs over a tensor source in one pass: tensors in the outer loop, codecs in the
 * inner loop, so the input is read (and parsed) once however many codecs there are. Each codec's
 * payloads are appended to its own {@link ArtifactWriter} over a {@link CountingChannel}, with the
 * same metadata and artifact codec string that {@code compress --codec} writes, so
 * {@link Totals#artifactBytes()} is the exact size that compress would produce.
 *
 * <p>Memory: one tensor and its encodings under every codec at a time.
 */
public final class CodecSurvey {
    /**
     * Called once per tensor while its trials' payloads are still alive (in the order of
     * {@code codecs}), with how each trial's payload is stored.
     */
    @FunctionalInterface
    public interface Listener {
        void tensor(Tensor tensor, List<TensorTrial> trials, List<Stored> stored);
    }

    /**
     * How one trial's payload is stored in the artifact.
     *
     * @param bytes  the payload bytes the artifact's index records: without the entropy stage, the
     *               payload as the codec wrote it; with it, the smaller of that and the stage's bytes
     *               (the rule compress applies, by running the stage)
     * @param staged the stage's bytes when they are what is stored, else null; valid only during the
     *               {@link Listener} call
     */
    public record Stored(long bytes, MemorySegment staged) {}

    /**
     * One codec's figures over the whole input.
     *
     * @param artifactBytes exact size of the artifact compress would write with this codec
     * @param tensorBytes   the tensors' size in their own dtypes
     * @param elements      elements over all tensors
     * @param error         element-weighted reconstruction error
     * @param entropyArtifactBytes exact size of the artifact compress would write with this codec
     *                      and {@code --entropy auto}; -1 when not measured
     */
    public record Totals(
            String codec,
            long artifactBytes,
            long tensorBytes,
            long elements,
            ErrorMetrics error,
            long encodeNanos,
            long decodeNanos,
            long entropyArtifactBytes) {
        public double ratio() {
            return artifactBytes == 0 ? 0 : (double) tensorBytes / artifactBytes;
        }

        /** Artifact bits (index, padding and all) per element. */
        public double bitsPerWeight() {
            return elements == 0 ? 0 : artifactBytes * 8.0 / elements;
        }

        /** As {@link #bitsPerWeight()} with the entropy stage; NaN when not measured. */
        public double entropyBitsPerWeight() {
            return entropyArtifactBytes < 0 ? Double.NaN : elements == 0 ? 0 : entropyArtifactBytes * 8.0 / elements;
        }
    }

    private CodecSurvey() {}

    /**
     * Surveys {@code codecs} over every tensor of {@code source}, timing the fastest of {@code
     * repeats} encodes and decodes per tensor and codec; returns one {@link Totals} per codec, in
     * order. With {@code entropy}, also writes each codec's payloads through the entropy stage
     * (where it makes them smaller, as {@code compress --entropy auto}) to a second counting writer,
     * for {@link Totals#entropyArtifactBytes()}, and gives the listener each payload's size as so
     * stored ({@link Stored}). The stage is not timed.
     */
    public static List<Totals> run(
            TensorSource source, List<Codec> codecs, int repeats, boolean entropy, Listener listener) {
        int k = codecs.size();
        ArtifactWriter[] staged = new ArtifactWriter[entropy ? k : 0];
        CountingChannel[] channels = new CountingChannel[k];
        ArtifactWriter[] writers = new ArtifactWriter[k];
        ErrorMetrics.Accumulator[] errors = new ErrorMetrics.Accumulator[k];
        long[] enc = new long[k];
        long[] dec = new long[k];
        for (int i = 0; i < k; i++) {
            channels[i] = new CountingChannel();
            writers[i] = ArtifactWriter.to(channels[i], codecs.get(i).name() + " candidate");
            writers[i].artifactCodec(codecs.get(i).name());
            writers[i].metadata(source.metadata());
            errors[i] = new ErrorMetrics.Accumulator();
            if (entropy) {
                staged[i] =
                        ArtifactWriter.to(new CountingChannel(), codecs.get(i).name() + " staged candidate");
                staged[i].artifactCodec(codecs.get(i).name());
                staged[i].metadata(source.metadata());
            }
        }
        long tensorBytes = 0;
        long elements = 0;
        for (Tensor t = source.next(); t != null; t = source.next()) {
            tensorBytes += t.byteSize();
            elements += t.elementCount();
            try (Arena arena = Arena.ofConfined()) {
                List<TensorTrial> trials = new ArrayList<>(k);
                List<Stored> stored = new ArrayList<>(k);
                for (int i = 0; i < k; i++) {
                    TensorTrial trial = TensorTrial.run(t, codecs.get(i), arena, repeats);
                    trial.encoded().writeTo(writers[i]);
                    MemorySegment st = entropy ? trial.encoded().stage(arena) : null;
                    if (entropy) {
                        trial.encoded().writeStaged(staged[i], st);
                    }
                    stored.add(new Stored(st == null ? trial.storedBytes() : st.byteSize(), st));
                    errors[i].add(trial.error());
                    enc[i] += trial.encodeNanos();
                    dec[i] += trial.decodeNanos();
                    trials.add(trial);
                }
                listener.tensor(t, trials, stored);
            }
        }
        List<Totals> totals = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            long size = writers[i].finish();
            long stagedSize = entropy ? staged[i].finish() : -1;
            totals.add(new Totals(
                    codecs.get(i).name(), size, tensorBytes, elements, errors[i].result(), enc[i], dec[i], stagedSize));
        }
        return totals;
    }
}
