package dev.tenpak.internal.delta;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.NonFiniteValueException;
import dev.tenpak.internal.format.Inputs;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.internal.io.CountingChannel;
import dev.tenpak.internal.io.SameFiles;
import dev.tenpak.internal.pipeline.EncodedTensor;
import dev.tenpak.internal.pipeline.TensorTrial;
import dev.tenpak.options.DeltaOptions;
import dev.tenpak.report.DeltaReport;
import dev.tenpak.report.ErrorMetrics;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a delta of a variant against a base artifact, streaming: one variant tensor and the
 * matching decoded base tensor in memory at a time.
 *
 * <p>Per variant tensor {@code v} with base entry {@code b} (decoded, in its dtype):
 * <ul>
 *   <li>no base tensor of that name: {@code new}, stored in full;
 *   <li>different dtype or shape: {@code dtype changed} / {@code shape changed}, stored in full;
 *   <li>float tensors: {@code d = (1/n) * sum |v_i - b_i|} ({@link Residuals#meanAbsDiff}); stored
 *       ({@code changed}) when {@code d > epsilon} or {@code d} is not finite, else {@code unchanged};
 *   <li>other dtypes: {@code changed} unless the bytes are identical.
 * </ul>
 * A changed float tensor is stored in one of two modes of the same codec and, for the per-tensor
 * codecs, the same payload size: {@code full}, the variant itself, or {@code residual}, the F32
 * difference {@code v - b} that materialize adds back to the decoded base. The mode with the
 * smaller MAE against {@code v} (as materialize will reconstruct it) wins; residual also needs a
 * lossy codec and a payload no larger than full. A small fine-tuning step on large weights has a
 * residual with a much smaller range than the weights, hence a much finer quantization step.
 *
 * <p>An exact delta ({@link DeltaOptions#bitExact()}) compares bits instead: a tensor is unchanged only
 * when its bytes equal the decoded base's, and a changed one is stored losslessly either in full or
 * as its difference from the decoded base ({@code ulp} for floats, {@code xor} for the rest),
 * whichever is smaller.
 *
 * <p>Base tensors absent from the variant are recorded as removed, and the variant's full name
 * order is recorded, so materialize gives back exactly the variant's tensors in the variant's order.
 * The variant is also compressed in full with the same codec into a counting channel, so the report
 * can state the delta's size as a fraction of the full artifact.
 */
public final class DeltaBuilder {
    private DeltaBuilder() {}

    public static DeltaReport build(Path base, Path variant, Path output, DeltaOptions options) {
        SameFiles.refuse(output, base, "base");
        SameFiles.refuse(output, Inputs.files(variant, options.inputFormat()), "variant");
        try (ArtifactReader br = ArtifactReader.open(base);
                TensorSource vs = Inputs.open(variant, options.inputFormat())) {
            DeltaFormat.requireFull(br, "the base");
            return build(br, vs, output, options);
        }
    }

    /**
     * Like {@link #build(Path, Path, Path, DeltaOptions)} for a variant that is already a source (the
     * Python bridge hands a fine-tune's state_dict over by address, with no file in between); the
     * caller keeps ownership of {@code variant} and closes it.
     */
    public static DeltaReport build(Path base, TensorSource variant, Path output, DeltaOptions options) {
        SameFiles.refuse(output, base, "base");
        try (ArtifactReader br = ArtifactReader.open(base)) {
            DeltaFormat.requireFull(br, "the base");
            return build(br, variant, output, options);
        }
    }

    static DeltaReport build(ArtifactReader br, TensorSource vs, Path output, DeltaOptions options) {
        Codec codec = Codecs.byName(options.codec());
        String baseHash = DeltaFormat.baseHash(br);
        CountingChannel fullBytes = new CountingChannel();
        ArtifactWriter full = ArtifactWriter.to(fullBytes, "full variant");
        full.artifactCodec(codec.name()).metadata(vs.metadata());
        ErrorMetrics.Accumulator fullError = new ErrorMetrics.Accumulator();

        List<DeltaReport.Entry> entries = new ArrayList<>();
        List<String> order = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Map<String, String> modes = new LinkedHashMap<>();
        int changed = 0;
        int added = 0;
        int unchanged = 0;
        long deltaBytes;
        long variantBytes = 0;
        try (ArtifactWriter w = ArtifactWriter.create(output, options.sync())) {
            w.artifactCodec(codec.name());
            for (Tensor v = vs.next(); v != null; v = vs.next()) {
                order.add(v.name());
                variantBytes += v.byteSize();
                seen.add(v.name());
                try (Arena arena = Arena.ofConfined()) {
                    TensorTrial whole = TensorTrial.run(v, codec, arena);
                    whole.encoded().writeTo(full);
                    fullError.add(whole.error());
                    TensorEntry be = br.find(v.name());
                    String status = be == null
                            ? "new"
                            : be.dtype() != v.dtype()
                                    ? "dtype changed"
                                    : !be.shape().equals(v.shape()) ? "shape changed" : null;
                    double diff = Double.NaN;
                    if (status == null) {
                        Tensor b = br.read(be, arena);
                        if (options.exact()) {
                            boolean same = v.data().mismatch(b.data()) == -1;
                            diff = same ? 0 : v.dtype().isCompressible() ? Residuals.meanAbsDiff(v, b) : Double.NaN;
                            status = same ? "unchanged" : "changed";
                        } else if (v.dtype().isCompressible()) {
                            diff = Residuals.meanAbsDiff(v, b);
                            status = diff <= options.epsilon() ? "unchanged" : "changed";
                        } else {
                            boolean same = v.data().mismatch(b.data()) == -1;
                            diff = same ? 0 : Double.NaN;
                            status = same ? "unchanged" : "changed";
                        }
                        if (status.equals("changed")) {
                            Stored s = options.exact()
                                    ? storeExact(v, b, whole, codec, arena)
                                    : store(v, b, whole, codec, arena);
                            s.enc().writeTo(w);
                            modes.put(v.name(), s.mode());
                            changed++;
                            entries.add(new DeltaReport.Entry(
                                    v.name(),
                                    status,
                                    v.dtype().name(),
                                    v.shape().dims(),
                                    s.mode(),
                                    s.enc().codec().name(),
                                    finite(diff),
                                    s.mae(),
                                    whole.error().mae(),
                                    s.enc().payload().byteSize()));
                            continue;
                        }
                        unchanged++;
                        entries.add(new DeltaReport.Entry(
                                v.name(),
                                status,
                                v.dtype().name(),
                                v.shape().dims(),
                                null,
                                null,
                                finite(diff),
                                v.dtype().isCompressible() ? diff : 0,
                                whole.error().mae(),
                                0));
                        continue;
                    }
                    // new, or its dtype/shape changed: only the full variant makes sense
                    whole.encoded().writeTo(w);
                    modes.put(v.name(), DeltaFormat.MODE_FULL);
                    if (status.equals("new")) {
                        added++;
                    } else {
                        changed++;
                    }
                    entries.add(new DeltaReport.Entry(
                            v.name(),
                            status,
                            v.dtype().name(),
                            v.shape().dims(),
                            DeltaFormat.MODE_FULL,
                            whole.storedCodec(),
                            null,
                            whole.error().mae(),
                            whole.error().mae(),
                            whole.storedBytes()));
                }
            }
            List<String> removed = new ArrayList<>();
            for (TensorEntry e : br.entries()) {
                if (!seen.contains(e.name())) {
                    removed.add(e.name());
                    entries.add(new DeltaReport.Entry(
                            e.name(), "removed", e.dtype().name(), e.shape().dims(), null, null, null, null, null, 0));
                }
            }
            Map<String, String> meta = new LinkedHashMap<>(vs.metadata());
            meta.keySet().removeIf(k -> k.startsWith(DeltaFormat.PREFIX));
            meta.put(
                    DeltaFormat.KEY_VERSION,
                    String.valueOf(
                            modes.containsValue(DeltaFormat.MODE_XOR) || modes.containsValue(DeltaFormat.MODE_ULP)
                                    ? DeltaFormat.VERSION_EXACT
                                    : DeltaFormat.VERSION));
            meta.put(DeltaFormat.KEY_BASE, baseHash);
            meta.put(DeltaFormat.KEY_EPSILON, Double.toString(options.epsilon()));
            meta.put(DeltaFormat.KEY_CODEC, codec.name());
            meta.put(DeltaFormat.KEY_ORDER, DeltaFormat.jsonList(order));
            meta.put(DeltaFormat.KEY_REMOVED, DeltaFormat.jsonList(removed));
            modes.forEach((name, mode) -> meta.put(DeltaFormat.KEY_MODE_PREFIX + name, mode));
            w.metadata(meta);
            deltaBytes = w.finish();
            long fullSize = full.finish();
            return new DeltaReport(
                    br.source(),
                    baseHash,
                    vs.description(),
                    output.toString(),
                    codec.name(),
                    options.epsilon(),
                    deltaBytes,
                    fullSize,
                    fullError.result().mae(),
                    variantBytes,
                    options.exact(),
                    changed,
                    added,
                    removed.size(),
                    unchanged,
                    List.copyOf(entries));
        }
    }

    private static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }

    private record Stored(EncodedTensor enc, String mode, double mae) {}

    /**
     * Exact: for float tensors the distance from {@code b} to {@code v} in units in the last place
     * ({@code ulp}), for the others the XOR of their bits ({@code xor}), or {@code v} itself, all
     * through the (lossless) codec, whichever is smaller. A fine-tuning step moves most weights by a
     * few ULPs, so the high byte planes are almost all zero and the low ones hold small numbers.
     */
    private static Stored storeExact(Tensor v, Tensor b, TensorTrial whole, Codec codec, Arena arena) {
        Stored full = new Stored(whole.encoded(), DeltaFormat.MODE_FULL, 0);
        boolean ulps = Residuals.hasUlps(v.dtype());
        Tensor d = ulps ? Residuals.ulp(v, b, arena) : Residuals.xor(v, b, arena);
        EncodedTensor enc = EncodedTensor.encode(d, codec, arena);
        return enc.payload().byteSize() < whole.storedBytes()
                ? new Stored(enc, ulps ? DeltaFormat.MODE_ULP : DeltaFormat.MODE_XOR, 0)
                : full;
    }

    /** Full or residual, whichever reconstructs {@code v} with the smaller MAE for no more bytes. */
    private static Stored store(Tensor v, Tensor b, TensorTrial whole, Codec codec, Arena arena) {
        Stored full =
                new Stored(whole.encoded(), DeltaFormat.MODE_FULL, whole.error().mae());
        if (codec.lossless() || whole.fallback() != null || !v.dtype().isCompressible()) {
            return full;
        }
        Tensor r = Residuals.difference(v, b, arena);
        EncodedTensor enc;
        try {
            enc = EncodedTensor.encode(r, codec, arena);
        } catch (NonFiniteValueException e) {
            return full; // v - b overflowed float; the full variant is the only choice
        }
        if (enc.payload().byteSize() > whole.storedBytes()) {
            return full;
        }
        Tensor rebuilt = Residuals.apply(b, codec, enc.params(), enc.payload(), arena);
        double mae = Residuals.meanAbsDiff(rebuilt, v);
        return mae < full.mae() ? new Stored(enc, DeltaFormat.MODE_RESIDUAL, mae) : full;
    }
}
