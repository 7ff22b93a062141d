package dev.tailgate.keys;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.EnumSet;

/**
 * An auth key held as UTF-8 bytes that {@link #close()} overwrites. It leaves memory only through
 * {@link #writeToPrivateFile(Path)}, for {@code tailscale up --auth-key=file:PATH}.
 *
 * <p>Java cannot promise that no copy survives (the JVM moves arrays; an environment variable is an
 * immutable String), so this is hygiene, not a guarantee: the key is kept out of Strings we make,
 * out of {@link #toString()}, out of argv and out of files others can read.
 */
public final class Secret implements AutoCloseable {
  private static final EnumSet<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private final byte[] value;
  private boolean closed;

  private Secret(byte[] value) {
    this.value = value;
  }

  /** Copies {@code buf[off, off+len)} without leading and trailing ASCII whitespace. */
  static Secret trimmedCopyOf(byte[] buf, int off, int len) {
    int start = off;
    int end = off + len;
    while (start < end && isAsciiWhitespace(buf[start])) {
      start++;
    }
    while (end > start && isAsciiWhitespace(buf[end - 1])) {
      end--;
    }
    return new Secret(Arrays.copyOfRange(buf, start, end));
  }

  /** Encodes {@code chars} as UTF-8, trimmed; the caller still owns (and should clear) them. */
  static Secret trimmedCopyOf(char[] chars) {
    ByteBuffer encoded = UTF_8.encode(CharBuffer.wrap(chars));
    byte[] bytes = new byte[encoded.remaining()];
    encoded.get(bytes);
    Arrays.fill(encoded.array(), (byte) 0);
    try {
      return trimmedCopyOf(bytes, 0, bytes.length);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  private static boolean isAsciiWhitespace(byte b) {
    return b == ' ' || (b >= '\t' && b <= '\r');
  }

  /** Number of bytes in the key; 0 after {@link #close()}. */
  public synchronized int length() {
    return closed ? 0 : value.length;
  }

  public synchronized boolean isEmpty() {
    return length() == 0;
  }

  /**
   * Writes the key to a new file in {@code dir}, created atomically with mode 0600 (the permissions
   * are part of the create call, not a chmod after it). The caller deletes the file, with {@link
   * #deletePrivateFile(Path)}, as soon as it has been read.
   */
  public synchronized Path writeToPrivateFile(Path dir) throws IOException {
    if (closed) {
      throw new IllegalStateException("secret already closed");
    }
    Path file =
        Files.createTempFile(
            dir, "tailgate-authkey-", ".key", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    try (SeekableByteChannel out = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
      ByteBuffer src = ByteBuffer.wrap(value);
      while (src.hasRemaining()) {
        out.write(src);
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file);
      throw e;
    }
    return file;
  }

  /**
   * Deletes a file made by {@link #writeToPrivateFile(Path)}; a file already gone is not an error.
   *
   * @return whether this call deleted it
   */
  public static boolean deletePrivateFile(Path file) throws IOException {
    return Files.deleteIfExists(file);
  }

  /** Overwrites the key in memory. Idempotent. */
  @Override
  public synchronized void close() {
    Arrays.fill(value, (byte) 0);
    closed = true;
  }

  @Override
  public String toString() {
    return "Secret[redacted]";
  }
}
