package dev.tailgate.base;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds a program to run as a shell would, for every program tailgate starts. */
public final class Executables {
  private Executables() {}

  /**
   * A name with a slash is taken as it is; a bare name is looked up in each directory of PATH in
   * turn, an empty entry inside PATH meaning the working directory. Empty when there is no
   * executable file (a directory is none) there.
   */
  public static Optional<Path> find(String nameOrPath) {
    if (nameOrPath.indexOf('/') >= 0) {
      return runnable(Path.of(nameOrPath));
    }
    String path = System.getenv("PATH");
    if (path == null || nameOrPath.isEmpty()) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Optional<Path> found = runnable(Path.of(dir.isEmpty() ? "." : dir, nameOrPath));
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  private static Optional<Path> runnable(Path file) {
    return Files.isExecutable(file) && !Files.isDirectory(file)
        ? Optional.of(file)
        : Optional.empty();
  }
}
