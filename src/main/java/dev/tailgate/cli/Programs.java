package dev.tailgate.cli;

import dev.tailgate.bootstrap.BootstrapException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the programs tailgate runs, on PATH or where the user said. */
public final class Programs {
  private Programs() {}

  /**
   * @param nameOrPath a bare name looked up on PATH, or a path
   * @param flag the flag that sets it, for the error, or {@code null} when none does
   * @param install what to do when it is missing
   */
  public static Path find(String nameOrPath, String flag, String install)
      throws BootstrapException {
    if (nameOrPath.contains("/")) {
      Path p = Path.of(nameOrPath);
      if (Files.isExecutable(p)) {
        return p;
      }
      throw new BootstrapException(nameOrPath + " is not an executable file: check " + flag);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, nameOrPath);
      if (Files.isExecutable(p) && !Files.isDirectory(p)) {
        return p;
      }
    }
    throw new BootstrapException(
        nameOrPath
            + " not found on PATH: "
            + install
            + (flag == null ? "" : ", or pass " + flag + " PATH"));
  }
}
