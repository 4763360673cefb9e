package dev.kaio.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.kaio.ContextVar;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link ContextVar} (the core's class, used as is from Java) with the facade's futures. */
class ContextVarTest {
    private static final long LONG_DELAY_SECONDS = 10;
    private static final ContextVar<String> REQUEST_ID = new ContextVar<>("requestId", null);

    @Test
    void aTaskStartsFromTheCallersValuesAndItsSetsStayInside() throws Exception {
        ContextVar.Token<String> token = REQUEST_ID.set("req-7");
        try {
            CompletableFuture<String> gate = new CompletableFuture<>();
            CompletableFuture<String> seenByTask = Tasks.spawn(() -> {
                String inherited = REQUEST_ID.get();
                REQUEST_ID.set("changed by the task");
                return gate.thenApply(ignored -> inherited);
            });
            // registered before the task completes: runs on the task's completion, with the caller's values
            CompletableFuture<String> seenByCallback = seenByTask.thenApply(inherited -> inherited + "/" + REQUEST_ID.get());
            gate.complete("go");
            assertEquals("req-7/req-7", seenByCallback.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS));
            assertEquals("req-7", REQUEST_ID.get(), "the task's set did not leak to the caller");
        } finally {
            REQUEST_ID.reset(token);
        }
        assertNull(REQUEST_ID.get());
    }

    @Test
    void valuesFollowTheTaskToABlockingThread() throws Exception {
        ContextVar.Token<String> token = REQUEST_ID.set("req-8");
        try {
            String seen = EventLoop.run(() -> Tasks.toThread(REQUEST_ID::get));
            assertEquals("req-8", seen);
        } finally {
            REQUEST_ID.reset(token);
        }
    }
}
