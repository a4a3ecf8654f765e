package dev.tenpak.internal.kernel;

/** How elements become byte planes: the rotation that puts a float's exponent in one plane. */
public enum PlaneLayout {
    /** Plane k = byte k of the little-endian element. */
    BYTES(0),
    /** 16-bit floats rotated left by 1: plane 0 = the high byte (exponent), plane 1 = the low byte. */
    ROT16(1),
    /** F32 rotated left by 1: plane 0 = bits 31..24 (exponent) of the rotated word, down to plane 3. */
    ROT32(2);

    public final int id;

    PlaneLayout(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }
}
