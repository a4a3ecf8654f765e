package dev.tenpak.internal.format.safetensors;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds safetensors files byte by byte for tests (Jlama's TestParser style): the header is written
 * as literal JSON so that malformed cases can say exactly what is wrong.
 */
public final class SafetensorsFixture {
    private SafetensorsFixture() {}

    /** {@code u64 len(header)} + header + data, with no padding or checks. */
    public static byte[] file(String header, byte[] data) {
        return file(header.getBytes(StandardCharsets.UTF_8), data);
    }

    public static byte[] file(byte[] header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length)
                .array());
        out.writeBytes(header);
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** {@code n} bytes counting up from {@code start}, so every tensor's bytes are distinct. */
    public static byte[] bytes(int n, int start) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (start + i);
        }
        return b;
    }

    public static Path write(Path dir, String name, byte[] content) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }
}
