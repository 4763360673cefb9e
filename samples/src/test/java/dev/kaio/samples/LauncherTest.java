package dev.kaio.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The launcher and the demo sample, end to end in this JVM, with System.out captured. */
class LauncherTest {
    private record Run(int exitCode, String out, String err) {}

    private static Run launch(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Launcher.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }

    @Test
    void withoutArgumentsItListsTheSamples() throws Exception {
        Run run = launch();
        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("Usage: kaio-samples <name>"), run.out());
        for (String sample : new String[] {"demo", "echo", "chat", "fetch", "fetch-java", "subprocess"}) {
            assertTrue(run.out().contains("\n  " + sample + " "), sample + " listed in:\n" + run.out());
        }
    }

    @Test
    void anUnknownSampleIsAUsageError() throws Exception {
        Run run = launch("no-such-sample");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("unknown sample 'no-such-sample'"), run.err());
    }

    @Test
    void theDemoDoesItsWorkAndSaysWhat() throws Exception {
        Run run = launch("demo");
        assertEquals(0, run.exitCode(), run.err());
        String out = run.out();
        assertTrue(out.contains("results in argument order: [5000, 5000, 4000]"), out);
        assertTrue(out.contains("finisher #2"), out);
        assertTrue(out.contains("gave up: DeadlineExceededException"), out);
        assertTrue(out.contains("33,860 in all"), out); // pi(400,000)
        assertTrue(out.contains("done"), out);
    }

    @Test
    void theDemoRejectsOptionsItDoesNotHave() throws Exception {
        assertEquals(2, launch("demo", "--bogus").exitCode());
        assertEquals(0, launch("demo", "--help").exitCode());
    }

    @Test
    void everySampleHasHelpAndABadOptionIsAUsageErrorWithExitCode2() throws Exception {
        for (String sample : Launcher.samples().keySet()) {
            Run help = launch(sample, "--help");
            assertEquals(0, help.exitCode(), sample);
            assertTrue(help.out().contains("Usage: kaio-samples " + sample), help.out());
            Run bad = launch(sample, "--no-such-option");
            assertEquals(2, bad.exitCode(), sample);
        }
    }

    @Test
    void fetchExplainsABadOptionValueWithTheUsageAndExitCode2() throws Exception {
        for (String fetch : new String[] {"fetch", "fetch-java"}) {
            Run mode = launch(fetch, "--mode", "sideways");
            assertEquals(2, mode.exitCode());
            assertTrue(mode.err().contains("--mode must be gather, as-completed or wait: 'sideways'"), mode.err());
            assertTrue(mode.err().contains("Usage: kaio-samples " + fetch), mode.err());
            Run url = launch(fetch, "--url", "ftp://example.org/file");
            assertEquals(2, url.exitCode());
            assertTrue(url.err().contains("--url expects an http:// or https:// URL with a host"), url.err());
            assertEquals(2, launch(fetch, "--limit", "0").exitCode());
            assertEquals(2, launch(fetch, "--timeout", "soon").exitCode());
        }
        Run limit = launch("subprocess", "--limit", "none");
        assertEquals(2, limit.exitCode());
        assertTrue(limit.err().contains("--limit expects a number: 'none'"), limit.err());
    }

    @Test
    void aTakenPortOrAMissingServerIsExplainedInOneLineWithExitCode1() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String port = String.valueOf(taken.getLocalPort());
            for (String[] args : new String[][] {{"echo", "--port", port}, {"chat", "server", "--port", port}}) {
                Run run = launch(args);
                assertEquals(1, run.exitCode(), run.err());
                assertTrue(run.err().contains("kaio-samples " + args[0] + ": Address already in use"), run.err());
                assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
            }
        }
        String free;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = String.valueOf(closed.getLocalPort());
        }
        Run refused = launch("chat", "client", "--port", free, "--name", "ada");
        assertEquals(1, refused.exitCode(), refused.err());
        assertTrue(refused.err().contains("kaio-samples chat: Connection refused"), refused.err());
        assertFalse(refused.err().contains("\tat "), "no stack trace: " + refused.err());
    }

    @Test
    void echoExplainsABadOptionValue() throws Exception {
        Run run = launch("echo", "--port", "http");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("--port expects a number: 'http'"), run.err());
        assertTrue(run.err().contains("Usage: kaio-samples echo"), run.err());
        Run unknown = launch("echo", "--colour", "red");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("unknown option '--colour'"), unknown.err());
    }
}
