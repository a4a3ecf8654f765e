package dev.tenpak.maven.build;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** SHA-256 of files, streamed, as lowercase hex: the content key of the incremental build. */
final class Digests {
    private Digests() {}

    /**
     * The content key of a model input: the SHA-256 of the file, except for a sharded checkpoint's
     * index ({@code *.index.json}), whose artifact is made from the whole Hugging Face folder (the
     * shards it names and the config and tokenizer files the artifact carries): then the SHA-256 over
     * every regular file of that folder, in name order, of its name, a zero byte and its own SHA-256.
     * A changed shard or config file thus changes the key even when the index does not (a few other
     * files of the folder changing cause a needless recompression, never a stale artifact).
     */
    static String modelKey(Path input) throws IOException {
        if (!input.getFileName().toString().endsWith(".index.json")) {
            return sha256(input);
        }
        MessageDigest md = sha256Digest();
        List<Path> files;
        try (Stream<Path> s = Files.list(input.toAbsolutePath().getParent())) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            md.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(sha256(f).getBytes(StandardCharsets.US_ASCII));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = sha256Digest();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
