/**
 * The tenpak engine. Exported: the facade ({@code dev.tenpak}), the options and reports it takes
 * and gives, the tensor model, the errors and the codec SPI. Everything under
 * {@code dev.tenpak.internal} may change in any release. On the classpath (the shaded command-line
 * jar, the Python package, a plain Maven dependency) this file is not read, and the registry finds
 * the codec families through {@code META-INF/services} instead of the {@code provides} clause.
 */
module dev.tenpak {
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    requires java.logging;
    requires static jdk.incubator.vector;

    exports dev.tenpak;
    exports dev.tenpak.codec;
    exports dev.tenpak.error;
    exports dev.tenpak.options;
    exports dev.tenpak.report;
    exports dev.tenpak.tensor;

    opens dev.tenpak.report to
            com.fasterxml.jackson.databind;

    uses dev.tenpak.codec.CodecProvider;

    provides dev.tenpak.codec.CodecProvider with
            dev.tenpak.internal.codec.raw.RawCodecs,
            dev.tenpak.internal.codec.pertensor.PerTensorCodecs,
            dev.tenpak.internal.codec.groupwise.GroupwiseCodecs,
            dev.tenpak.internal.codec.lossless.LosslessCodecs,
            dev.tenpak.internal.codec.kquant.KQuantCodecs,
            dev.tenpak.internal.codec.entropycoded.EcqCodecs;
}
