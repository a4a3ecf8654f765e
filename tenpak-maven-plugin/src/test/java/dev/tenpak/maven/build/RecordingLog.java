package dev.tenpak.maven.build;

import java.util.ArrayList;
import java.util.List;

/** A {@link BuildLog} that keeps what was logged, for assertions. */
final class RecordingLog implements BuildLog {
    final List<String> info = new ArrayList<>();
    final List<String> warn = new ArrayList<>();

    @Override
    public void info(String line) {
        info.add(line);
    }

    @Override
    public void warn(String line) {
        warn.add(line);
    }

    void clear() {
        info.clear();
        warn.clear();
    }
}
