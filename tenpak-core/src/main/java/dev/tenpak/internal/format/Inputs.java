package dev.tenpak.internal.format;

import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.TenpakIOException;
import dev.tenpak.internal.format.hf.HfFolder;
import dev.tenpak.internal.format.json.JsonBundleReader;
import dev.tenpak.internal.format.safetensors.SafetensorsReader;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.InputFormat;
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

    private Inputs() {}

    public static TensorSource open(Path path, InputFormat format) {
        return open(path, format, CompressOptions.DEFAULT_MAX_CARRIED_BYTES);
    }

    /** As {@link #open(Path, InputFormat)}; a Hugging Face folder may carry {@code maxCarriedBytes} of non-weight files. */
    public static TensorSource open(Path path, InputFormat format, long maxCarriedBytes) {
        if (!Files.exists(path)) {
            throw new InvalidInputException(path + ": no such file or folder");
        }
        InputFormat f = format == InputFormat.AUTO ? detect(path) : format;
        return switch (f) {
            case JSON -> JsonBundleReader.open(path);
            case SAFETENSORS -> SafetensorsReader.open(path);
            case HF -> HfFolder.open(hfFolder(path), maxCarriedBytes);
            case AUTO -> throw new IllegalStateException();
        };
    }

    /**
     * What an input reads from disk: the file, or for a Hugging Face input the whole folder (an
     * output must be none of its files). {@code path} itself when it does not exist or the format
     * cannot be told (opening it reports that).
     */
    public static Path files(Path path, InputFormat format) {
        if (!Files.exists(path)) {
            return path;
        }
        InputFormat f;
        try {
            f = format == InputFormat.AUTO ? detect(path) : format;
        } catch (InvalidInputException e) {
            return path;
        }
        return f == InputFormat.HF ? hfFolder(path) : path;
    }

    private static Path hfFolder(Path path) {
        return Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
    }

    /**
     * Picks the format: a folder (or its {@code model.safetensors.index.json}) is a Hugging Face
     * checkpoint; then the extension ({@code .safetensors}, {@code .json}); then the first bytes (a
     * plausible little-endian header length followed by {@code '{'} is safetensors, a leading
     * {@code '{'} is a JSON bundle).
     */
    public static InputFormat detect(Path path) {
        if (Files.isDirectory(path)) {
            return InputFormat.HF;
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.equals(HfFolder.INDEX)) {
            return InputFormat.HF;
        }
        if (name.endsWith(".safetensors")) {
            return InputFormat.SAFETENSORS;
        }
        if (name.endsWith(".json")) {
            return InputFormat.JSON;
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
            long headerLength =
                    ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            if (head[8] == '{' && headerLength > 0 && headerLength <= size - 8) {
                return InputFormat.SAFETENSORS;
            }
        }
        for (int i = 0; i < n; i++) {
            if (head[i] == '{') {
                return InputFormat.JSON;
            }
            if (!Character.isWhitespace(head[i])) {
                break;
            }
        }
        throw InvalidInputException.forOption(
                "format",
                path + ": cannot tell the input format from the name or the first bytes; "
                        + "name the input format (json, safetensors or hf)");
    }
}
