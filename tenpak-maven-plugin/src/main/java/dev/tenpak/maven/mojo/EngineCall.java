package dev.tenpak.maven.mojo;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.Log;

/**
 * The one door from the goal classes (compiled for Java 17) into the engine (compiled for Java 25):
 * checks the JDK that Maven runs on, then calls {@code dev.tenpak.maven.goal.Goals} by name, so that
 * no Java 25 class is loaded, and no class-loading error is thrown, on an older JDK.
 */
final class EngineCall {
    /** The oldest JDK the engine runs on; the parent pom's enforcer rule and maven.compiler.release say the same. */
    static final int REQUIRED_JDK = 25;

    private static final String GOALS = "dev.tenpak.maven.goal.Goals";

    private EngineCall() {}

    /**
     * The one sentence a build on too old a JDK fails with, or null when {@code feature} is new enough.
     * {@code version} and {@code javaHome} only describe the running JDK in the sentence.
     */
    static String tooOldJdk(int feature, String version, String javaHome) {
        if (feature >= REQUIRED_JDK) {
            return null;
        }
        return "tenpak-maven-plugin needs Maven to run on JDK " + REQUIRED_JDK
                + " or newer, and this Maven runs on Java " + version + " (" + javaHome + "): set JAVA_HOME to a JDK "
                + REQUIRED_JDK + " and run Maven again.";
    }

    /** Fails with {@link #tooOldJdk} when Maven runs on a JDK older than {@link #REQUIRED_JDK}. */
    static void checkJdk() throws MojoExecutionException {
        String home = System.getProperty("java.home", "");
        String sentence = tooOldJdk(
                Runtime.version().feature(),
                System.getProperty("java.version", "?"),
                home.isEmpty() ? "unknown java.home" : Path.of(home).toString());
        if (sentence != null) {
            throw new MojoExecutionException(sentence);
        }
    }

    /** Calls the static {@code Goals.<method>(settings, log)} after {@link #checkJdk()}. */
    static void run(String method, Object settings, Log log) throws MojoExecutionException, MojoFailureException {
        checkJdk();
        Method m;
        try {
            m = Class.forName(GOALS, true, EngineCall.class.getClassLoader())
                    .getMethod(method, settings.getClass(), Log.class);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new MojoExecutionException(
                    "tenpak-maven-plugin is incomplete (" + GOALS + "." + method + ": " + e
                            + "); use the tenpak-core of the plugin's own version",
                    e);
        }
        try {
            m.invoke(null, settings, log);
        } catch (InvocationTargetException e) {
            Throwable t = e.getCause();
            if (t instanceof MojoFailureException f) {
                throw f;
            }
            if (t instanceof MojoExecutionException x) {
                throw x;
            }
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error r) {
                throw r;
            }
            throw new MojoExecutionException(String.valueOf(t.getMessage()), t);
        } catch (IllegalAccessException e) {
            throw new MojoExecutionException("tenpak-maven-plugin cannot call " + GOALS + "." + method + ": " + e, e);
        }
    }
}
