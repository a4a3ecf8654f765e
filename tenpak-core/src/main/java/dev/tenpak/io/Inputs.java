package dev.tenpak.io;

import dev.tenpak.InvalidInputException;
import dev.tenpak.tensor.TensorSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Opens an input of any supported format as a {@link TensorSource}, detecting the format when asked. */
public final class Inputs {
    /** Formats tenpak reads tensors from. */
    public enum Format {
        AUTO, JSON;

        public static Format parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("unknown input format '" + s + "'; known: auto, json");
            }
        }
    }

    private Inputs() {}

    public static TensorSource open(Path path, Format format) {
        if (!Files.exists(path)) {
            throw new InvalidInputException(path + ": no such file or folder");
        }
        Format f = format == Format.AUTO ? detect(path) : format;
        return switch (f) {
            case JSON -> JsonBundleReader.open(path);
            case AUTO -> throw new IllegalStateException();
        };
    }

    /** Picks the format from the file name and first bytes. */
    public static Format detect(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".json")) {
            return Format.JSON;
        }
        throw new InvalidInputException(path + ": cannot tell the input format from the name; pass --format");
    }
}
