package dev.tailgate.connect;

import dev.tailgate.base.ClientTag;
import dev.tailgate.base.UserPasswordFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The username and password {@code tailgate connect} sends when the relay asks for them (RFC 1929),
 * read from a file of one {@code user:password} line, mode 0600: never from the command line, where
 * every process could read it. The same format as the relay's {@code auth-file}, so a user may
 * point both at one file with a single line.
 */
final class ProxyCredentials {
  /** Enough for one line and comments; a larger file is not one of ours. */
  static final int MAX_BYTES = 64 * 1024;

  final Path file;
  final byte[] user;
  final byte[] password;

  private ProxyCredentials(Path file, byte[] user, byte[] password) {
    this.file = file;
    this.user = user;
    this.password = password;
  }

  /**
   * The first {@code user:password} line of {@code file}, read as {@link UserPasswordFile} reads
   * the relay's auth-file.
   *
   * @throws IllegalArgumentException for a file others can read, too large, or with a malformed
   *     line; the message names the file and never holds the password
   */
  static ProxyCredentials read(Path file) throws IOException {
    UserPasswordFile.Entry first = UserPasswordFile.read(file, MAX_BYTES).get(0);
    return new ProxyCredentials(
        file,
        first.user().getBytes(StandardCharsets.UTF_8),
        first.password().getBytes(StandardCharsets.UTF_8));
  }

  /** RFC 1929's request with these credentials. */
  byte[] request() {
    return request(null);
  }

  /** RFC 1929's request with these credentials and {@code tag} (or none) after the user. */
  byte[] request(String tag) {
    return request(
        tag == null
            ? user
            : ClientTag.username(new String(user, StandardCharsets.UTF_8), tag)
                .getBytes(StandardCharsets.UTF_8),
        password);
  }

  /**
   * RFC 1929's request that carries {@code tag} alone, for a relay without an auth-file: an empty
   * user before the marker and an empty password, nothing that could pass for a secret.
   */
  static byte[] tagOnly(String tag) {
    return request(ClientTag.username(null, tag).getBytes(StandardCharsets.UTF_8), new byte[0]);
  }

  /** RFC 1929's request: VER 1, ULEN, UNAME, PLEN, PASSWD. */
  private static byte[] request(byte[] user, byte[] password) {
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
