package dev.tenpak.error;

import java.util.Collection;

/** A codec name that no registered codec has, from a flag or from an artifact's index. */
public class UnknownCodecException extends TenpakException {
    private final String codec;

    public UnknownCodecException(String codec, Collection<String> known) {
        super("unknown codec '" + codec + "'; known codecs: " + String.join(", ", known));
        this.codec = codec;
    }

    public UnknownCodecException(String context, String codec, Collection<String> known) {
        super(context + ": unknown codec '" + codec + "'; known codecs: " + String.join(", ", known));
        this.codec = codec;
    }

    public String codec() {
        return codec;
    }

    @Override
    public int exitCode() {
        return EXIT_UNSUPPORTED;
    }
}
