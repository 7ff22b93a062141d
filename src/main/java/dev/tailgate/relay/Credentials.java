package dev.tailgate.relay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Usernames and passwords for RFC 1929 and HTTP Basic proxy auth, read from a file of {@code
 * user:password} lines that only its owner may read. Passwords are kept as SHA-256 digests and
 * compared in constant time; neither ever reaches a log line or an exception message.
 */
public final class Credentials {
  static final int MAX_USERS = 1000;
  static final int MAX_LINE = 512;

  private final Map<String, byte[]> digests;

  private Credentials(Map<String, byte[]> digests) {
    this.digests = digests;
  }

  /**
   * Reads {@code file}.
   *
   * @throws IllegalArgumentException with a one-line message naming the file, and the line where
   *     that helps, when the file is unsafe or malformed
   */
  public static Credentials load(Path file) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    if (perms.contains(PosixFilePermission.GROUP_READ)
        || perms.contains(PosixFilePermission.OTHERS_READ)) {
      throw new IllegalArgumentException(
          file + " is readable by other users: run `chmod 600 " + file + "`");
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    Map<String, byte[]> digests = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (line.length() > MAX_LINE
          || colon <= 0
          || colon == line.length() - 1
          || colon > 255
          || line.length() - colon - 1 > 255) {
        throw new IllegalArgumentException(
            file + ":" + (i + 1) + ": expected user:password (each 1-255 bytes)");
      }
      if (digests.put(line.substring(0, colon), digest(line.substring(colon + 1))) != null) {
        throw new IllegalArgumentException(
            file + ":" + (i + 1) + ": user '" + line.substring(0, colon) + "' appears twice");
      }
      if (digests.size() > MAX_USERS) {
        throw new IllegalArgumentException(file + ": more than " + MAX_USERS + " users");
      }
    }
    if (digests.isEmpty()) {
      throw new IllegalArgumentException(file + ": no user:password line");
    }
    return new Credentials(Map.copyOf(digests));
  }

  /** Builds credentials in memory, for tests. */
  public static Credentials of(String user, String password) {
    return new Credentials(Map.of(user, digest(password)));
  }

  /** Whether {@code user} exists and {@code password} is theirs; time independent of the match. */
  public boolean check(String user, String password) {
    byte[] expected = digests.get(user);
    byte[] actual = digest(password == null ? "" : password);
    boolean known = expected != null;
    return MessageDigest.isEqual(known ? expected : actual, actual) && known;
  }

  public int size() {
    return digests.size();
  }

  private static byte[] digest(String password) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  @Override
  public String toString() {
    return "Credentials[" + digests.size() + " users]";
  }
}
