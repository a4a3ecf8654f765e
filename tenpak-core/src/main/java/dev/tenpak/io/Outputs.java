package dev.tenpak.io;

import dev.tenpak.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Output formats of {@code decompress}, and how the format is picked from the output path. */
public final class Outputs {
    /** Formats tenpak writes tensors to. */
    public enum Format {
        /** From the output path: see {@link #detect}. */
        AUTO,
        /** A JSON bundle (float tensors only). */
        JSON,
        /** One safetensors file, each tensor in its original dtype. */
        SAFETENSORS,
        /** A Hugging Face checkpoint folder: weights plus the config and tokenizer files the artifact carries. */
        HF;

        public static Format parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("unknown output format '" + s + "'; known: auto, json, safetensors, hf");
            }
        }
    }

    private Outputs() {}

    /**
     * {@code .safetensors} is safetensors; an existing folder, or a name without an extension, is a
     * Hugging Face folder; anything else (including {@code .json}) is a JSON bundle, as before
     * safetensors support existed.
     */
    public static Format detect(Path output) {
        String name = output.getFileName() == null ? "" : output.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) {
            return Format.SAFETENSORS;
        }
        if (Files.isDirectory(output) || !name.contains(".")) {
            return Format.HF;
        }
        return Format.JSON;
    }
}
