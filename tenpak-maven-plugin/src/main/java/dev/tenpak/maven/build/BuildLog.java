package dev.tenpak.maven.build;

/**
 * Where the build services report progress: Maven's log in a build, a list in tests. Kept this small
 * so the services do not depend on Maven's logging API.
 */
public interface BuildLog {
    void info(String line);

    void warn(String line);
}
