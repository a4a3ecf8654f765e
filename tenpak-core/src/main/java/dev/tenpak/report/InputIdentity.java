package dev.tenpak.report;

import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.TenpakIOException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Which input a plan was made for: its path, its size on disk and the SHA-256 of its bytes. For a
 * folder (a Hugging Face checkpoint), the hash covers every regular file under it in sorted
 * relative-path order: for each, the UTF-8 path, a zero byte, then the file's bytes; the size is
 * the sum of the files' sizes. The hash is a plain sequential read of the bytes, separate from the
 * one pass that parses the tensors.
 *
 * @param sha256 lower-case hex
 */
public record InputIdentity(String path, long bytes, String sha256) {

    /** Hashes the file or folder at {@code input}. */
    public static InputIdentity of(Path input) {
        if (!Files.exists(input)) {
            throw new InvalidInputException(input + ": no such file or folder");
        }
        MessageDigest md = newDigest();
        long size = 0;
        try {
            if (Files.isDirectory(input)) {
                List<Path> files;
                try (var s = Files.walk(input)) {
                    files = s.filter(Files::isRegularFile).sorted().toList();
                }
                for (Path f : files) {
                    md.update(input.relativize(f).toString().replace('\\', '/').getBytes(StandardCharsets.UTF_8));
                    md.update((byte) 0);
                    size += digest(f, md);
                }
            } else {
                size = digest(input, md);
            }
        } catch (IOException e) {
            throw TenpakIOException.of(input, e);
        }
        return new InputIdentity(input.toString(), size, HexFormat.of().formatHex(md.digest()));
    }

    private static long digest(Path f, MessageDigest md) throws IOException {
        byte[] buf = new byte[1 << 16];
        long n = 0;
        try (InputStream in = Files.newInputStream(f)) {
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
                n += r;
            }
        }
        return n;
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
