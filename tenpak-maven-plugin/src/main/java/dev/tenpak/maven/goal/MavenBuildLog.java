package dev.tenpak.maven.goal;

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

    /**
     * A project mistake fails the build; anything else is an execution error of the environment. Maven's
     * error line appends the message of every cause that the message does not already contain, and the
     * core's message names the file by its absolute path where ours names it relative to the project: the
     * reason would be printed twice. Our message says it all, so {@code e} (and the core's exception
     * under it) is attached as suppressed, not as the cause; {@code mvn -e} still prints both.
     */
    static void rethrow(ModelBuildException e) throws MojoExecutionException, MojoFailureException {
        if (e.userError()) {
            MojoFailureException failure = new MojoFailureException(e.getMessage());
            failure.addSuppressed(e);
            throw failure;
        }
        MojoExecutionException error = new MojoExecutionException(e.getMessage());
        error.addSuppressed(e);
        throw error;
    }
}
