package dev.kaio.java.io;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** TCK-style helpers: one long-delay constant, and a bounded wait that unwraps failures. */
final class JavaIoTesting {
    static final long LONG_DELAY_SECONDS = 20;

    private JavaIoTesting() {
    }

    static <T> T await(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(LONG_DELAY_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception) {
                throw (Exception) cause;
            }
            throw e;
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new AssertionError("no result within " + LONG_DELAY_SECONDS + " s", e);
        }
    }

    /** A Java echo loop over the facade: each line is written back, with a drain. */
    static CompletableFuture<Void> echo(StreamReader reader, StreamWriter writer) {
        return reader.readLine().thenCompose(line -> {
            if (line == null) {
                return CompletableFuture.completedFuture(null);
            }
            writer.writeLine(line);
            return writer.drain().thenCompose(ignored -> echo(reader, writer));
        });
    }
}
