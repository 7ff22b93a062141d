package dev.tailgate.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailgate.testing.ModeFiles;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** connect's --credentials: the relay's auth-file format, its first line sent as RFC 1929's. */
class ProxyCredentialsTest {
  @TempDir Path dir;

  private Path file(String text) throws Exception {
    return ModeFiles.write(dir.resolve("credentials"), text, "rw-------");
  }

  @Test
  void sendsTheFirstLineAsAnRfc1929Request() throws Exception {
    ProxyCredentials credentials = ProxyCredentials.read(file("# me\nal:p:w\nbob:x\n"));

    assertThat(credentials.request()).containsExactly(1, 2, 'a', 'l', 3, 'p', ':', 'w');
    assertThat(credentials.toString()).doesNotContain("p:w");
  }

  @Test
  void refusesAFileTheRelayWouldRefuseEvenPastItsFirstLine() throws Exception {
    Path file = file("alice:one\nbob\n");

    assertThatThrownBy(() -> ProxyCredentials.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(file + ":2: expected user:password (each 1-255 bytes)");
  }

  @Test
  void refusesAFileLargerThan64KiB() throws Exception {
    Path file = file("alice:one\n" + "#".repeat(64 * 1024));

    assertThatThrownBy(() -> ProxyCredentials.read(file))
        .hasMessage(file + " is larger than 64 KiB: not a credentials file");
  }
}
