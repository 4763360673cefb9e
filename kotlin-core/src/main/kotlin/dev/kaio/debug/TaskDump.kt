package dev.kaio.debug

import kotlin.coroutines.ContinuationInterceptor
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.Job
import kotlinx.coroutines.debug.DebugProbes
import kotlinx.coroutines.debug.State

/** Where a task is in its life, as the task dump saw it. */
public enum class TaskState {
    /** Started lazily and not yet running (`CoroutineStart.LAZY`). */
    CREATED,

    /** Running a step on some thread right now. */
    RUNNING,

    /** Suspended, waiting to be resumed. */
    SUSPENDED,
}

/**
 * One live task in a [TaskDump]: its [name] (its `CoroutineName`, or `"unnamed"`), its [state],
 * and [stack], where it is suspended (or, when [RUNNING][TaskState.RUNNING], where it last
 * suspended or was resumed), innermost frame first. [dispatcher] names where its steps run; [job]
 * is the task itself, for callers that want to cancel it or walk its children.
 */
public data class TaskInfo(
    public val name: String,
    public val state: TaskState,
    public val stack: List<StackTraceElement>,
    public val dispatcher: String?,
    public val job: Job?,
) {
    /** The task as the text dump shows it: a header line, then one `at` line per frame. */
    override fun toString(): String = buildString {
        append("Task '").append(name).append("' ").append(state)
        if (dispatcher != null) append(" on ").append(dispatcher)
        stack.forEach { append("\n\tat ").append(it) }
    }
}

/**
 * A dump of every live task, asyncio's `asyncio.all_tasks()` with each task's stack
 * (`Task.print_stack()`), as data ([capture]) and as text ([render]).
 *
 * Built on kotlinx-coroutines-debug's `DebugProbes`, which must be installed **before** the tasks
 * to be seen are created: `EventLoop.run(debug = true)` installs it for the life of the loop; any
 * other code calls [install] (and [uninstall] when done). Installs are counted, so nested users
 * are fine.
 *
 * **Cost and JDK flags.** [install] attaches a ByteBuddy agent to the running JVM (once per JVM,
 * about a second) and from then on every coroutine's creation, suspension and resumption is
 * recorded (including a creation stack trace, unless `DebugProbes.enableCreationStackTraces` is set
 * to false before installing): a debugging aid, not for production hot paths. On JDK 21 and later
 * the JVM warns about a dynamically loaded agent unless started with
 * `-XX:+EnableDynamicAgentLoading` (Kaio's own test runs pass it); the dump works either way.
 *
 * The dump sees every coroutine of the JVM (not only Kaio's), including the caller's own.
 */
public object TaskDump {
    /** True while at least one [install] has not been matched by an [uninstall]. */
    @JvmStatic
    public val isInstalled: Boolean get() = DebugProbes.isInstalled

    /** Starts recording tasks (see [TaskDump] for the cost); tasks created from now on are seen. */
    @JvmStatic
    public fun install() {
        DebugProbes.install()
    }

    /**
     * Undoes one [install]; recording stops when every install is undone.
     *
     * @throws IllegalStateException if the dump is not installed.
     */
    @JvmStatic
    public fun uninstall() {
        check(DebugProbes.isInstalled) { "the task dump is not installed: nothing to uninstall" }
        DebugProbes.uninstall()
    }

    /**
     * Every live task created since [install], oldest first.
     *
     * @throws IllegalStateException if the dump is not installed: call [install] first, or run
     *   the code in `EventLoop.run(debug = true)`.
     */
    @JvmStatic
    public fun capture(): List<TaskInfo> {
        check(DebugProbes.isInstalled) {
            "the task dump is not installed: call TaskDump.install() first, or use EventLoop.run(debug = true)"
        }
        return DebugProbes.dumpCoroutinesInfo().map { info ->
            TaskInfo(
                name = info.context[CoroutineName]?.name ?: "unnamed",
                state = when (info.state) {
                    State.CREATED -> TaskState.CREATED
                    State.RUNNING -> TaskState.RUNNING
                    State.SUSPENDED -> TaskState.SUSPENDED
                },
                stack = info.lastObservedStackTrace(),
                dispatcher = info.context[ContinuationInterceptor]?.toString(),
                job = info.job,
            )
        }
    }

    /** [tasks] (by default a fresh [capture]) as text: a count line, then each task, a blank line between. */
    @JvmStatic
    @JvmOverloads
    public fun render(tasks: List<TaskInfo> = capture()): String =
        tasks.joinToString("\n\n", prefix = "${tasks.size} live task${if (tasks.size == 1) "" else "s"}\n\n")
}
