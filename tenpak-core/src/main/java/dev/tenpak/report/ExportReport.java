package dev.tenpak.report;

import java.util.Map;

/**
 * What an export to a compressed-tensors folder wrote.
 *
 * @param folder      the folder written
 * @param quantized   Linear modules exported quantized, each with the codec its codes were stored with
 * @param dense       Linear modules left dense (listed in the config's {@code ignore}), each with the reason
 * @param weightBytes bytes of the weight files written
 */
public record ExportReport(String folder, Map<String, String> quantized, Map<String, String> dense, long weightBytes) {
    public ExportReport {
        quantized = Map.copyOf(quantized);
        dense = Map.copyOf(dense);
    }
}
