package dev.kaio.java.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.debug.TaskInfo;
import dev.kaio.debug.TaskState;
import dev.kaio.java.EventLoop;
import dev.kaio.java.Tasks;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@link TaskDump} from Java source: a loop in debug mode installs it. */
class TaskDumpTest {
    @Test
    void aLoopInDebugModeListsItsSuspendedTasks() throws Exception {
        CompletableFuture<String> gate = new CompletableFuture<>();
        List<TaskInfo> tasks = EventLoop.run(true, () -> {
            Tasks.spawn("waiting-java-task", () -> gate);
            // the next loop turn: the spawned task has started and suspended on the gate
            return Tasks.sleep(java.time.Duration.ZERO).thenApply(ignored -> TaskDump.capture());
        });
        TaskInfo waiting = tasks.stream().filter(t -> t.getName().equals("waiting-java-task")).findFirst().orElseThrow();
        assertEquals(TaskState.SUSPENDED, waiting.getState());
        assertTrue(TaskDump.render(tasks).contains("Task 'waiting-java-task' SUSPENDED"), TaskDump.render(tasks));
        assertFalse(TaskDump.isInstalled());
    }

    @Test
    void captureOutsideDebugModeSaysWhatToDo() {
        IllegalStateException e = assertThrows(IllegalStateException.class, TaskDump::capture);
        assertTrue(e.getMessage().startsWith("the task dump is not installed"), e.getMessage());
        assertThrows(IllegalStateException.class, TaskDump::uninstall);
    }

    @Test
    void installedByHandItSeesTasksStartedAfterwards() throws Exception {
        TaskDump.install();
        try {
            CompletableFuture<Void> gate = new CompletableFuture<>();
            CompletableFuture<Void> task = Tasks.spawn("by-hand", () -> gate);
            assertTrue(TaskDump.capture().stream().anyMatch(t -> t.getName().equals("by-hand")));
            gate.complete(null);
            task.get(10, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            TaskDump.uninstall();
        }
    }
}
