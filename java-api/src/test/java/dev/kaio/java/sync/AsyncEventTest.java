package dev.kaio.java.sync;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link AsyncEvent} from Java. */
class AsyncEventTest {
    static final long LONG_DELAY_MS = 10_000;

    @Test
    void setReleasesWaitersAndClearResets() throws Exception {
        AsyncEvent event = AsyncEvent.create();
        CompletableFuture<Void> a = event.await();
        CompletableFuture<Void> b = event.await();
        assertFalse(a.isDone());
        event.set();
        a.get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        b.get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        assertTrue(event.await().isDone(), "a set event lets waits pass at once");
        event.clear();
        assertFalse(event.isSet());
        CompletableFuture<Void> c = event.await();
        assertFalse(c.isDone());
        assertTrue(c.cancel(false));
        event.set();
        assertTrue(c.isCancelled());
    }
}
