package dev.tenpak.internal.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place that chooses between the scalar kernels (the specification) and the Vector API
 * kernels, for every kernel family: quantization ({@link QuantKernels}), group quantization
 * ({@link GroupQuantKernels}), dtype conversion ({@link ConversionKernels}), byte planes
 * ({@link PlaneKernels}), the grid codecs' scale search ({@link GridSearchKernels}), their
 * decoder ({@link GridDequantKernels}) and the rotated grid codecs' rotation ({@link HadamardKernels}). Lucene's
 * {@code VectorizationProvider} shape: the vector classes are loaded by name, so nothing links
 * against {@code jdk.incubator.vector} unless the module is present, and the JDK that the Python
 * package can bring (which lacks the module) runs the scalar kernels with identical results.
 *
 * <p>{@code -Dtenpak.vector=false} forces the scalar kernels. When the module is missing, one
 * WARNING line says so and names the flag that fixes it. A CPU whose vectors are narrower than 8
 * float lanes makes the vector factories throw {@link UnsupportedOperationException}; that family
 * then runs scalar, logged at FINE (there is nothing to fix).
 */
public final class VectorizationProvider {
    /** Set to {@code false} to force the scalar kernels. */
    public static final String PROPERTY = "tenpak.vector";
    /**
     * Set to {@code background} to run the scalar plane kernels until the vector ones are compiled
     * (see {@link WarmingPlaneKernels}): for processes that call the engine a few times, such as
     * the Python package's JVM, where the vector kernels' warm-up would otherwise land on the first
     * calls. Set to {@code probe} to run the vector plane kernels on a small part of each block until
     * they are compiled ({@link ProbingPlaneKernels}): for a process that is busy from start to end
     * with compile thresholds lowered for tenpak's code (the command line's launcher). The default,
     * {@code off}, takes the vector kernels at once.
     */
    public static final String WARMUP_PROPERTY = "tenpak.vector.warmup";
    /**
     * With {@code probe}: bytes of elements that the scalar plane kernels split or merge before the
     * first probe (default 0). For a cold JVM on few cores, compiling the vector kernels costs more
     * than they save on a job of a few GiB ({@link ProbingPlaneKernels}).
     */
    public static final String PROBE_AFTER_PROPERTY = "tenpak.vector.probeAfter";
    /** The JVM flag that makes the Vector API available. */
    public static final String REMEDY = "--add-modules jdk.incubator.vector";

    private static final Logger LOG = Logger.getLogger(VectorizationProvider.class.getName());
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    private final QuantKernels quant;
    private final GroupQuantKernels group;
    private final ConversionKernels conversions;
    private final PlaneKernels planes;
    private final GridSearchKernels gridSearch;
    private final GridDequantKernels gridDequant;
    private final HadamardKernels hadamard;

    private VectorizationProvider(
            QuantKernels quant,
            GroupQuantKernels group,
            ConversionKernels conversions,
            PlaneKernels planes,
            GridSearchKernels gridSearch,
            GridDequantKernels gridDequant,
            HadamardKernels hadamard) {
        this.quant = quant;
        this.group = group;
        this.conversions = conversions;
        this.planes = planes;
        this.gridSearch = gridSearch;
        this.gridDequant = gridDequant;
        this.hadamard = hadamard;
    }

    /** The kernels this JVM uses. */
    public static VectorizationProvider get() {
        return Holder.INSTANCE;
    }

    public QuantKernels quantKernels() {
        return quant;
    }

    public GroupQuantKernels groupQuantKernels() {
        return group;
    }

    public ConversionKernels conversionKernels() {
        return conversions;
    }

    public PlaneKernels planeKernels() {
        return planes;
    }

    public GridSearchKernels gridSearchKernels() {
        return gridSearch;
    }

    public GridDequantKernels gridDequantKernels() {
        return gridDequant;
    }

    public HadamardKernels hadamardKernels() {
        return hadamard;
    }

    /** For reports: the description of each family, e.g. {@code quant=vector(512-bit) ...}. */
    public String description() {
        return "quant=" + quant.description() + " group=" + group.description() + " conversions="
                + conversions.description() + " planes=" + planes.description() + " gridsearch="
                + gridSearch.description() + " griddequant=" + gridDequant.description() + " hadamard="
                + hadamard.description();
    }

    private static final class Holder {
        static final VectorizationProvider INSTANCE = choose();

        private Holder() {}
    }

    private static VectorizationProvider choose() {
        VectorizationProvider scalar = new VectorizationProvider(
                ScalarQuantKernels.INSTANCE,
                ScalarGroupQuantKernels.INSTANCE,
                ScalarConversionKernels.INSTANCE,
                ScalarPlaneKernels.INSTANCE,
                ScalarGridSearchKernels.INSTANCE,
                ScalarGridDequantKernels.INSTANCE,
                ScalarHadamardKernels.INSTANCE);
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
            return scalar;
        }
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            LOG.warning("tenpak: the Java Vector API is not available, so the kernels run scalar (same results, "
                    + "slower); start java with " + REMEDY + " to use it");
            return scalar;
        }
        PlaneKernels planes = load("VectorPlaneKernels", PlaneKernels.class, scalar.planes);
        if (planes != scalar.planes) {
            String warmup = System.getProperty(WARMUP_PROPERTY, "off");
            if (warmup.equals("background")) {
                planes = WarmingPlaneKernels.startedInBackground(scalar.planes, planes);
            } else if (warmup.equals("probe")) {
                planes = new ProbingPlaneKernels(ScalarPlaneKernels.INSTANCE, planes, probeAfter());
            }
        }
        return new VectorizationProvider(
                load("VectorQuantKernels", QuantKernels.class, scalar.quant),
                load("VectorGroupQuantKernels", GroupQuantKernels.class, scalar.group),
                load("VectorConversionKernels", ConversionKernels.class, scalar.conversions),
                planes,
                load("VectorGridSearchKernels", GridSearchKernels.class, scalar.gridSearch),
                load("VectorGridDequantKernels", GridDequantKernels.class, scalar.gridDequant),
                load("VectorHadamardKernels", HadamardKernels.class, scalar.hadamard));
    }

    /** {@link #PROBE_AFTER_PROPERTY}, or 0 (with a warning) when it is not a byte count. */
    private static long probeAfter() {
        String v = System.getProperty(PROBE_AFTER_PROPERTY, "0");
        try {
            long after = Long.parseLong(v.trim());
            if (after >= 0) {
                return after;
            }
        } catch (NumberFormatException e) {
            // below
        }
        LOG.warning("tenpak: -D" + PROBE_AFTER_PROPERTY + "=" + v
                + " is not a number of bytes (0 or more); the vector kernels are probed from the start");
        return 0;
    }

    private static <T> T load(String simpleName, Class<T> type, T fallback) {
        try {
            Class<?> c = Class.forName(VectorizationProvider.class.getPackageName() + "." + simpleName);
            return type.cast(MethodHandles.lookup()
                    .findStatic(c, "create", MethodType.methodType(type))
                    .invoke());
        } catch (Throwable t) {
            LOG.log(Level.FINE, simpleName + " unavailable (" + t + "); using the scalar kernels");
            return fallback;
        }
    }
}
