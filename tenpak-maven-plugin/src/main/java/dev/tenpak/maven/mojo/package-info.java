/**
 * The Maven goals: thin, final Mojos that collect their parameters into a settings record and hand it
 * to {@code dev.tenpak.maven.goal}. Compiled for Java 17 (the plugin's pom says so) and free of
 * references to Java 25 classes, so that Maven on an older JDK can load them and {@link
 * dev.tenpak.maven.mojo.EngineCall} can fail with one sentence naming the JDK to use.
 */
package dev.tenpak.maven.mojo;
