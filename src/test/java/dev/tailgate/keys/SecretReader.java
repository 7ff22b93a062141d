package dev.tailgate.keys;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a Secret's value the way tailscale will: through the private file. Tests only. */
final class SecretReader {
  private SecretReader() {}

  static String valueOf(Secret secret, Path dir) throws IOException {
    Path file = secret.writeToPrivateFile(dir);
    try {
      return Files.readString(file, UTF_8);
    } finally {
      Secret.deletePrivateFile(file);
    }
  }
}
