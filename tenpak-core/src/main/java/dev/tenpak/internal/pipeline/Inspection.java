package dev.tenpak.internal.pipeline;

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
                list.add(new ArtifactSummary.Entry(e.name(), e.shape().dims(), e.dtype().name(), e.codec(), e.length(),
                        e.originalBytes(), String.format(Locale.ROOT, "%08x", e.crc32c()), ok));
            }
            return new ArtifactSummary(artifact.toString(), r.byteSize(), r.version(), r.codec(),
                    shownMetadata(r.metadata()), list, allOk);
        }
    }

    /** Metadata as inspect shows it: carried files as their size, not their base64 bytes. */
    private static Map<String, String> shownMetadata(Map<String, String> meta) {
        Map<String, String> shown = new LinkedHashMap<>();
        meta.forEach((k, v) -> shown.put(k, k.startsWith(ReservedKeys.HF_FILE_PREFIX)
                ? "<embedded file, " + Base64.getDecoder().decode(v).length + " bytes>" : v));
        return shown;
    }
}
