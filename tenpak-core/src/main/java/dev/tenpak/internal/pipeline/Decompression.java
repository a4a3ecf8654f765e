package dev.tenpak.internal.pipeline;

import dev.tenpak.internal.format.Outputs;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.internal.format.compressedtensors.CompressedTensorsExport;
import dev.tenpak.internal.format.hf.HfFolder;
import dev.tenpak.internal.format.json.JsonBundleWriter;
import dev.tenpak.internal.format.safetensors.SafetensorsWriter;
import dev.tenpak.internal.io.AtomicFiles;
import dev.tenpak.internal.io.PositionalWrites;
import dev.tenpak.internal.io.SameFiles;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.OutputFormat;
import dev.tenpak.options.ProgressListener;
import dev.tenpak.report.ExportReport;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decompress as the facade offers it: an artifact to a JSON bundle (streamed tensor by tensor), or
 * to a safetensors file or Hugging Face folder whose tensors a {@link ParallelDecoder} decodes
 * straight into their place in the output file.
 */
public final class Decompression {
    private Decompression() {}

    /** Decodes {@code artifact} into {@code output} in the options' format ({@code AUTO}: from the path). */
    public static void decompress(Path artifact, Path output, DecompressOptions options) {
        OutputFormat f = options.format() == OutputFormat.AUTO ? Outputs.detect(output) : options.format();
        if (f == OutputFormat.COMPRESSED_TENSORS) {
            exportCompressedTensors(artifact, output, options);
            return;
        }
        SameFiles.refuse(output, artifact, "artifact");
        if (f == OutputFormat.JSON) {
            try (ArtifactReader r = ArtifactReader.open(artifact)) {
                AtomicFiles.write(output, options.sync(), out -> writeJson(r, out, output.toString()));
            }
            return;
        }
        try (ArtifactReader r = ArtifactReader.open(artifact);
                ParallelDecoder decoder = new ParallelDecoder(options.threads())) {
            ProgressListener progress = options.progress();
            long total =
                    r.entries().stream().mapToLong(TensorEntry::originalBytes).sum();
            progress.start("decompress", total);
            try {
                if (f == OutputFormat.HF) {
                    toHf(r, artifact, output, decoder, options.sync(), progress);
                } else {
                    toSafetensors(r, r.entries(), r.metadata(), output, decoder, options.sync(), progress);
                }
            } finally {
                progress.finish();
            }
        }
    }

    /** Artifact bytes held in memory to a JSON bundle (the C entry point's contract). */
    public static byte[] decompressArtifactToJson(byte[] artifact) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ArtifactReader r = ArtifactReader.of(artifact, "<artifact>")) {
            writeJson(r, out, "<json bundle>");
        }
        return out.toByteArray();
    }

    /** Writes {@code entries} of {@code r} as one safetensors file, decoding on {@code decoder}'s threads. */
    public static long toSafetensors(
            ArtifactReader r,
            List<TensorEntry> entries,
            Map<String, String> metadata,
            Path target,
            ParallelDecoder decoder,
            boolean sync,
            ProgressListener progress) {
        List<SafetensorsWriter.Entry> layout = new ArrayList<>(entries.size());
        for (TensorEntry e : entries) {
            layout.add(new SafetensorsWriter.Entry(e.name(), e.dtype(), e.shape()));
        }
        return SafetensorsWriter.write(
                layout,
                metadata,
                target,
                sync,
                (ch, offsets) -> decoder.decodeAll(r, entries, ch, offsets, target, progress));
    }

    /**
     * Writes the artifact as a Hugging Face checkpoint folder (carried files, then the shards), all
     * checked before anything is written and swapped in whole ({@link HfFolder#write}); refused when
     * it would replace {@code artifact} itself.
     */
    public static long toHf(
            ArtifactReader r,
            Path artifact,
            Path dir,
            ParallelDecoder decoder,
            boolean sync,
            ProgressListener progress) {
        Map<String, TensorEntry> byName = new HashMap<>();
        List<String> names = new ArrayList<>();
        for (TensorEntry e : r.entries()) {
            byName.put(e.name(), e);
            names.add(e.name());
        }
        HfFolder.Layout layout = HfFolder.layout(r.source(), r.metadata(), names);
        if (artifact != null && Files.isDirectory(dir)) {
            for (String rel : layout.paths()) {
                SameFiles.refuse(dir.resolve(rel), artifact, "artifact");
            }
        }
        return HfFolder.write(layout, r.metadata(), dir, sync, (shard, meta, file) -> {
            List<TensorEntry> entries = shard.stream().map(byName::get).toList();
            return toSafetensors(r, entries, meta, file, decoder, sync, progress);
        });
    }

    /**
     * Writes the artifact as a compressed-tensors folder ({@link CompressedTensorsExport}): planned and
     * checked whole first, then built beside {@code dir} and swapped in ({@link HfFolder#write}), so
     * a failure (a checksum, a full disk) leaves {@code dir} as it was.
     */
    public static ExportReport exportCompressedTensors(Path artifact, Path dir, DecompressOptions options) {
        SameFiles.refuse(dir, artifact, "artifact");
        try (ArtifactReader r = ArtifactReader.open(artifact);
                ParallelDecoder decoder = new ParallelDecoder(options.threads())) {
            CompressedTensorsExport.Plan plan = CompressedTensorsExport.plan(r);
            if (Files.isDirectory(dir)) {
                for (String rel : plan.layout().paths()) {
                    SameFiles.refuse(dir.resolve(rel), artifact, "artifact");
                }
            }
            ProgressListener progress = options.progress();
            long total =
                    r.entries().stream().mapToLong(TensorEntry::originalBytes).sum();
            progress.start("export", total);
            long bytes;
            try {
                bytes = HfFolder.write(
                        plan.layout(),
                        r.metadata(),
                        dir,
                        options.sync(),
                        (shard, meta, file) ->
                                writeExportShard(r, plan, shard, meta, file, decoder, options.sync(), progress));
            } finally {
                progress.finish();
            }
            return new ExportReport(dir.toString(), plan.quantized(), plan.dense(), bytes);
        }
    }

    private static long writeExportShard(
            ArtifactReader r,
            CompressedTensorsExport.Plan plan,
            List<String> names,
            Map<String, String> meta,
            Path file,
            ParallelDecoder decoder,
            boolean sync,
            ProgressListener progress) {
        List<SafetensorsWriter.Entry> layout = new ArrayList<>(names.size());
        List<CompressedTensorsExport.Output> outs = new ArrayList<>(names.size());
        for (String name : names) {
            CompressedTensorsExport.Output o = plan.outputs().get(name);
            outs.add(o);
            layout.add(new SafetensorsWriter.Entry(o.name(), o.dtype(), o.shape()));
        }
        return SafetensorsWriter.write(layout, meta, file, sync, (ch, offsets) -> {
            List<TensorEntry> dense = new ArrayList<>();
            List<Long> denseAt = new ArrayList<>();
            for (int i = 0; i < outs.size(); i++) {
                if (outs.get(i).source() instanceof CompressedTensorsExport.Source.Dense d) {
                    dense.add(d.entry());
                    denseAt.add(offsets[i]);
                }
            }
            decoder.decodeAll(
                    r, dense, ch, denseAt.stream().mapToLong(Long::longValue).toArray(), file, progress);
            for (int i = 0; i < outs.size(); i++) {
                CompressedTensorsExport.Output o = outs.get(i);
                if (o.source() instanceof CompressedTensorsExport.Source.Dense) {
                    continue;
                }
                long size = o.dtype().byteSizeFor(o.shape().elementCount());
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment bytes = arena.allocate(Math.max(1, size)).asSlice(0, size);
                    CompressedTensorsExport.fill(r, o, bytes);
                    PositionalWrites.write(ch, bytes, offsets[i], file);
                }
                if (o.source() instanceof CompressedTensorsExport.Source.Packed p) {
                    progress.advance(p.weight().originalBytes());
                }
            }
        });
    }

    private static void writeJson(ArtifactReader r, OutputStream out, String target) {
        JsonBundleWriter w = new JsonBundleWriter(out, target);
        try (TensorSource tensors = r.tensors()) {
            for (Tensor t = tensors.next(); t != null; t = tensors.next()) {
                w.write(t);
            }
        }
        w.close();
    }
}
