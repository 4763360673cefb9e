package dev.kaio.java.io;

import dev.kaio.interop.IoInterop;
import dev.kaio.io.CompletedProcess;
import dev.kaio.io.Stdio;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * A running program, asyncio's {@code create_subprocess_exec}, adapting
 * {@code dev.kaio.io.Subprocess}.
 *
 * <p><b>Streams.</b> Choose each of stdin, stdout and stderr with a {@link Stdio}: {@code PIPE},
 * {@code INHERIT} (the default, as in asyncio), {@code DISCARD}, a file, or {@code STDOUT} for
 * stderr. Piped streams are {@link StreamReader}s and a {@link StreamWriter}. The pipes of a
 * {@code java.lang.Process} are blocking, so each piped stream uses one I/O thread while the
 * process runs.
 *
 * <p><b>Cancellation.</b> Cancelling the future of {@link #waitFor()} or {@link #communicate}
 * terminates the process <em>and its descendants</em> (SIGTERM), waits up to the grace period
 * (2 s by default) and kills the survivors (SIGKILL): no process of the tree is left. The future
 * itself is cancelled at once, as {@code CompletableFuture.cancel} must do, while this goes on in
 * the background; to wait until the process is gone, call {@link #waitFor()} again: it completes
 * with the exit code once the process has exited. (A timeout of {@link #communicate} is different:
 * its future fails only after the tree was terminated.) {@link #terminate()} and {@link #kill()}
 * signal the process only.
 * <b>Interruption</b> plays no part: no method blocks a thread.
 *
 * <p><b>Sample usage</b>
 * <pre>{@code
 * CompletedProcess result = Subprocess.exec("ls", "-l").stdout(Stdio.PIPE).start()
 *     .thenCompose(p -> p.communicate(null, Duration.ofSeconds(10))).join();
 * List<CompletedProcess> all = Subprocess.runAll(commands, 4, null).join(); // at most 4 at once
 * }</pre>
 */
public final class Subprocess {
    private final dev.kaio.io.Subprocess delegate;

    private Subprocess(dev.kaio.io.Subprocess delegate) {
        this.delegate = delegate;
    }

    /**
     * A builder for {@code program} with {@code args}, started without a shell: each argument
     * reaches the program as it is.
     *
     * @param program the program, looked up in the {@code PATH}
     * @param args its arguments
     * @return a builder
     */
    public static Builder exec(String program, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Objects.requireNonNull(program, "program"));
        command.addAll(Arrays.asList(args));
        return new Builder(command);
    }

    /**
     * A builder for {@code commandLine} run by the system shell ({@code /bin/sh -c}). Only use it
     * with trusted text: the shell interprets it. Cancellation stops the commands it started too.
     *
     * @param commandLine the shell command line
     * @return a builder
     */
    public static Builder shell(String commandLine) {
        return new Builder(IoInterop.shellCommand(Objects.requireNonNull(commandLine, "commandLine")));
    }

    /**
     * Runs {@code command} to its end with stdout and stderr piped (stdin piped if {@code input}
     * is not null, else empty) and returns its outputs, as Python's {@code subprocess.run}.
     * A non-zero exit is not a failure. Cancellation: terminates the process tree as described
     * above. Failure (unwrapped): {@code dev.kaio.io.ExecutableNotFoundException},
     * {@code dev.kaio.DeadlineExceededException} (a {@code TimeoutException}) after the tree was
     * terminated.
     *
     * @param command the program and its arguments
     * @param input bytes for stdin, or null
     * @param timeout the deadline, or null
     * @return a future of the result
     */
    public static CompletableFuture<CompletedProcess> run(List<String> command, byte[] input, Duration timeout) {
        return IoInterop.run(List.copyOf(command), input, timeout, null, null);
    }

    /**
     * Runs every command with {@link #run}, at most {@code concurrency} at once, and returns the
     * results in order. If one cannot start or times out, the others are cancelled (their trees
     * terminated) and the future fails with that failure. Cancellation cancels them all.
     *
     * @param commands the commands
     * @param concurrency how many may run at once, positive
     * @param timeout the deadline of each command, or null
     * @return a future of the results, in the order of {@code commands}
     */
    public static CompletableFuture<List<CompletedProcess>> runAll(
            List<List<String>> commands, int concurrency, Duration timeout) {
        List<List<String>> copy = new ArrayList<>();
        for (List<String> command : commands) {
            copy.add(List.copyOf(command));
        }
        return IoInterop.runAll(copy, concurrency, timeout);
    }

    /** Options of a process to start. Not thread-safe; reusable. */
    public static final class Builder {
        private final List<String> command;
        private Path directory;
        private Map<String, String> environment;
        private Stdio stdin = Stdio.INHERIT;
        private Stdio stdout = Stdio.INHERIT;
        private Stdio stderr = Stdio.INHERIT;
        private Duration terminateGrace = Duration.ofSeconds(2);
        private int limit = Streams.DEFAULT_LIMIT;

        private Builder(List<String> command) {
            this.command = List.copyOf(command);
        }

        /**
         * The working directory (default: the JVM's).
         *
         * @param directory an existing directory
         * @return this builder
         */
        public Builder directory(Path directory) {
            this.directory = directory;
            return this;
        }

        /**
         * The whole environment of the process (default: the JVM's).
         *
         * @param environment the variables
         * @return this builder
         */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(environment);
            return this;
        }

        /**
         * Where stdin comes from.
         *
         * @param stdin a {@link Stdio}
         * @return this builder
         */
        public Builder stdin(Stdio stdin) {
            this.stdin = Objects.requireNonNull(stdin, "stdin");
            return this;
        }

        /**
         * Where stdout goes.
         *
         * @param stdout a {@link Stdio}
         * @return this builder
         */
        public Builder stdout(Stdio stdout) {
            this.stdout = Objects.requireNonNull(stdout, "stdout");
            return this;
        }

        /**
         * Where stderr goes ({@code Stdio.STDOUT} merges it into stdout).
         *
         * @param stderr a {@link Stdio}
         * @return this builder
         */
        public Builder stderr(Stdio stderr) {
            this.stderr = Objects.requireNonNull(stderr, "stderr");
            return this;
        }

        /**
         * How long cancellation waits after SIGTERM before SIGKILL (default 2 s).
         *
         * @param grace a non-negative duration
         * @return this builder
         */
        public Builder terminateGrace(Duration grace) {
            this.terminateGrace = Objects.requireNonNull(grace, "grace");
            return this;
        }

        /**
         * The line limit of piped outputs (default 64 KiB).
         *
         * @param limit a positive byte count
         * @return this builder
         */
        public Builder limit(int limit) {
            this.limit = limit;
            return this;
        }

        /**
         * Starts the process. Cancellation of the future before it completes: a process that
         * started anyway is not stopped (use {@link #waitFor()}). Failure (unwrapped):
         * {@code dev.kaio.io.ExecutableNotFoundException} naming the program and the PATH,
         * {@code java.nio.file.NoSuchFileException} for a missing directory,
         * {@code IllegalArgumentException} for {@code Stdio.STDOUT} on stdin or stdout.
         *
         * @return a future of the running process
         */
        public CompletableFuture<Subprocess> start() {
            return IoInterop.exec(command, directory, environment, stdin, stdout, stderr, terminateGrace, limit,
                Subprocess::new);
        }
    }

    /**
     * The process id.
     *
     * @return the pid
     */
    public long pid() {
        return delegate.getPid();
    }

    /**
     * The command and arguments.
     *
     * @return the command
     */
    public List<String> command() {
        return delegate.getCommand();
    }

    /**
     * The exit code, or empty while the process runs.
     *
     * @return the exit code if it has exited
     */
    public OptionalInt exitCode() {
        Integer code = delegate.getExitCode();
        return code == null ? OptionalInt.empty() : OptionalInt.of(code);
    }

    /**
     * The process's stdin.
     *
     * @return its writer
     * @throws IllegalStateException unless stdin is {@code Stdio.PIPE}
     */
    public StreamWriter stdin() {
        return new StreamWriter(delegate.getStdin());
    }

    /**
     * The process's stdout.
     *
     * @return its reader
     * @throws IllegalStateException unless stdout is {@code Stdio.PIPE}
     */
    public StreamReader stdout() {
        return new StreamReader(delegate.getStdout());
    }

    /**
     * The process's stderr.
     *
     * @return its reader
     * @throws IllegalStateException unless stderr is {@code Stdio.PIPE}
     */
    public StreamReader stderr() {
        return new StreamReader(delegate.getStderr());
    }

    /**
     * Completes with the exit code when the process exits (asyncio's {@code wait()}; unlike
     * {@code Process.waitFor()} it never blocks). Cancelling the future terminates the process tree,
     * then kills it after the grace period, as described above; the future is cancelled at once,
     * before the process is gone. Never fails otherwise.
     *
     * @return a future of the exit code
     */
    public CompletableFuture<Integer> waitFor() {
        return IoInterop.waitFor(delegate);
    }

    /** Asks the process to stop (SIGTERM). No effect once it has exited. */
    public void terminate() {
        delegate.terminate();
    }

    /** Stops the process at once (SIGKILL). No effect once it has exited. */
    public void kill() {
        delegate.kill();
    }

    /**
     * Sends {@code input} to stdin (if not null) and closes it, reads stdout and stderr to their
     * end concurrently (no deadlock however much each carries), and waits for the exit.
     * Cancellation: terminates the process tree (the future is cancelled at once, before the
     * process is gone; see the class comment). Failure (unwrapped):
     * {@code dev.kaio.DeadlineExceededException} when {@code timeout} passes, after the tree was
     * terminated; {@code IllegalArgumentException} if {@code input} is given but stdin is not piped.
     *
     * @param input bytes for stdin, or null
     * @param timeout the deadline, or null for none
     * @return a future of the exit code and outputs (null for streams not piped)
     */
    public CompletableFuture<CompletedProcess> communicate(byte[] input, Duration timeout) {
        return IoInterop.communicate(delegate, input, timeout);
    }

    /**
     * The Kotlin process this adapts.
     *
     * @return the Kotlin process
     */
    public dev.kaio.io.Subprocess asKotlin() {
        return delegate;
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
