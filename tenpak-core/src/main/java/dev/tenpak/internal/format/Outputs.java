package dev.tenpak.internal.format;

import dev.tenpak.options.OutputFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Output formats of {@code decompress}, and how the format is picked from the output path. */
public final class Outputs {

    private Outputs() {}

    /**
     * {@code .safetensors} is safetensors; an existing folder, or a name without an extension, is a
     * Hugging Face folder; anything else (including {@code .json}) is a JSON bundle, as before
     * safetensors support existed.
     */
    public static OutputFormat detect(Path output) {
        String name = output.getFileName() == null
                ? ""
                : output.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) {
            return OutputFormat.SAFETENSORS;
        }
        if (Files.isDirectory(output) || !name.contains(".")) {
            return OutputFormat.HF;
        }
        return OutputFormat.JSON;
    }
}
