package dev.tenpak.error;

/**
 * A finite value too large for a codec's parameter format: the group-wise codecs store scales as
 * f16, so a group whose largest magnitude needs a scale above 65504 (about {@code 65504 * 7} for
 * int4, {@code 65504 * 127} for int8) cannot be encoded. Real weights are many orders of magnitude
 * smaller; rather than silently clamp, tenpak refuses and names the tensor and element.
 */
public class ValueOutOfRangeException extends InvalidInputException {
    private final String tensor;
    private final long index;

    public ValueOutOfRangeException(String tensor, long index, float value, String codec, String limit) {
        super("tensor '" + tensor + "': element " + index + " is " + value + ", too large for " + codec + " (" + limit
                + "); keep this tensor raw (a keep-raw pattern), or use int8_sym_v1 / int4_sym_v1 (f32 scale)");
        this.tensor = tensor;
        this.index = index;
    }

    public String tensor() {
        return tensor;
    }

    public long index() {
        return index;
    }
}
