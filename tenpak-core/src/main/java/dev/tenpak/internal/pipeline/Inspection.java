package dev.tenpak.internal.pipeline;

import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.ReservedKeys;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.report.ArtifactSummary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code inspect}: an artifact's index, with every payload's checksum verified. */
public final class Inspection {
    private Inspection() {}

    public static ArtifactSummary inspect(Path artifact) {
        try (ArtifactReader r = ArtifactReader.open(artifact)) {
            List<ArtifactSummary.Entry> list = new ArrayList<>();
            boolean allOk = true;
            for (TensorEntry e : r.entries()) {
                boolean ok = r.verify(e);
                allOk &= ok;
                list.add(new ArtifactSummary.Entry(
                        e.name(),
                        e.shape().dims(),
                        e.dtype().name(),
                        e.codec(),
                        e.length(),
                        e.originalBytes(),
                        String.format(Locale.ROOT, "%08x", e.crc32c()),
                        ok,
                        e.staged() ? "entropy" : "none",
                        e.shape().elementCount() == 0
                                ? 0
                                : 8.0 * e.length() / e.shape().elementCount()));
            }
            return new ArtifactSummary(
                    artifact.toString(),
                    r.byteSize(),
                    r.version(),
                    r.codec(),
                    shownMetadata(r.source(), r.metadata()),
                    list,
                    allOk);
        }
    }

    /**
     * Metadata as inspect shows it: carried files as their size, not their base64 bytes; a carried
     * file that is not valid base64 makes the artifact corrupt.
     */
    private static Map<String, String> shownMetadata(String source, Map<String, String> meta) {
        Map<String, String> shown = new LinkedHashMap<>();
        meta.forEach((k, v) -> {
            if (!k.startsWith(ReservedKeys.HF_FILE_PREFIX)) {
                shown.put(k, v);
                return;
            }
            try {
                shown.put(k, "<embedded file, " + Base64.getDecoder().decode(v).length + " bytes>");
            } catch (IllegalArgumentException e) {
                throw new CorruptArtifactException(
                        source,
                        null,
                        0,
                        "carried file '" + k.substring(ReservedKeys.HF_FILE_PREFIX.length()) + "' is not valid base64");
            }
        });
        return shown;
    }
}
