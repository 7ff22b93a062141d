package dev.tailgate.bootstrap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The last lines of a log file, read from its last 16 KiB only, for one-line error messages. */
public final class LogTail {
  private static final int WINDOW = 16 * 1024;

  private LogTail() {}

  /** Up to {@code lines} last lines joined with " | ", or "" when the file cannot be read. */
  public static String of(Path log, int lines) {
    try (SeekableByteChannel ch = Files.newByteChannel(log)) {
      long size = ch.size();
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(size, WINDOW));
      ch.position(size - buf.capacity());
      while (buf.hasRemaining() && ch.read(buf) > 0) {
        // keep reading until the window is full
      }
      List<String> all =
          new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).lines().toList();
      return String.join(" | ", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "";
    }
  }
}
