package dev.tailgate.base;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Reads a file of {@code user:password} lines, the one format of the relay's {@code auth-file} and
 * of {@code connect --credentials}, so one file of one line serves both. The file may be read by
 * its owner only (mode 0600) and is at most a given size, in UTF-8; blank lines and {@code #}
 * comments are skipped; a line splits at its first colon into a user and a password of 1 to 255
 * bytes each (RFC 1929's fields). Errors are one line naming the file, and the line where that
 * helps; never a password.
 */
public final class UserPasswordFile {
  private static final int MAX_FIELD_BYTES = 255;

  private UserPasswordFile() {}

  /** One line of the file; {@link #toString()} leaves the password out. */
  public static final class Entry {
    private final int line;
    private final String user;
    private final String password;

    private Entry(int line, String user, String password) {
      this.line = line;
      this.user = user;
      this.password = password;
    }

    /** The line number, from 1, for messages. */
    public int line() {
      return line;
    }

    public String user() {
      return user;
    }

    public String password() {
      return password;
    }

    @Override
    public String toString() {
      return "line " + line + ": user " + user;
    }
  }

  /**
   * The lines of {@code file}, in order, at least one.
   *
   * @param maxBytes a larger file is refused unread: it is not one of ours
   * @throws IllegalArgumentException when the file is unsafe, too large or malformed
   */
  public static List<Entry> read(Path file, int maxBytes) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    if (perms.contains(PosixFilePermission.GROUP_READ)
        || perms.contains(PosixFilePermission.OTHERS_READ)) {
      throw new IllegalArgumentException(
          file + " is readable by other users: run `chmod 600 " + file + "`");
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(maxBytes + 1);
    }
    String text;
    try {
      if (bytes.length > maxBytes) {
        throw new IllegalArgumentException(
            file + " is larger than " + maxBytes / 1024 + " KiB: not a credentials file");
      }
      text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
    String[] lines = text.split("\n", -1);
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      String user = colon > 0 ? line.substring(0, colon) : "";
      String password = colon > 0 ? line.substring(colon + 1) : "";
      if (!fits(user) || !fits(password)) {
        throw new IllegalArgumentException(
            file + ":" + (i + 1) + ": expected user:password (each 1-255 bytes)");
      }
      entries.add(new Entry(i + 1, user, password));
    }
    if (entries.isEmpty()) {
      throw new IllegalArgumentException(file + ": no user:password line");
    }
    return entries;
  }

  private static boolean fits(String field) {
    int length = field.getBytes(StandardCharsets.UTF_8).length;
    return length > 0 && length <= MAX_FIELD_BYTES;
  }
}
