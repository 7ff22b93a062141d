package dev.tailgate.audit;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes each event as one JSON object per line, from a writer thread of its own, so that a slow
 * disk or a stalled terminal never stalls an event loop. Jackson does the escaping: a newline or a
 * control character in a target name cannot forge a second line.
 *
 * <p>The queue is bounded; when it is full, events are counted as dropped rather than held.
 *
 * <p>Once woken by a line, the writer waits {@link #LINGER_MILLIS} before it drains the queue, and
 * writes what it found in one write and one flush: under load, lines come many a millisecond, and a
 * wake-up of this thread for each (a futex call on the event loop that records it, a context switch
 * on a small machine) cost more than the line itself. An idle log waits without waking.
 */
public final class JsonLinesLog implements ConnectionLog {

  static final int QUEUE_CAPACITY = 65_536;

  /** How long the first line of a batch may wait for others. */
  static final long LINGER_MILLIS = 10;

  /** A batch is written out once it holds this much, so that a burst needs no large buffer. */
  private static final int BATCH_BYTES = 64 * 1024;

  private static final JsonFactory JSON = new JsonFactory();
  private static final ConnectionEvent POISON =
      new ConnectionEvent(
          null, null, null, null, null, 0, null, null, null, null, 0, 0, 0, null, null, null, 0,
          null);

  private final BlockingQueue<ConnectionEvent> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final AtomicLong dropped = new AtomicLong();
  private final OutputStream out;
  private final boolean closeOut;
  private final Thread writer;

  private JsonLinesLog(OutputStream out, boolean closeOut) {
    this.out = out;
    this.closeOut = closeOut;
    this.writer = new Thread(this::drain, "tailgate-connection-log");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  /** A log on standard output, which it does not close. */
  public static JsonLinesLog toStdout() {
    return new JsonLinesLog(System.out, false);
  }

  /** A log appended to {@code file}, created 0600 if missing. */
  public static JsonLinesLog toFile(Path file) throws IOException {
    if (!Files.exists(file)) {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    OutputStream out =
        Files.newOutputStream(file, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    return new JsonLinesLog(out, true);
  }

  /** A log into any stream, for tests. */
  public static JsonLinesLog to(OutputStream out) {
    return new JsonLinesLog(out, false);
  }

  @Override
  public void record(ConnectionEvent event) {
    if (!queue.offer(event)) {
      dropped.incrementAndGet();
    }
  }

  /** Events lost because the writer could not keep up. */
  public long dropped() {
    return dropped.get();
  }

  @Override
  public void close() {
    try {
      queue.put(POISON);
      writer.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      out.flush();
      if (closeOut) {
        out.close();
      }
    } catch (IOException ignored) {
      // Nothing left to tell: the sink itself is gone.
    }
  }

  private void drain() {
    ByteArrayOutputStream batch = new ByteArrayOutputStream(BATCH_BYTES);
    try {
      while (true) {
        ConnectionEvent event = queue.take();
        if (event != POISON) {
          Thread.sleep(LINGER_MILLIS);
        }
        while (event != null && event != POISON) {
          write(event, batch);
          if (batch.size() >= BATCH_BYTES) {
            batch.writeTo(out);
            batch.reset();
          }
          event = queue.poll();
        }
        batch.writeTo(out);
        batch.reset();
        out.flush();
        if (event == POISON) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      throw new UncheckedIOException("connection log: cannot write", e);
    }
  }

  /** Serializes one event as a line; public for tests of the format. */
  public static String toLine(ConnectionEvent event) {
    ByteArrayOutputStream line = new ByteArrayOutputStream(512);
    try {
      write(event, line);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return line.toString(StandardCharsets.UTF_8);
  }

  private static void write(ConnectionEvent e, ByteArrayOutputStream sink) throws IOException {
    try (JsonGenerator g = JSON.createGenerator(sink, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField("ts", DateTimeFormatter.ISO_INSTANT.format(e.ts()));
      g.writeStringField("id", e.id());
      g.writeStringField("client", e.client());
      if (e.clientTag() != null) {
        g.writeStringField("client_tag", e.clientTag());
      }
      g.writeStringField("proto", e.proto());
      g.writeStringField("target_host", e.targetHost());
      g.writeNumberField("target_port", e.targetPort());
      if (e.isRequest()) {
        g.writeStringField("method", e.method());
        g.writeNumberField("status", e.status());
      }
      g.writeStringField("decision", e.decision());
      g.writeStringField("rule", e.rule());
      if (e.reason() != null) {
        g.writeStringField("reason", e.reason());
      }
      g.writeStringField("result", e.result());
      g.writeNumberField("bytes_up", e.bytesUp());
      g.writeNumberField("bytes_down", e.bytesDown());
      g.writeNumberField("duration_ms", e.durationMs());
      g.writeStringField("closed_by", e.closedBy());
      ConnectionEvent.LocalClient local = e.local();
      if (local != null) {
        if (local.uid() != null) {
          g.writeNumberField("client_uid", local.uid());
        }
        if (local.pid() != null) {
          g.writeNumberField("client_pid", local.pid());
        }
        if (local.command() != null) {
          g.writeStringField("client_cmd", local.command());
        }
        if (local.tree() != null) {
          g.writeStringField("client_tree", local.tree());
        }
        if (local.unknown() != null) {
          g.writeStringField("client_unknown", local.unknown());
        }
      }
      g.writeEndObject();
    }
    sink.write('\n');
  }
}
