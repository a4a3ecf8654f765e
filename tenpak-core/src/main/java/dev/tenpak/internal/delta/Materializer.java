package dev.tenpak.internal.delta;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.BaseMismatchException;
import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.error.ShapeMismatchException;
import dev.tenpak.internal.codec.raw.RawCodec;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.internal.io.SameFiles;
import dev.tenpak.options.MaterializeOptions;
import dev.tenpak.options.ProgressListener;
import dev.tenpak.report.MaterializeReport;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Rebuilds a full artifact from a base and a delta, one tensor at a time, in the variant's order
 * ({@value DeltaFormat#KEY_ORDER}): a tensor the delta does not hold is copied from the base
 * payload-for-payload (no decode); a full-mode delta tensor is copied from the delta the same way;
 * a residual-mode tensor is decoded base + decoded residual, an xor-mode tensor decoded base XOR
 * decoded delta, and an ulp-mode tensor the decoded base moved by the decoded ULP distances, all
 * written with the residual codec.
 *
 * <p>Error against the variant the delta was made from, per tensor: unchanged tensors differ by
 * their recorded mean absolute difference, at most epsilon; full and residual tensors by the MAE the
 * delta command reported. That holds exactly when residual tensors are written with
 * {@code raw_v1} (the default): the output then holds bit for bit the values the delta command
 * measured. Re-quantizing them with a lossy residual codec saves space but adds up to that codec's
 * rounding error (for int8_sym_v1, half a step of the rebuilt tensor's scale) on top.
 */
public final class Materializer {
    private Materializer() {}

    /**
     * Writes the fine-tune's full artifact; residual-mode tensors are stored with the options'
     * residual codec (raw_v1 when none), and progress counts bytes of the output's tensors.
     */
    public static MaterializeReport materialize(Path base, Path delta, Path output, MaterializeOptions options) {
        String residualCodec = options.residualCodec();
        boolean sync = options.sync();
        ProgressListener progress = options.progress();
        Codec rc = residualCodec == null || residualCodec.isEmpty() ? RawCodec.INSTANCE : Codecs.byName(residualCodec);
        SameFiles.refuse(output, base, "base");
        SameFiles.refuse(output, delta, "delta");
        try (ArtifactReader br = ArtifactReader.open(base);
                ArtifactReader dr = ArtifactReader.open(delta)) {
            DeltaFormat.requireFull(br, "the base");
            DeltaFormat.requireDelta(dr);
            String expected = dr.metadata().get(DeltaFormat.KEY_BASE);
            String actual = DeltaFormat.baseHash(br);
            if (!expected.equals(actual)) {
                throw new BaseMismatchException(delta.toString(), expected, base.toString(), actual);
            }
            List<String> order = DeltaFormat.readList(dr, DeltaFormat.KEY_ORDER);
            List<String> removed = DeltaFormat.readList(dr, DeltaFormat.KEY_REMOVED);
            Set<String> inOrder = new HashSet<>(order);
            for (TensorEntry e : dr.entries()) {
                if (!inOrder.contains(e.name())) {
                    throw new CorruptArtifactException(
                            dr.source(),
                            e.name(),
                            e.offset(),
                            "delta holds a tensor its " + DeltaFormat.KEY_ORDER + " does not list");
                }
            }
            int fromBase = 0;
            int fromDelta = 0;
            int rebuilt = 0;
            long size;
            progress.start("materialize", -1);
            try (ArtifactWriter w = ArtifactWriter.create(output, sync)) {
                if (br.entries().stream().anyMatch(TensorEntry::staged)
                        || dr.entries().stream().anyMatch(TensorEntry::staged)) {
                    w.allowStage(); // staged payloads are copied as they are stored
                }
                w.metadata(DeltaFormat.passThrough(dr.metadata()));
                for (String name : order) {
                    TensorEntry de = dr.find(name);
                    TensorEntry be = br.find(name);
                    TensorEntry shown = de != null ? de : be;
                    if (shown != null) {
                        progress.advance(shown.originalBytes());
                    }
                    if (de == null) {
                        if (be == null) {
                            throw new CorruptArtifactException(
                                    dr.source(),
                                    name,
                                    0,
                                    "tensor is in the variant's order but neither in the delta nor in the base");
                        }
                        copy(br, be, w);
                        fromBase++;
                        continue;
                    }
                    String mode = dr.metadata().getOrDefault(DeltaFormat.KEY_MODE_PREFIX + name, DeltaFormat.MODE_FULL);
                    if (mode.equals(DeltaFormat.MODE_FULL)) {
                        copy(dr, de, w);
                        fromDelta++;
                    } else if (mode.equals(DeltaFormat.MODE_RESIDUAL)) {
                        rebuild(br, be, dr, de, w, rc);
                        rebuilt++;
                    } else if (mode.equals(DeltaFormat.MODE_XOR) || mode.equals(DeltaFormat.MODE_ULP)) {
                        undo(br, be, dr, de, w, rc, mode);
                        rebuilt++;
                    } else {
                        throw new CorruptArtifactException(
                                dr.source(), name, de.offset(), "unknown delta mode '" + mode + "'");
                    }
                }
                size = w.finish();
            } finally {
                progress.finish();
            }
            return new MaterializeReport(
                    base.toString(),
                    delta.toString(),
                    output.toString(),
                    actual,
                    size,
                    order.size(),
                    fromBase,
                    fromDelta,
                    rebuilt,
                    removed.size(),
                    rc.name());
        }
    }

    private static void copy(ArtifactReader r, TensorEntry e, ArtifactWriter w) {
        // the stored bytes (entropy-coded ones too, with their stage) and their verified checksum
        w.writeEncoded(e.name(), e.dtype(), e.shape(), e.codec(), e.params(), r.payload(e), e.crc32c(), e.stage());
    }

    /**
     * An exact entry applied to the decoded base ({@code xor}: decode(delta) XOR decode(base);
     * {@code ulp}: the base moved by the decoded ULP distances): the variant's exact bytes, written
     * with the residual codec.
     */
    private static void undo(
            ArtifactReader br,
            TensorEntry be,
            ArtifactReader dr,
            TensorEntry de,
            ArtifactWriter w,
            Codec rc,
            String mode) {
        if (be == null) {
            throw new CorruptArtifactException(
                    dr.source(), de.name(), de.offset(), mode + " tensor has no base tensor to apply to");
        }
        if (be.dtype() != de.dtype() || !be.shape().equals(de.shape())) {
            throw new ShapeMismatchException(dr.source() + ": " + mode + " tensor '" + de.name() + "' is "
                    + de.shape() + " " + de.dtype() + " but the base's is " + be.shape() + " " + be.dtype()
                    + "; an " + mode + " tensor needs a base tensor of the same dtype and shape");
        }
        boolean ulp = mode.equals(DeltaFormat.MODE_ULP);
        if (ulp && !Residuals.hasUlps(de.dtype())) {
            throw new CorruptArtifactException(
                    dr.source(),
                    de.name(),
                    de.offset(),
                    "an ulp tensor must be a float tensor, index says " + de.dtype());
        }
        try (Arena arena = Arena.ofConfined()) {
            Tensor d = dr.read(de, arena);
            Tensor b = br.read(be, arena);
            Tensor t = ulp ? Residuals.unUlp(d, b, arena) : Residuals.xor(d, b, arena);
            w.write(t, rc.accepts(t.dtype()) ? rc : RawCodec.INSTANCE);
        }
    }

    private static void rebuild(
            ArtifactReader br, TensorEntry be, ArtifactReader dr, TensorEntry de, ArtifactWriter w, Codec rc) {
        if (be == null) {
            throw new CorruptArtifactException(
                    dr.source(), de.name(), de.offset(), "residual tensor has no base tensor to apply to");
        }
        if (de.dtype() != DType.F32) {
            throw new CorruptArtifactException(
                    dr.source(), de.name(), de.offset(), "a residual tensor must be F32, index says " + de.dtype());
        }
        if (!be.dtype().isCompressible() || !be.shape().equals(de.shape())) {
            throw new ShapeMismatchException(dr.source() + ": residual tensor '" + de.name() + "' is " + de.shape()
                    + " but the base's is " + be.shape() + " " + be.dtype()
                    + "; a residual needs a float base tensor of the same shape");
        }
        Codec dc = Codecs.byName(de.codec());
        try (Arena arena = Arena.ofConfined()) {
            Tensor b = br.read(be, arena);
            Tensor t = Residuals.apply(b, dc, de.params(), dr.codecPayload(de, arena), arena);
            w.write(t, rc.accepts(t.dtype()) ? rc : RawCodec.INSTANCE);
        }
    }
}
