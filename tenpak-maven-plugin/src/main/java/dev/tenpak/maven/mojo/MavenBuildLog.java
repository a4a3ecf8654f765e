package dev.tenpak.maven.mojo;

import dev.tenpak.maven.build.BuildLog;
import dev.tenpak.maven.build.ModelBuildException;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.Log;

/** Glue between the build services and Maven: its log, and its two kinds of failure. */
final class MavenBuildLog implements BuildLog {
    private final Log log;

    MavenBuildLog(Log log) {
        this.log = log;
    }

    @Override
    public void info(String line) {
        log.info(line);
    }

    @Override
    public void warn(String line) {
        log.warn(line);
    }

    /** A project mistake fails the build; anything else is an execution error of the environment. */
    static void rethrow(ModelBuildException e) throws MojoExecutionException, MojoFailureException {
        if (e.userError()) {
            throw new MojoFailureException(e.getMessage(), e);
        }
        throw new MojoExecutionException(e.getMessage(), e);
    }
}
