package dev.kaio.java.io;

import static dev.kaio.java.io.JavaIoTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.io.Stdio;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a cancelled {@code waitFor()} / {@code communicate()} future promises about the process tree:
 * the future is cancelled at once; the tree is terminated, then killed, in the background.
 */
class SubprocessCancelTest {
    private final List<ProcessHandle> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        for (ProcessHandle handle : started) {
            handle.descendants().forEach(ProcessHandle::destroyForcibly);
            handle.destroyForcibly();
        }
    }

    /** A process that ignores SIGTERM (ignored signals stay ignored across exec): only SIGKILL ends it. */
    private Subprocess sigtermIgnoring() throws Exception {
        Subprocess process = await(Subprocess.shell("trap '' TERM; echo ready; exec sleep 300")
            .stdout(Stdio.PIPE).terminateGrace(Duration.ofSeconds(2)).start());
        started.add(ProcessHandle.of(process.pid()).orElseThrow());
        assertEquals("ready", await(process.stdout().readLine()));
        return process;
    }

    @Test
    void aCancelledWaitForIsCancelledAtOnceAndANewWaitForSeesTheTreeKilled() throws Exception {
        Subprocess process = sigtermIgnoring();
        ProcessHandle handle = ProcessHandle.of(process.pid()).orElseThrow();
        CompletableFuture<Integer> waiting = process.waitFor();
        assertTrue(waiting.cancel(true));
        assertThrows(CancellationException.class, waiting::join);
        // Cancelled at once (CompletableFuture.cancel's contract), while SIGTERM is being ignored.
        assertTrue(handle.isAlive(), "the process ignores SIGTERM for the grace period");
        // The class comment: to wait until the process is gone, call waitFor() again.
        assertEquals(128 + 9, await(process.waitFor()), "killed by SIGKILL after the grace period");
        assertFalse(handle.isAlive());
    }

    @Test
    void aCancelledCommunicateIsCancelledAtOnceAndANewWaitForSeesTheTreeKilled() throws Exception {
        Subprocess process = sigtermIgnoring();
        ProcessHandle handle = ProcessHandle.of(process.pid()).orElseThrow();
        CompletableFuture<?> communicating = process.communicate(null, null);
        assertTrue(communicating.cancel(true));
        assertThrows(CancellationException.class, communicating::join);
        assertTrue(handle.isAlive(), "the process ignores SIGTERM for the grace period");
        assertEquals(128 + 9, await(process.waitFor()), "killed by SIGKILL after the grace period");
        assertFalse(handle.isAlive());
    }
}
