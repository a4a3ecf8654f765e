package dev.tenpak.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tenpak.error.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The temp-then-rename writer against what a target can be : links,
 * devices, FIFOs, modes, stale temporaries of killed writers, folders swapped whole.
 */
class AtomicFilesTest {
    @TempDir
    Path dir;

    static void write(Path target, String text) {
        AtomicFiles.write(target, out -> {
            try {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** The mode a new file gets from this process's umask (what {@code touch} would give). */
    Set<PosixFilePermission> umaskMode() throws IOException {
        Path probe = Files.createFile(dir.resolve("probe"));
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(probe);
        Files.delete(probe);
        return mode;
    }

    // ---- item 6: modes ----

    @Test
    void aNewFileGetsTheUmasksModeAndAnOverwrittenOneKeepsItsOwn() throws Exception {
        assumeTrue(posix(dir));
        Path a = dir.resolve("a.tenpak");
        write(a, "one");
        assertThat(Files.getPosixFilePermissions(a))
                .as("new file: the umask's mode, like cp or touch")
                .isEqualTo(umaskMode());

        Set<PosixFilePermission> custom = PosixFilePermissions.fromString("rw-r-----");
        Files.setPosixFilePermissions(a, custom);
        write(a, "two");
        assertThat(a).hasContent("two");
        assertThat(Files.getPosixFilePermissions(a))
                .as("overwrite keeps the target's mode")
                .isEqualTo(custom);
    }

    // ---- item 2: links, devices, FIFOs ----

    @Test
    void aSymbolicLinkIsFollowedToItsFileAndStaysALink() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real")).resolve("target.tenpak");
        Files.writeString(real, "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.tenpak"), Path.of("real", "target.tenpak"));
        write(link, "new");
        assertThat(Files.isSymbolicLink(link)).as("the link is kept").isTrue();
        assertThat(real).hasContent("new");

        // a chain of links, the last dangling: the file is created where the chain ends, as cp does
        Path made = dir.resolve("real").resolve("made.tenpak");
        Path hop = Files.createSymbolicLink(dir.resolve("hop"), made);
        Path chain = Files.createSymbolicLink(dir.resolve("chain"), hop);
        write(chain, "made");
        assertThat(Files.isSymbolicLink(chain)).isTrue();
        assertThat(Files.isSymbolicLink(hop)).isTrue();
        assertThat(made).hasContent("made");
        assertThat(noTemporaries(dir.resolve("real"))).isTrue();
    }

    @Test
    void aFifoIsWrittenThroughNotReplaced() throws Exception {
        Path fifo = mkfifo(dir.resolve("pipe"));
        CompletableFuture<byte[]> read = readAll(fifo);
        CompletableFuture<Void> written = CompletableFuture.runAsync(() -> write(fifo, "through the pipe"), THREADS);
        try {
            written.get(20, TimeUnit.SECONDS);
        } finally {
            BasicFileAttributes a = Files.readAttributes(fifo, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            assertThat(a.isOther())
                    .as("still a FIFO, not a regular file renamed over it")
                    .isTrue();
        }
        assertThat(new String(read.get(20, TimeUnit.SECONDS), StandardCharsets.UTF_8))
                .isEqualTo("through the pipe");

        // a writer that seeks writes a temporary file and streams it into the FIFO when complete
        read = readAll(fifo);
        try (AtomicFiles.Output o = AtomicFiles.open(fifo, true)) {
            assertThat(o.special()).isTrue();
            o.channel().write(java.nio.ByteBuffer.wrap("BBBB".getBytes(StandardCharsets.US_ASCII)), 4);
            o.channel().write(java.nio.ByteBuffer.wrap("AAAA".getBytes(StandardCharsets.US_ASCII)), 0);
            o.commit(false);
        }
        assertThat(new String(read.get(20, TimeUnit.SECONDS), StandardCharsets.US_ASCII))
                .isEqualTo("AAAABBBB");
        assertThat(Files.readAttributes(fifo, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                        .isOther())
                .isTrue();
    }

    @Test
    void devNullIsWrittenThroughAndStaysADevice() throws Exception {
        Path devNull = Path.of("/dev/null");
        assumeTrue(Files.exists(devNull)
                && Files.readAttributes(devNull, BasicFileAttributes.class).isOther());
        write(devNull, "discarded");
        try (AtomicFiles.Output o = AtomicFiles.open(devNull, true)) {
            o.channel().write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}), 10);
            o.commit(false);
        }
        assertThat(Files.readAttributes(devNull, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                        .isOther())
                .isTrue();
        assertThat(Files.size(devNull)).isZero();
    }

    @Test
    void aFileOpenAsADescriptorIsWrittenThroughNotRenamedOver() throws Exception {
        // /dev/stdout redirected to a file is /proc/self/fd/1 -> that file: the shell's descriptor must still see it
        Path file = Files.writeString(dir.resolve("redirected.out"), "old content that is longer");
        Path proc = Path.of("/proc/self/fd");
        assumeTrue(Files.isDirectory(proc));
        try (java.nio.channels.FileChannel held =
                java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
            Path fd;
            try (Stream<Path> s = Files.list(proc)) {
                fd = s.filter(p -> {
                            try {
                                return Files.readSymbolicLink(p).equals(file.toRealPath());
                            } catch (IOException e) {
                                return false;
                            }
                        })
                        .findFirst()
                        .orElse(null);
            }
            assumeTrue(fd != null, "descriptor not found");
            Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            write(fd, "new");
            assertThat(file).hasContent("new");
            assertThat(Files.readAttributes(file, BasicFileAttributes.class).fileKey())
                    .as("same inode")
                    .isEqualTo(key);
            assertThat(held.size()).isEqualTo(3);
        }
        assertThat(noTemporaries(dir)).isTrue();
    }

    @Test
    void aFolderTargetIsRefusedAndLeftAlone() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("out.tenpak"));
        Files.writeString(folder.resolve("keep"), "x");
        assertThatThrownBy(() -> write(folder, "y"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("is a directory");
        assertThat(folder.resolve("keep")).hasContent("x");
    }

    // ---- item 5: temporaries of killed writers ----

    @Test
    void temporariesAreRecognisableAndStaleOnesOfTheSameTargetAreCleanedButNeverALiveWritersOrAnotherTargets()
            throws Exception {
        Path target = dir.resolve("m.tenpak");
        long dead = deadPid();
        Path stale = Files.writeString(
                dir.resolve(".m.tenpak" + AtomicFiles.TAG + dead + "-abc" + AtomicFiles.TEMP_SUFFIX), "junk");
        Path staleFolder = Files.createDirectories(
                dir.resolve(".m.tenpak" + AtomicFiles.TAG + dead + "-def" + AtomicFiles.TEMP_SUFFIX));
        Files.writeString(staleFolder.resolve("inside"), "junk");
        // our own process: a live writer (another thread of it, say)
        long self = ProcessHandle.current().pid();
        Path live = Files.writeString(
                dir.resolve(".m.tenpak" + AtomicFiles.TAG + self + "-ghi" + AtomicFiles.TEMP_SUFFIX), "live");
        // a live process that started before the file was written: its writer may still be running
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L);
        Path liveParent = Files.writeString(
                dir.resolve(".m.tenpak" + AtomicFiles.TAG + parent + "-jkl" + AtomicFiles.TEMP_SUFFIX), "live");
        // a live process id that was reused: the process holding it now started after the file was written
        Path reused = Files.writeString(
                dir.resolve(".m.tenpak" + AtomicFiles.TAG + parent + "-mno" + AtomicFiles.TEMP_SUFFIX), "old");
        Files.setLastModifiedTime(reused, FileTime.from(Instant.EPOCH));
        Path otherTarget = Files.writeString(
                dir.resolve(".other.tenpak" + AtomicFiles.TAG + dead + "-pqr" + AtomicFiles.TEMP_SUFFIX), "x");
        Path notOurs = Files.writeString(dir.resolve(".m.tenpak.12345.tmp"), "someone else's naming");

        write(target, "fresh");

        assertThat(target).hasContent("fresh");
        assertThat(stale).doesNotExist();
        assertThat(staleFolder).doesNotExist();
        assertThat(reused).doesNotExist();
        assertThat(live).exists();
        assertThat(liveParent).exists();
        assertThat(otherTarget)
                .as("another target's temporaries are its own writer's business")
                .exists();
        assertThat(notOurs).exists();
    }

    @Test
    void aTemporaryIsNamedAfterItsTargetAndWriterAndRemovedOnFailure() throws Exception {
        Path target = dir.resolve("x.tenpak");
        try (AtomicFiles.Output o = AtomicFiles.open(target, false)) {
            try (Stream<Path> s = Files.list(dir)) {
                assertThat(s.map(p -> p.getFileName().toString()).toList())
                        .singleElement()
                        .satisfies(n -> assertThat(n)
                                .startsWith(".x.tenpak" + AtomicFiles.TAG
                                        + ProcessHandle.current().pid() + "-")
                                .endsWith(AtomicFiles.TEMP_SUFFIX));
            }
        }
        assertThat(noTemporaries(dir)).isTrue();
        assertThat(target).doesNotExist();
    }

    // ---- item 4: folders ----

    @Test
    void aFolderIsSwappedWholeKeepingEntriesTheNewOneDoesNotWrite() throws Exception {
        Path target = Files.createDirectories(dir.resolve("model"));
        Files.writeString(target.resolve("config.json"), "old config");
        Files.writeString(target.resolve("README.md"), "mine");
        Files.createDirectories(target.resolve("sub"));
        Files.writeString(target.resolve("sub").resolve("notes"), "mine too");
        try (AtomicFiles.Folder f = AtomicFiles.openFolder(target)) {
            Files.writeString(f.path().resolve("config.json"), "new config");
            Files.createDirectories(f.path().resolve("sub"));
            Files.writeString(f.path().resolve("sub").resolve("new"), "new");
            assertThat(target.resolve("config.json"))
                    .as("nothing changes before the swap")
                    .hasContent("old config");
            f.commit(false);
        }
        assertThat(target.resolve("config.json")).hasContent("new config");
        assertThat(target.resolve("README.md")).hasContent("mine");
        assertThat(target.resolve("sub").resolve("notes")).hasContent("mine too");
        assertThat(target.resolve("sub").resolve("new")).hasContent("new");
        assertThat(noTemporaries(dir)).isTrue();
    }

    @Test
    void anAbandonedFolderLeavesTheTargetAsItWas() throws Exception {
        Path target = Files.createDirectories(dir.resolve("model"));
        Files.writeString(target.resolve("config.json"), "old config");
        try (AtomicFiles.Folder f = AtomicFiles.openFolder(target)) {
            Files.writeString(f.path().resolve("config.json"), "new config");
            // no commit: the decode failed
        }
        assertThat(target.resolve("config.json")).hasContent("old config");
        assertThat(noTemporaries(dir)).isTrue();
    }

    @Test
    void aFolderSwapCutShortIsPutBackByTheNextWrite() throws Exception {
        // a writer killed between its two renames leaves the target missing and the old copy aside
        Path target = dir.resolve("model");
        Path aside = Files.createDirectories(
                dir.resolve(".model" + AtomicFiles.TAG + deadPid() + "-x" + AtomicFiles.OLD_SUFFIX));
        Files.writeString(aside.resolve("config.json"), "old config");
        AtomicFiles.cleanStale(dir, "model");
        assertThat(target.resolve("config.json")).hasContent("old config");
    }

    static boolean noTemporaries(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.noneMatch(p -> p.getFileName().toString().contains(AtomicFiles.TAG));
        }
    }

    /** The id of a process that has exited. */
    static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long pid = p.pid();
        assumeTrue(ProcessHandle.of(pid).isEmpty(), "pid reused at once");
        return pid;
    }

    /** Own threads: the common pool may have one, and a FIFO's reader blocks until a writer opens it. */
    static final Executor THREADS = r -> {
        Thread t = new Thread(r, "fifo");
        t.setDaemon(true);
        t.start();
    };

    static CompletableFuture<byte[]> readAll(Path fifo) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return Files.readAllBytes(fifo);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                },
                THREADS);
    }

    static Path mkfifo(Path p) throws Exception {
        Process proc = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assumeTrue(proc.waitFor() == 0, "mkfifo unavailable");
        return p;
    }
}
