package dev.tenpak.error;

/**
 * An input file whose structure breaks its format's rules: a safetensors header that runs past the
 * end of the file, overlapping or non-contiguous tensor offsets, an unknown dtype, a Hugging Face
 * index that names a missing shard. Carries the file and, when the problem belongs to one tensor,
 * its name, so a user can find the culprit without a hex editor.
 */
public class MalformedInputException extends InvalidInputException {
    private final String file;
    private final String tensor;

    public MalformedInputException(String file, String tensor, String reason) {
        super(file + ": malformed input" + (tensor == null ? "" : ", tensor '" + tensor + "'") + ": " + reason);
        this.file = file;
        this.tensor = tensor;
    }

    public MalformedInputException(String file, String tensor, String reason, Throwable cause) {
        super(file + ": malformed input" + (tensor == null ? "" : ", tensor '" + tensor + "'") + ": " + reason, cause);
        this.file = file;
        this.tensor = tensor;
    }

    /** The file that is malformed. */
    public String file() {
        return file;
    }

    /** The tensor concerned, or null when the problem is in the file structure itself. */
    public String tensor() {
        return tensor;
    }
}
