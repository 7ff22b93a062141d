package dev.tailgate.gateway;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How this JVM was started, so that {@code up --detach} starts its child the same way: through the
 * launcher (scripts/tailgate) when the launcher started this JVM, so that the child gets the
 * launcher's flags (the class-data-sharing archive, {@code TAILGATE_JAVA_OPTS} or its GC default)
 * from the one place that sets them; else with this JVM's own options and class path.
 *
 * @param launcher the launcher that started this JVM, or {@code null}
 * @param java this JVM's {@code java}
 * @param options this JVM's options ({@code -XX:...}, {@code -D...}), as it was given them
 * @param classPath this JVM's class path
 */
record SameLaunch(Path launcher, Path java, List<String> options, String classPath) {
  /** What the launcher exports to the JVM it starts: its own path, symlinks resolved. */
  static final String LAUNCHER_ENV = "TAILGATE_LAUNCHER";

  /** This JVM's. */
  static SameLaunch current() {
    return of(
        System.getenv(),
        Path.of(System.getProperty("java.home"), "bin", "java"),
        ManagementFactory.getRuntimeMXBean().getInputArguments(),
        System.getProperty("java.class.path"));
  }

  /**
   * The launcher counts only when this JVM runs the jar it runs ({@code ROOT/target/tailgate.jar}
   * beside {@code ROOT/scripts/tailgate}): a {@code TAILGATE_LAUNCHER} inherited by some other
   * {@code java} (a test, an IDE) is not this JVM's launcher.
   */
  static SameLaunch of(Map<String, String> env, Path java, List<String> options, String classPath) {
    String launcher = env.get(LAUNCHER_ENV);
    Path found = null;
    if (launcher != null && !launcher.isBlank()) {
      Path script = Path.of(launcher);
      Path root = script.toAbsolutePath().getParent().getParent();
      if (Files.isExecutable(script)
          && root != null
          && root.resolve("target").resolve("tailgate.jar").equals(Path.of(classPath))) {
        found = script;
      }
    }
    return new SameLaunch(found, java, List.copyOf(options), classPath);
  }

  /** The command line that runs {@code mainClass} with {@code args} as this JVM was started. */
  List<String> command(String mainClass, List<String> args) {
    List<String> command = new ArrayList<>();
    if (launcher != null) {
      command.add(launcher.toString());
    } else {
      command.add(java.toString());
      command.addAll(options);
      command.add("-cp");
      command.add(classPath);
      command.add(mainClass);
    }
    command.addAll(args);
    return command;
  }
}
