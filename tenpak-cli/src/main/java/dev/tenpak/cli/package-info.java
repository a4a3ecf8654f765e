/** The {@code tenpak} command line: picocli commands that parse flags, call the {@link dev.tenpak.Tenpak} facade and print its reports. No engine logic lives here. */
package dev.tenpak.cli;
