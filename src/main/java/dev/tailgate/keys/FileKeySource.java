package dev.tailgate.keys;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Set;

/**
 * {@code file:PATH}: the key is the content of a file, which must be a regular file that neither
 * group nor others can read.
 */
final class FileKeySource implements AuthKeySource {
  /** A tailscale auth key is under 100 bytes; a large file is a wrong path, not a key. */
  static final long MAX_SIZE = 64 * 1024;

  private final Path path;

  FileKeySource(Path path) {
    this.path = path;
  }

  @Override
  public String describe() {
    return "file " + path;
  }

  @Override
  public Secret fetch() throws AuthKeyException {
    PosixFileAttributes attributes = attributes();
    if (!attributes.isRegularFile()) {
      throw new AuthKeyException("auth key file " + path + " is not a regular file");
    }
    Set<PosixFilePermission> mode = attributes.permissions();
    if (mode.contains(PosixFilePermission.GROUP_READ)
        || mode.contains(PosixFilePermission.OTHERS_READ)) {
      throw new AuthKeyException(
          "auth key file "
              + path
              + " is readable by group or others: run `chmod 600 "
              + path
              + "`");
    }
    if (attributes.size() > MAX_SIZE) {
      throw new AuthKeyException(
          "auth key file " + path + " is larger than 64 KiB, so it is not just a key");
    }
    byte[] content;
    try {
      content = Files.readAllBytes(path);
    } catch (IOException e) {
      throw cannotRead(e);
    }
    Secret secret = Secret.trimmedCopyOf(content, 0, content.length);
    Arrays.fill(content, (byte) 0);
    if (secret.isEmpty()) {
      throw new AuthKeyException("auth key file " + path + " is empty");
    }
    return secret;
  }

  private PosixFileAttributes attributes() throws AuthKeyException {
    try {
      return Files.readAttributes(path, PosixFileAttributes.class);
    } catch (UnsupportedOperationException e) {
      throw new AuthKeyException(
          "auth key file " + path + " is on a file system without POSIX permissions");
    } catch (IOException e) {
      throw cannotRead(e);
    }
  }

  private AuthKeyException cannotRead(IOException e) {
    if (e instanceof NoSuchFileException) {
      return new AuthKeyException("auth key file " + path + " does not exist");
    }
    String reason = e instanceof AccessDeniedException ? "permission denied" : e.toString();
    return new AuthKeyException("cannot read auth key file " + path + ": " + reason);
  }
}
