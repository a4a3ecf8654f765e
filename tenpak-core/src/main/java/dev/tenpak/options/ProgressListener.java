package dev.tenpak.options;

/**
 * Receives progress of long work (compressing, decompressing) in bytes of tensor data. The engine
 * calls it from the thread that drives the work, in order; implementations need not be
 * thread-safe. The CLI draws a progress bar on stderr with it; library callers usually pass
 * {@link #NONE}.
 */
public interface ProgressListener {
    /** A listener that ignores everything. */
    ProgressListener NONE = new ProgressListener() {
        @Override
        public void start(String task, long totalBytes) {}

        @Override
        public void advance(long bytes) {}

        @Override
        public void finish() {}
    };

    /** Work named {@code task} starts; {@code totalBytes} is -1 when unknown. */
    void start(String task, long totalBytes);

    /** {@code bytes} more bytes of tensor data are done. */
    void advance(long bytes);

    /** The work is over (also called after a failure). */
    void finish();
}
