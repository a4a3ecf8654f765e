package dev.tenpak.error;

/** An artifact written by a newer tenpak, with a format version this reader does not know. */
public class UnsupportedVersionException extends TenpakException {
    private final int version;

    public UnsupportedVersionException(String source, int version, int supported) {
        super(source + ": artifact format version " + version + " is newer than this tenpak reads (up to " + supported
                + "); upgrade tenpak to read it");
        this.version = version;
    }

    public int version() {
        return version;
    }

    @Override
    public int exitCode() {
        return EXIT_UNSUPPORTED;
    }
}
