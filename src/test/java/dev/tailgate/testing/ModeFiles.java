package dev.tailgate.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Files of a given mode, for the readers that refuse what others may read. */
public final class ModeFiles {
  private ModeFiles() {}

  /** Writes {@code text} in UTF-8 to {@code file}, then sets {@code mode}, e.g. "rw-------". */
  public static Path write(Path file, String text, String mode) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    return file;
  }
}
