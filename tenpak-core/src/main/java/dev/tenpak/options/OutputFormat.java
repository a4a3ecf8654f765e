package dev.tenpak.options;

import dev.tenpak.error.InvalidInputException;
import java.util.Locale;

/** Formats tenpak writes tensors to. */
public enum OutputFormat {
    /** From the output path: see {@link #detect}. */
    AUTO,
    /** A JSON bundle (float tensors only). */
    JSON,
    /** One safetensors file, each tensor in its original dtype. */
    SAFETENSORS,
    /** A Hugging Face checkpoint folder: weights plus the config and tokenizer files the artifact carries. */
    HF,
    /**
     * A compressed-tensors ({@code pack-quantized}) folder that transformers and vLLM load quantized:
     * the stored codes of symmetric group codecs re-laid out, other tensors as {@link #HF} writes them.
     * Never picked by {@link #AUTO}.
     */
    COMPRESSED_TENSORS;

    public static OutputFormat parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(
                    "unknown output format '" + s + "'; known: auto, json, safetensors, hf, compressed-tensors");
        }
    }
}
