package dev.tailgate.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.tailgate.testing.RunningProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training run behind {@code up}'s class-data-sharing archive, as scripts/tailgate runs it: it
 * ends by itself, writes an archive, and leaves nothing behind; without a run-state directory of
 * its own it refuses to run, so it can never touch a live tailgate's status file.
 */
class UpTrainingTest {
  @TempDir Path dir;

  /**
   * Without -XX:ArchiveClassesAtExit: the JVM dumps only from a class path of jars, and the tests
   * run from target/classes. scripts/tailgate runs it on the jar.
   */
  private static List<String> training() {
    return List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC",
        "-cp",
        System.getProperty("java.class.path"),
        UpTraining.class.getName());
  }

  @Test
  void endsByItselfAndLeavesItsRunDirectoryAndTempFilesEmpty() throws Exception {
    Path run = Files.createDirectories(dir.resolve("run"));
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    List<String> command = new java.util.ArrayList<>(training());
    command.add(1, "-Djava.io.tmpdir=" + tmp);

    RunningProcess.Result r =
        RunningProcess.run(
            command,
            new byte[0],
            Duration.ofSeconds(60),
            Map.of("TAILGATE_RUN_DIR", run.toString()));

    assertThat(r.exitCode()).as(r.output()).isZero();
    for (Path empty : List.of(run, tmp)) {
      try (Stream<Path> left = Files.list(empty)) {
        assertThat(left).as(empty.toString()).isEmpty();
      }
    }
  }

  @Test
  void namesOnlyClassesThatExist() {
    for (String name : UpTraining.UNREACHED_BY_NAME) {
      assertThatCode(() -> Class.forName(name)).as(name).doesNotThrowAnyException();
    }
    assertThat(UpTraining.UNREACHED).isNotEmpty();
  }

  @Test
  void refusesToRunWithoutARunStateDirectoryOfItsOwn() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(training()).redirectErrorStream(true);
    pb.environment().remove("TAILGATE_RUN_DIR");
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes());

    assertThat(p.waitFor()).isEqualTo(2);
    assertThat(output).contains("set TAILGATE_RUN_DIR");
  }
}
