package dev.kaio.samples;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code kaio-samples} launcher: {@code kaio-samples <name> [options]}. */
public final class Launcher {
    private Launcher() {}

    /** A runnable sample: its one-line description and its entry point, which returns the exit code. */
    interface Sample {
        int run(String[] args) throws Exception;
    }

    record Entry(String description, Sample sample) {}

    static Map<String, Entry> samples() {
        Map<String, Entry> samples = new LinkedHashMap<>();
        samples.put("demo", new Entry("a tour of the task API from Java: gather, as-completed, timeout, task group",
                dev.kaio.samples.demo.TasksDemo::run));
        samples.put("echo", new Entry("TCP echo server (ch. 3): bounded lines, many clients, graceful stop on SIGINT/SIGTERM",
                dev.kaio.samples.echo.EchoServer::run));
        samples.put("chat", new Entry("chat server and terminal client (ch. 8): names, join/leave, broadcast, slow clients dropped",
                dev.kaio.samples.chat.ChatSample::run));
        samples.put("fetch", new Entry("concurrent web requests (ch. 4) with the Ktor client: gather, as-completed, wait, a limit",
                dev.kaio.samples.fetch.FetchSample::run));
        samples.put("fetch-java", new Entry("the same in Java: the JDK HttpClient through Kaio's Java facade",
                dev.kaio.samples.fetch.FetchSample::runJava));
        samples.put("subprocess", new Entry("subprocesses (ch. 13): commands at once with a limit, prefixed output, an interactive program",
                dev.kaio.samples.subprocess.SubprocessSample::run));
        samples.put("ngram", new Entry("MapReduce over n-gram data (ch. 6): generate a file, count words on every core, a word by year",
                dev.kaio.samples.ngram.NgramSample::run));
        return samples;
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    static int run(String[] args) throws Exception {
        Map<String, Entry> samples = samples();
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            printList(samples);
            return 0;
        }
        Entry entry = samples.get(args[0]);
        if (entry == null) {
            System.err.println("kaio-samples: unknown sample '" + args[0] + "'");
            printList(samples);
            return 2;
        }
        return entry.sample().run(Arrays.copyOfRange(args, 1, args.length));
    }

    private static void printList(Map<String, Entry> samples) {
        System.out.println("Usage: kaio-samples <name> [options]   (kaio-samples <name> --help for a sample's options)");
        System.out.println();
        System.out.println("Samples:");
        samples.forEach((name, entry) -> System.out.printf("  %-12s %s%n", name, entry.description()));
    }
}
