package dev.tailgate.connect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * The username and password {@code tailgate connect} sends when the relay asks for them (RFC 1929),
 * read from a file of one {@code user:password} line, mode 0600: never from the command line, where
 * every process could read it. The same format as the relay's {@code auth-file}, so a user may
 * point both at one file with a single line.
 */
final class ProxyCredentials {
  /** Enough for one line and comments; a larger file is not one of ours. */
  static final long MAX_BYTES = 64 * 1024;

  final Path file;
  final byte[] user;
  final byte[] password;

  private ProxyCredentials(Path file, byte[] user, byte[] password) {
    this.file = file;
    this.user = user;
    this.password = password;
  }

  /**
   * The first {@code user:password} line of {@code file} (blank lines and {@code #} comments
   * skipped).
   *
   * @throws IllegalArgumentException for a file others can read, or without a valid line; the
   *     message names the file and never holds the password
   */
  static ProxyCredentials read(Path file) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    if (perms.contains(PosixFilePermission.GROUP_READ)
        || perms.contains(PosixFilePermission.OTHERS_READ)) {
      throw new IllegalArgumentException(
          file + " is readable by other users: run `chmod 600 " + file + "`");
    }
    if (Files.size(file) > MAX_BYTES) {
      throw new IllegalArgumentException(file + " is larger than 64 KiB: not a credentials file");
    }
    String[] lines = Files.readString(file, StandardCharsets.UTF_8).split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      byte[] user = colon > 0 ? bytes(line.substring(0, colon)) : new byte[0];
      byte[] password = colon > 0 ? bytes(line.substring(colon + 1)) : new byte[0];
      if (user.length == 0 || user.length > 255 || password.length == 0 || password.length > 255) {
        throw new IllegalArgumentException(
            file + ":" + (i + 1) + ": expected user:password (each 1-255 bytes)");
      }
      return new ProxyCredentials(file, user, password);
    }
    throw new IllegalArgumentException(file + ": no user:password line");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** RFC 1929's request: VER 1, ULEN, UNAME, PLEN, PASSWD. */
  byte[] request() {
    byte[] r = new byte[3 + user.length + password.length];
    r[0] = 1;
    r[1] = (byte) user.length;
    System.arraycopy(user, 0, r, 2, user.length);
    r[2 + user.length] = (byte) password.length;
    System.arraycopy(password, 0, r, 3 + user.length, password.length);
    return r;
  }

  @Override
  public String toString() {
    return "credentials from " + file; // never the password
  }
}
