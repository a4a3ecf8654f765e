package dev.tenpak.error;

/**
 * A lossy codec met NaN or an infinity. Quantizers cannot represent them, and silently clamping
 * would hide a broken checkpoint, so they refuse; {@code raw_v1} carries such tensors exactly.
 */
public class NonFiniteValueException extends InvalidInputException {
    private final String tensor;
    private final long index;

    public NonFiniteValueException(String tensor, long index, float value) {
        super("tensor '" + tensor + "': element " + index + " is " + value
                + "; lossy codecs need finite values (store this tensor with raw_v1 or fix the input)");
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
