package dev.tenpak.tensor;

import dev.tenpak.error.InvalidInputException;

/**
 * Element types of tensors. {@link #id()} is the stable on-disk id used by the artifact format
 * (docs/FORMAT.md) and must never change; {@link #safetensorsName()} is the name the safetensors
 * header uses. Only {@link #isCompressible() F32, F16 and BF16} go through the lossy codecs; every
 * other type is carried losslessly by {@code raw_v1}.
 */
public enum DType {
    F32(1, 4, "F32"),
    F16(2, 2, "F16"),
    BF16(3, 2, "BF16"),
    F64(4, 8, "F64"),
    I8(5, 1, "I8"),
    U8(6, 1, "U8"),
    I16(7, 2, "I16"),
    I32(8, 4, "I32"),
    I64(9, 8, "I64"),
    BOOL(10, 1, "BOOL"),
    U16(11, 2, "U16"),
    U32(12, 4, "U32"),
    U64(13, 8, "U64"),
    F8_E4M3(14, 1, "F8_E4M3"),
    F8_E5M2(15, 1, "F8_E5M2");

    private static final DType[] BY_ID = new DType[16];

    static {
        for (DType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int byteSize;
    private final String safetensorsName;

    DType(int id, int byteSize, String safetensorsName) {
        this.id = id;
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
    }

    /** Stable on-disk id (one byte in the artifact index). */
    public int id() {
        return id;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    public String safetensorsName() {
        return safetensorsName;
    }

    /** True for the float types the quantizing codecs accept (F32, F16, BF16). */
    public boolean isCompressible() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** Bytes needed for {@code elements} values of this type; throws on overflow. */
    public long byteSizeFor(long elements) {
        try {
            return Math.multiplyExact(elements, (long) byteSize);
        } catch (ArithmeticException e) {
            throw new InvalidInputException(elements + " elements of " + this + " overflow a 64-bit byte size");
        }
    }

    /** The type with on-disk id {@code id}, or null when there is none. */
    public static DType byId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    /** The type a safetensors header calls {@code name}, or null when tenpak does not know it. */
    public static DType bySafetensorsName(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        return null;
    }
}
