package dev.tailgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.RunningProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up --detach} starts its child exactly as the launcher starts a foreground {@code up}: the
 * real scripts/tailgate runs in a copy of the project's layout with a {@code java} on PATH that
 * only writes down its arguments, once for {@code up --detach} and once for the child's command
 * line, and the two JVMs' flags must be the same (the archive, TAILGATE_JAVA_OPTS).
 */
class DetachTest {
  private static final String MAIN = "dev.tailgate.cli.Main";

  @TempDir Path dir;

  private Path launcher;
  private Path jar;
  private final Map<String, String> env = new HashMap<>();

  @BeforeEach
  void copyTheLauncher() throws Exception {
    Path root = dir.resolve("root");
    launcher = Files.createDirectories(root.resolve("scripts")).resolve("tailgate");
    Files.copy(Path.of("scripts/tailgate"), launcher);
    jar = Files.createDirectories(root.resolve("target")).resolve("tailgate.jar");
    Files.writeString(jar, "a jar");
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(60)));
    // An archive newer than the jar: the launcher uses it and trains nothing.
    Files.writeString(root.resolve("target/tailgate-up.jsa"), "an archive");
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path java = bin.resolve("java");
    Files.writeString(
        java,
        "#!/bin/sh\n"
            + "printf '%s\\n' \"$@\" > \"$RECORD\"\n"
            + "printf '%s' \"$TAILGATE_LAUNCHER\" > \"$RECORD.launcher\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
    env.put("PATH", bin + ":" + System.getenv("PATH"));
    env.put("TAILGATE_JAVA_OPTS", "-Xmx48m -XX:+UseParallelGC");
  }

  /** Runs {@code command} with the recording java on PATH; returns the java's arguments. */
  private List<String> recorded(List<String> command, String name) throws Exception {
    env.put("RECORD", dir.resolve(name).toString());
    RunningProcess.Result r = RunningProcess.run(command, new byte[0], Duration.ofSeconds(30), env);
    assertThat(r.exitCode()).as(r.output()).isZero();
    return Files.readAllLines(dir.resolve(name));
  }

  @Test
  void theDetachedChildGetsTheLaunchersArchiveAndJavaOpts() throws Exception {
    List<String> up =
        recorded(
            List.of(launcher.toString(), "up", "--listen", "127.0.0.1:0", "--detach"), "parent");
    int jarAt = up.indexOf("-jar");
    SameLaunch parent =
        SameLaunch.of(
            Map.of(SameLaunch.LAUNCHER_ENV, Files.readString(dir.resolve("parent.launcher"))),
            Path.of("java"),
            up.subList(0, jarAt),
            up.get(jarAt + 1));

    List<String> child =
        recorded(parent.command(MAIN, List.of("up", "--listen", "127.0.0.1:0")), "child");

    assertThat(up.subList(0, jarAt))
        .as("the launcher's flags")
        .anyMatch(f -> f.startsWith("-XX:SharedArchiveFile="))
        .contains("-Xmx48m", "-XX:+UseParallelGC");
    List<String> foreground = new ArrayList<>(up);
    foreground.remove("--detach");
    assertThat(child).isEqualTo(foreground);
  }

  @Test
  void upRunsOnC1AndTheSerialCollectorUnlessJavaOptsSayOtherwise() throws Exception {
    env.remove("TAILGATE_JAVA_OPTS");
    List<String> up =
        recorded(List.of(launcher.toString(), "up", "--listen", "127.0.0.1:0"), "defaults");

    assertThat(up.subList(0, up.indexOf("-jar")))
        .contains("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
  }

  @Test
  void withoutTheLauncherTheChildGetsThisJvmsOptionsAndClassPath() {
    SameLaunch plain =
        SameLaunch.of(
            Map.of(),
            Path.of("/jdk/bin/java"),
            List.of("-XX:+UseSerialGC", "-Dx=y"),
            "a.jar:b.jar");

    assertThat(plain.command(MAIN, List.of("up", "--listen", "127.0.0.1:0")))
        .containsExactly(
            "/jdk/bin/java",
            "-XX:+UseSerialGC",
            "-Dx=y",
            "-cp",
            "a.jar:b.jar",
            MAIN,
            "up",
            "--listen",
            "127.0.0.1:0");
  }

  @Test
  void aLauncherInheritedByAJvmThatRunsAnotherJarIsNotItsLauncher() {
    SameLaunch other =
        SameLaunch.of(
            Map.of(SameLaunch.LAUNCHER_ENV, launcher.toString()),
            Path.of("java"),
            List.of(),
            "target/classes");

    assertThat(other.launcher()).isNull();
    assertThat(
            SameLaunch.of(
                    Map.of(SameLaunch.LAUNCHER_ENV, launcher.toString()),
                    Path.of("java"),
                    List.of(),
                    jar.toString())
                .launcher())
        .isEqualTo(launcher);
  }
}
