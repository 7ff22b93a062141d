package dev.tailgate.base;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one PATH lookup, for tailscaled, tailscale, setsid, bw and bws alike. */
class ExecutablesTest {
  @TempDir Path dir;

  @Test
  void findsABareNameOnPath() {
    assertThat(Executables.find("sh")).get().satisfies(p -> assertThat(p).isExecutable());
    assertThat(Executables.find("tailgate-no-such-program")).isEmpty();
    assertThat(Executables.find("")).isEmpty();
  }

  @Test
  void takesANameWithASlashAsItIsIfItIsAnExecutableFile() throws Exception {
    Path program = Files.createFile(dir.resolve("prog"));
    Path plain = Files.createFile(dir.resolve("plain"));
    Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwx------"));

    assertThat(Executables.find(program.toString())).contains(program);
    assertThat(Executables.find(plain.toString())).isEmpty();
    assertThat(Executables.find(dir.toString())).as("a directory runs nothing").isEmpty();
    assertThat(Executables.find(dir.resolve("missing").toString())).isEmpty();
  }
}
