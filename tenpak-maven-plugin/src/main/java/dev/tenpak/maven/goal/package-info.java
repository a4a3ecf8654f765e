/**
 * The engine side of the Maven goals, compiled for Java 25 like the rest of tenpak: {@link
 * dev.tenpak.maven.goal.Goals} turns a goal's settings into a request, runs it through {@code
 * dev.tenpak.maven.build} and maps its failures to Maven's two kinds. The goal classes in {@code
 * dev.tenpak.maven.mojo} are compiled for Java 17 and call in here only after checking the JDK that
 * Maven runs on, so an older JDK gets one sentence instead of a class-loading error.
 */
package dev.tenpak.maven.goal;
