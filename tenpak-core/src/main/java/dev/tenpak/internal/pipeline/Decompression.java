package dev.tenpak.internal.pipeline;

import dev.tenpak.internal.format.Outputs;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.internal.format.hf.HfFolder;
import dev.tenpak.internal.format.json.JsonBundleWriter;
import dev.tenpak.internal.format.safetensors.SafetensorsWriter;
import dev.tenpak.internal.io.AtomicFiles;
import dev.tenpak.internal.io.SameFiles;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.OutputFormat;
import dev.tenpak.options.ProgressListener;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
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
            long total = r.entries().stream().mapToLong(TensorEntry::originalBytes).sum();
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
    public static long toSafetensors(ArtifactReader r, List<TensorEntry> entries, Map<String, String> metadata,
                                     Path target, ParallelDecoder decoder, boolean sync, ProgressListener progress) {
        List<SafetensorsWriter.Entry> layout = new ArrayList<>(entries.size());
        for (TensorEntry e : entries) {
            layout.add(new SafetensorsWriter.Entry(e.name(), e.dtype(), e.shape()));
        }
        return SafetensorsWriter.write(layout, metadata, target, sync,
                (ch, offsets) -> decoder.decodeAll(r, entries, ch, offsets, target, progress));
    }

    /**
     * Writes the artifact as a Hugging Face checkpoint folder (carried files, then the shards), all
     * checked before anything is written and swapped in whole ({@link HfFolder#write}); refused when
     * it would replace {@code artifact} itself.
     */
    public static long toHf(ArtifactReader r, Path artifact, Path dir, ParallelDecoder decoder, boolean sync,
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
