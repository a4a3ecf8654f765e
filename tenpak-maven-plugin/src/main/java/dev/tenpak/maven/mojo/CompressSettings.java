package dev.tenpak.maven.mojo;

import java.io.File;
import java.util.List;

/**
 * The compress goal's parameters as Maven injected them (nulls for unset values), handed to the
 * engine side, which checks them and applies the defaults.
 */
public record CompressSettings(
        File baseDirectory,
        File sourceDirectory,
        List<String> includes,
        List<String> excludes,
        File outputDirectory,
        String codec,
        Double maxMae,
        Double maxBitsPerWeight,
        boolean perTensor,
        List<String> candidates,
        File planDirectory,
        Double failOnErrorAbove,
        boolean failIfNoModels,
        boolean force,
        Integer threads,
        List<String> keepRaw,
        Long minElements,
        String entropy) {}
