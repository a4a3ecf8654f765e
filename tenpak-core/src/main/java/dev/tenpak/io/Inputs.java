package dev.tenpak.io;

import dev.tenpak.InvalidInputException;
import dev.tenpak.TenpakIOException;
import dev.tenpak.tensor.TensorSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Opens an input of any supported format as a {@link TensorSource}, detecting the format when asked. */
public final class Inputs {
    /** Formats tenpak reads tensors from. */
    public enum Format {
        AUTO, JSON, SAFETENSORS, HF;

        public static Format parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("unknown input format '" + s + "'; known: auto, json, safetensors, hf");
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
            case SAFETENSORS -> SafetensorsReader.open(path);
            case HF -> HfFolder.open(Files.isDirectory(path) ? path : path.toAbsolutePath().getParent());
            case AUTO -> throw new IllegalStateException();
        };
    }

    /**
     * Picks the format: a folder (or its {@code model.safetensors.index.json}) is a Hugging Face
     * checkpoint; then the extension ({@code .safetensors}, {@code .json}); then the first bytes (a
     * plausible little-endian header length followed by {@code '{'} is safetensors, a leading
     * {@code '{'} is a JSON bundle).
     */
    public static Format detect(Path path) {
        if (Files.isDirectory(path)) {
            return Format.HF;
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.equals(HfFolder.INDEX)) {
            return Format.HF;
        }
        if (name.endsWith(".safetensors")) {
            return Format.SAFETENSORS;
        }
        if (name.endsWith(".json")) {
            return Format.JSON;
        }
        byte[] head = new byte[16];
        int n;
        long size;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
            size = Files.size(path);
        } catch (IOException e) {
            throw TenpakIOException.of(path, e);
        }
        if (n >= 9) {
            long headerLength = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            if (head[8] == '{' && headerLength > 0 && headerLength <= size - 8) {
                return Format.SAFETENSORS;
            }
        }
        for (int i = 0; i < n; i++) {
            if (head[i] == '{') {
                return Format.JSON;
            }
            if (!Character.isWhitespace(head[i])) {
                break;
            }
        }
        throw new InvalidInputException(path + ": cannot tell the input format from the name or the first bytes; "
                + "pass --format json|safetensors|hf");
    }
}
