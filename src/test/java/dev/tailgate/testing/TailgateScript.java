package dev.tailgate.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * An executable {@code tailgate} for programs a test runs (ssh's ProxyCommand, Ansible's inventory
 * script): a shell script that starts this build's classes in a JVM of their own.
 */
public final class TailgateScript {
  private TailgateScript() {}

  /** Writes {@code dir/tailgate} and returns its path. */
  public static Path write(Path dir) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String script =
        "#!/bin/sh\n"
            + "exec '"
            + java
            + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:disable -Xlog:all=warning:stderr"
            + " -cp '"
            + System.getProperty("java.class.path")
            + "' dev.tailgate.cli.Main \"$@\"\n";
    return install(dir, script);
  }

  /**
   * Writes {@code dir/tailgate} that runs {@code program} (a command and its first words, e.g. the
   * launcher scripts/tailgate) with the script's arguments, and returns its path.
   */
  public static Path write(Path dir, java.util.List<String> program) throws IOException {
    StringBuilder script = new StringBuilder("#!/bin/sh\nexec");
    for (String word : program) {
      script.append(" '").append(word.replace("'", "'\\''")).append('\'');
    }
    return install(dir, script.append(" \"$@\"\n").toString());
  }

  private static Path install(Path dir, String script) throws IOException {
    Path path = dir.resolve("tailgate");
    Files.createDirectories(dir);
    Files.writeString(path, script);
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
    return path;
  }
}
