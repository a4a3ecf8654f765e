package dev.tenpak.maven.mojo;

import java.io.File;

/**
 * The export-compressed-tensors goal's parameters as Maven injected them (nulls for unset values), handed
 * to the engine side, which checks them.
 */
public record ExportSettings(
        File baseDirectory, File stateDirectory, File artifact, File exportDirectory, Integer threads, boolean force) {}
