package dev.kaio.java.debug;

import dev.kaio.debug.TaskInfo;
import java.util.List;
import java.util.Objects;

/**
 * A dump of every live task (asyncio's {@code all_tasks()} with each task's stack), as data and as
 * text: the Java view of {@link dev.kaio.debug.TaskDump}, the same recorder.
 *
 * <p>The recorder (kotlinx-coroutines-debug's {@code DebugProbes}) sees only tasks created after
 * it was installed: {@code EventLoop.run(true, main)} installs it for the life of the loop;
 * elsewhere call {@link #install()} first and {@link #uninstall()} when done (installs are
 * counted). Installing attaches a ByteBuddy agent to the JVM: on JDK 21 and later start the JVM
 * with {@code -XX:+EnableDynamicAgentLoading} to avoid its warning. Recording costs time on every
 * task step: a debugging aid, not for production hot paths.
 *
 * <p><b>Sample usage</b>:
 * <pre>{@code
 * TaskDump.install();
 * try {
 *     ... start tasks ...
 *     System.err.println(TaskDump.render());
 * } finally {
 *     TaskDump.uninstall();
 * }
 * }</pre>
 */
public final class TaskDump {
    private TaskDump() {}

    /** Starts recording tasks; tasks created from now on appear in the dump. */
    public static void install() {
        dev.kaio.debug.TaskDump.install();
    }

    /**
     * Undoes one {@link #install()}; recording stops when every install is undone.
     *
     * @throws IllegalStateException if the dump is not installed
     */
    public static void uninstall() {
        dev.kaio.debug.TaskDump.uninstall();
    }

    /** Whether the dump is installed (by {@link #install()} or a loop in debug mode). */
    public static boolean isInstalled() {
        return dev.kaio.debug.TaskDump.isInstalled();
    }

    /**
     * Every live task: name, state, where it is suspended.
     *
     * @throws IllegalStateException if the dump is not installed
     */
    public static List<TaskInfo> capture() {
        return dev.kaio.debug.TaskDump.capture();
    }

    /**
     * A fresh {@link #capture()} as text.
     *
     * @throws IllegalStateException if the dump is not installed
     */
    public static String render() {
        return dev.kaio.debug.TaskDump.render();
    }

    /** {@code tasks} as text: a count line, then each task with its stack. */
    public static String render(List<TaskInfo> tasks) {
        return dev.kaio.debug.TaskDump.render(Objects.requireNonNull(tasks, "tasks"));
    }
}
