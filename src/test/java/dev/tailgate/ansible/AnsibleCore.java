package dev.tailgate.ansible;

import dev.tailgate.testing.ExternalTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Ansible's programs for the tests of the inventory plugin: those of the ansible-core that
 * scripts/install-ansible.sh installs from PyPI into {@code $TAILGATE_CACHE/ansible-core-VERSION}
 * (default ~/.cache/tailgate), else Debian's on the PATH.
 */
final class AnsibleCore {
  private AnsibleCore() {}

  /** The program's path, or a failed/aborted test as {@link ExternalTool#require} says. */
  static String program(String name) {
    return venv()
        .map(bin -> bin.resolve(name))
        .filter(Files::isExecutable)
        .orElseGet(() -> ExternalTool.require(name, "ansible-core"))
        .toString();
  }

  private static Optional<Path> venv() {
    String env = System.getenv("TAILGATE_CACHE");
    Path cache =
        env != null && !env.isBlank()
            ? Path.of(env)
            : Path.of(System.getProperty("user.home"), ".cache", "tailgate");
    if (!Files.isDirectory(cache)) {
      return Optional.empty();
    }
    try (Stream<Path> dirs = Files.list(cache)) {
      return dirs.filter(d -> d.getFileName().toString().startsWith("ansible-core-"))
          .filter(d -> Files.exists(d.resolve(".installed")))
          .max(Comparator.comparing(d -> d.getFileName().toString()))
          .map(d -> d.resolve("bin"));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
