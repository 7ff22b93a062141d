package dev.tailgate.ansible;

import dev.tailgate.testing.ExternalTool;
import dev.tailgate.testing.RunningProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Ansible's programs for the tests of the inventory plugin: those of the ansible-core that
 * scripts/install-ansible.sh installs from PyPI into {@code $TAILGATE_CACHE/ansible-core-VERSION}
 * (default ~/.cache/tailgate), else Debian's on the PATH.
 */
final class AnsibleCore {
  /** The repo's collections, ansible/collections: where Ansible finds tailgate.tailnet. */
  static final Path COLLECTIONS = Path.of("ansible/collections").toAbsolutePath();

  static final Path COLLECTION = COLLECTIONS.resolve("ansible_collections/tailgate/tailnet");

  private AnsibleCore() {}

  /**
   * Runs an Ansible program with the repo's collections (unless {@code env} says otherwise) and
   * Ansible's own files under {@code dir}; an inventory source that does not parse is an error.
   */
  static RunningProcess.Result run(
      Path dir, Map<String, String> env, String program, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of(program(program)));
    argv.addAll(List.of(args));
    Map<String, String> all = new TreeMap<>(env);
    all.putIfAbsent("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS.toString());
    all.put("ANSIBLE_HOME", dir.resolve("ansible-home").toString());
    all.put("ANSIBLE_LOCAL_TEMP", dir.resolve("ansible-tmp").toString());
    all.put("ANSIBLE_INVENTORY_UNPARSED_FAILED", "true");
    return RunningProcess.run(argv, new byte[0], Duration.ofSeconds(120), all);
  }

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
