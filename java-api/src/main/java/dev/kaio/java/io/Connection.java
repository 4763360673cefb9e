package dev.kaio.java.io;

import java.util.Objects;

/** Both halves of a TCP connection, as {@link Streams#openConnection} returns them. */
public final class Connection {
    private final StreamReader reader;
    private final StreamWriter writer;

    Connection(StreamReader reader, StreamWriter writer) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.writer = Objects.requireNonNull(writer, "writer");
    }

    /**
     * The reading half.
     *
     * @return the reader
     */
    public StreamReader reader() {
        return reader;
    }

    /**
     * The writing half; closing it closes the connection.
     *
     * @return the writer
     */
    public StreamWriter writer() {
        return writer;
    }

    @Override
    public String toString() {
        return "Connection(peer=" + writer.peerAddress() + ")";
    }
}
