package dev.tenpak.cli;

import dev.tenpak.options.ProgressListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr in MiB of tensor data, drawn only for a terminal: {@link #create}
 * returns {@link ProgressListener#NONE} with {@code --quiet} or when the console is not a terminal
 * (output piped or redirected, tests, CI), so logs never fill with bar redraws.
 */
final class ConsoleProgress implements ProgressListener {
    private ProgressBar bar;

    private ConsoleProgress() {}

    static ProgressListener create(boolean quiet) {
        java.io.Console console = System.console();
        return quiet || console == null || !console.isTerminal() ? ProgressListener.NONE : new ConsoleProgress();
    }

    @Override
    public void start(String task, long totalBytes) {
        bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(totalBytes < 0 ? -1 : totalBytes)
                .setUnit(" MiB", 1L << 20)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build();
    }

    @Override
    public void advance(long bytes) {
        if (bar != null) {
            bar.stepBy(bytes);
        }
    }

    @Override
    public void finish() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
