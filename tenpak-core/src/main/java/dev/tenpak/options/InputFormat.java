package dev.tenpak.options;

import dev.tenpak.error.InvalidInputException;
import java.util.Locale;

/** Formats tenpak reads tensors from. */
public enum InputFormat {
    AUTO,
    JSON,
    SAFETENSORS,
    HF;

    public static InputFormat parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("unknown input format '" + s + "'; known: auto, json, safetensors, hf");
        }
    }
}
