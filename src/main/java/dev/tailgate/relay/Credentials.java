package dev.tailgate.relay;

import dev.tailgate.base.UserPasswordFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;

/**
 * Usernames and passwords for RFC 1929 and HTTP Basic proxy auth, read from a file of {@code
 * user:password} lines that only its owner may read ({@link UserPasswordFile}). Passwords are kept
 * as SHA-256 digests and compared in constant time; neither ever reaches a log line or an exception
 * message.
 */
public final class Credentials {
  static final int MAX_USERS = 1000;

  /** A thousand users of the longest lines, with room for comments. */
  static final int MAX_BYTES = 1024 * 1024;

  private final Map<String, byte[]> digests;

  private Credentials(Map<String, byte[]> digests) {
    this.digests = digests;
  }

  /**
   * Reads {@code file} as {@link UserPasswordFile} does, each user once.
   *
   * @throws IllegalArgumentException with a one-line message naming the file, and the line where
   *     that helps, when the file is unsafe or malformed
   */
  public static Credentials load(Path file) throws IOException {
    Map<String, byte[]> digests = new HashMap<>();
    for (UserPasswordFile.Entry entry : UserPasswordFile.read(file, MAX_BYTES)) {
      if (digests.put(entry.user(), digest(entry.password())) != null) {
        throw new IllegalArgumentException(
            file + ":" + entry.line() + ": user '" + entry.user() + "' appears twice");
      }
      if (digests.size() > MAX_USERS) {
        throw new IllegalArgumentException(file + ": more than " + MAX_USERS + " users");
      }
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
