package dev.kaio.java.io;

import static dev.kaio.java.io.JavaIoTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.DeadlineExceededException;
import dev.kaio.io.CompletedProcess;
import dev.kaio.io.ExecutableNotFoundException;
import dev.kaio.io.Stdio;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

class SubprocessTest {
    @Test
    void execWithPipesTalksToTheProcess() throws Exception {
        Subprocess cat = await(Subprocess.exec("cat").stdin(Stdio.PIPE).stdout(Stdio.PIPE).stderr(Stdio.DISCARD).start());
        assertTrue(cat.pid() > 0);
        assertEquals(List.of("cat"), cat.command());
        assertFalse(cat.exitCode().isPresent());
        cat.stdin().writeLine("hello");
        await(cat.stdin().drain());
        assertEquals("hello", await(cat.stdout().readLine()));
        cat.stdin().close();
        assertEquals(0, await(cat.waitFor()));
        assertEquals(0, cat.exitCode().getAsInt());
        assertThrows(IllegalStateException.class, cat::stderr);
    }

    @Test
    void shellCommunicateDirectoryAndEnvironment() throws Exception {
        Path dir = Files.createTempDirectory("kaio-java-sub");
        try {
            Subprocess sh = await(Subprocess.shell("cat; pwd; echo \"$KAIO_X\" >&2")
                .directory(dir)
                .environment(Map.of("KAIO_X", "x", "PATH", System.getenv("PATH")))
                .stdin(Stdio.PIPE).stdout(Stdio.PIPE).stderr(Stdio.PIPE)
                .terminateGrace(Duration.ofSeconds(1)).limit(1024)
                .start());
            CompletedProcess result = await(sh.communicate("in\n".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10)));
            assertEquals(0, result.getExitCode());
            assertEquals("in\n" + dir.toRealPath() + "\n", result.getStdoutText());
            assertEquals("x\n", result.getStderrText());
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void runAllWithAConcurrencyLimit() throws Exception {
        List<List<String>> commands = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            commands.add(List.of("/bin/sh", "-c", "echo " + i));
        }
        List<CompletedProcess> results = await(Subprocess.runAll(commands, 2, Duration.ofSeconds(10)));
        for (int i = 0; i < 6; i++) {
            assertEquals(i + "\n", results.get(i).getStdoutText());
        }
        assertEquals(3, await(Subprocess.run(List.of("/bin/sh", "-c", "exit 3"), null, null)).getExitCode());
    }

    @Test
    void timeoutCancellationAndMissingProgram() throws Exception {
        Subprocess sleeper = await(Subprocess.exec("sleep", "300").stdout(Stdio.PIPE).stderr(Stdio.PIPE)
            .terminateGrace(Duration.ofMillis(500)).start());
        ProcessHandle handle = ProcessHandle.of(sleeper.pid()).orElseThrow();
        assertThrows(DeadlineExceededException.class, () -> await(sleeper.communicate(null, Duration.ofMillis(100))));
        assertFalse(handle.isAlive());

        Subprocess another = await(Subprocess.exec("sleep", "300").stdout(Stdio.DISCARD).start());
        ProcessHandle anotherHandle = ProcessHandle.of(another.pid()).orElseThrow();
        CompletableFuture<Integer> waiting = another.waitFor();
        assertTrue(waiting.cancel(true));
        assertThrows(CancellationException.class, waiting::join);
        anotherHandle.onExit().get(JavaIoTesting.LONG_DELAY_SECONDS, java.util.concurrent.TimeUnit.SECONDS);

        Subprocess term = await(Subprocess.exec("sleep", "300").stdout(Stdio.DISCARD).start());
        term.kill();
        assertEquals(137, await(term.waitFor()));
        term.terminate(); // no effect once exited

        ExecutableNotFoundException missing = assertThrows(ExecutableNotFoundException.class,
            () -> await(Subprocess.exec("kaio-no-such-program").start()));
        assertTrue(missing.getMessage().contains("kaio-no-such-program"));
    }
}
