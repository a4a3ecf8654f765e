package dev.tenpak.maven.mojo;

import java.io.File;

/** The verify goal's parameters as Maven injected them, handed to the engine side. */
public record VerifySettings(File baseDirectory, File outputDirectory, boolean failIfNoModels) {}
