package dev.tailgate.gateway;

import dev.tailgate.base.Executables;
import dev.tailgate.bootstrap.BootstrapException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The programs tailgate runs, found by {@link Executables}, or a one-line error that says what to
 * do.
 */
public final class Programs {
  private Programs() {}

  /**
   * @param nameOrPath a bare name looked up on PATH, or a path
   * @param flag the flag that sets it, for the error, or {@code null} when none does
   * @param install what to do when it is missing
   */
  public static Path find(String nameOrPath, String flag, String install)
      throws BootstrapException {
    Optional<Path> found = Executables.find(nameOrPath);
    if (found.isPresent()) {
      return found.get();
    }
    if (nameOrPath.contains("/")) {
      throw new BootstrapException(nameOrPath + " is not an executable file: check " + flag);
    }
    throw new BootstrapException(
        nameOrPath
            + " not found on PATH: "
            + install
            + (flag == null ? "" : ", or pass " + flag + " PATH"));
  }
}
