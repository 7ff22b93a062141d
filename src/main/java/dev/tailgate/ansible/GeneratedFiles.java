package dev.tailgate.ansible;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes generated files into a directory: a new file whole, an existing one merged ({@link
 * ManagedBlocks}), and an unchanged one not at all, so a rerun leaves files and their times alone.
 */
public final class GeneratedFiles {
  private GeneratedFiles() {}

  /** What happened to one file. */
  public enum Outcome {
    CREATED,
    UPDATED,
    UNCHANGED
  }

  /** One file's outcome. */
  public record Result(Path path, Outcome outcome) {}

  /**
   * @throws IOException when a file cannot be read or written, or its markers are broken (the
   *     message names the file; nothing of it was changed)
   */
  public static List<Result> write(Path dir, List<ManagedFile> files) throws IOException {
    List<Result> results = new ArrayList<>();
    for (ManagedFile f : files) {
      results.add(write(dir.resolve(f.path()), f));
    }
    return results;
  }

  static Result write(Path path, ManagedFile file) throws IOException {
    String text;
    Outcome outcome;
    if (Files.exists(path)) {
      String existing = Files.readString(path, StandardCharsets.UTF_8);
      try {
        text = ManagedBlocks.merge(existing, file);
      } catch (ManagedBlocks.BrokenMarkers e) {
        throw new IOException(path + ": " + e.getMessage(), e);
      }
      if (text.equals(existing)) {
        return new Result(path, Outcome.UNCHANGED);
      }
      outcome = Outcome.UPDATED;
    } else {
      text = file.fresh();
      outcome = Outcome.CREATED;
    }
    Path parent = path.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, ".tailgate-", ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      if (outcome == Outcome.UPDATED) {
        Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(path));
      } else {
        Files.setPosixFilePermissions(
            tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      }
      Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return new Result(path, outcome);
  }
}
