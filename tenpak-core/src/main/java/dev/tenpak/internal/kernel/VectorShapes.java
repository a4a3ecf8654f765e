package dev.tenpak.internal.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float species the vector kernels use: the platform's preferred one, or the width named by
 * {@code -Dtenpak.vector.bits} (tests use 256 to run the AVX2 path on an AVX-512 machine). Only
 * vector classes touch this, so it is loaded only when {@code jdk.incubator.vector} is present.
 */
public final class VectorShapes {
    private VectorShapes() {}

    /**
     * The species for {@code what} ("vector kernels", ...); throws UnsupportedOperationException for
     * fewer than 8 float lanes, which makes the kernel holders fall back to the scalar kernels.
     */
    public static VectorSpecies<Float> floatSpecies(String what) {
        VectorSpecies<Float> s = FloatVector.SPECIES_PREFERRED;
        String bits = System.getProperty("tenpak.vector.bits");
        if (bits != null) {
            s = VectorSpecies.of(float.class, VectorShape.forBitSize(Integer.parseInt(bits)));
        }
        if (s.length() < 8) {
            throw new UnsupportedOperationException(
                    what + " need 256-bit vectors or wider, this JVM offers " + s.vectorBitSize() + "-bit");
        }
        return s;
    }
}
