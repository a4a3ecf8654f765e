/** The Maven goals: thin, final Mojos that build an immutable request and hand it to {@code dev.tenpak.maven.build}. */
package dev.tenpak.maven.mojo;
