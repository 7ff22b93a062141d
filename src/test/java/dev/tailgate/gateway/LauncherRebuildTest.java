package dev.tailgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.RunningProcess;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tailgate already running from target/tailgate.jar survives the launcher rebuilding that jar.
 * The JVM reads classes from its open jar as it first needs them, long after the start; maven's jar
 * plugin writes target/tailgate.jar in place, so a rebuild under a running relay gave it the new
 * (unshaded) bytes at the old offsets: every class it loaded afterwards failed, on its event loops,
 * where the failure was swallowed, and each tunnel was left in CLOSE-WAIT without a log line
 * (bench-storm's second tailgate, once, right after a commit). The real scripts/tailgate runs in a
 * copy of the project's layout, with an {@code mvn} on PATH that writes the jar in place as maven
 * does, and a {@code java} that does nothing; the test holds the old jar open as the running JVM
 * does.
 */
class LauncherRebuildTest {
  @TempDir Path dir;

  @Test
  void aRebuildLeavesTheJarARunningTailgateHasOpenAsItWas() throws Exception {
    Path root = dir.resolve("root");
    Path launcher = Files.createDirectories(root.resolve("scripts")).resolve("tailgate");
    Files.copy(Path.of("scripts/tailgate"), launcher);
    Path jar = Files.createDirectories(root.resolve("target")).resolve("tailgate.jar");
    Files.writeString(jar, "the running build");
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(60)));
    // Sources newer than the jar: the launcher rebuilds it.
    Files.writeString(Files.createDirectories(root.resolve("src/main")).resolve("A.java"), "new");
    Files.writeString(root.resolve("pom.xml"), "<project/>");
    Path bin = Files.createDirectories(dir.resolve("bin"));
    script(bin.resolve("mvn"), "printf 'the new build' > target/tailgate.jar\n");
    script(bin.resolve("java"), "exit 0\n");

    try (FileChannel running = FileChannel.open(jar)) {
      RunningProcess.Result r =
          RunningProcess.run(
              List.of(launcher.toString(), "status"),
              new byte[0],
              Duration.ofSeconds(30),
              Map.of("PATH", bin + ":" + System.getenv("PATH")));

      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(r.output()).contains("building");
      assertThat(Files.readString(jar)).isEqualTo("the new build");
      assertThat(read(running))
          .as("what the running tailgate reads")
          .isEqualTo("the running build");
    }
  }

  private static void script(Path path, String body) throws Exception {
    Files.writeString(path, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
  }

  private static String read(FileChannel ch) throws Exception {
    ByteBuffer buf = ByteBuffer.allocate(64);
    ch.read(buf, 0);
    buf.flip();
    return StandardCharsets.UTF_8.decode(buf).toString();
  }
}
