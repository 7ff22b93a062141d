package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailgate.testing.ModeFiles;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The relay's auth-file: base.UserPasswordFile's format, each user once, a bounded number. */
class CredentialsTest {
  @TempDir Path dir;

  private Path users(String text) throws Exception {
    return ModeFiles.write(dir.resolve("users"), text, "rw-------");
  }

  @Test
  void checksEachUsersPassword() throws Exception {
    Credentials credentials = Credentials.load(users("alice:one\nbob:two:three\n"));

    assertThat(credentials.size()).isEqualTo(2);
    assertThat(credentials.check("alice", "one")).isTrue();
    assertThat(credentials.check("bob", "two:three")).isTrue();
    assertThat(credentials.check("alice", "two:three")).isFalse();
    assertThat(credentials.check("carol", "one")).isFalse();
    assertThat(credentials.toString()).isEqualTo("Credentials[2 users]");
  }

  @Test
  void refusesAUserTwiceNamingTheSecondLine() throws Exception {
    Path file = users("alice:one\n# again\nalice:two\n");

    assertThatThrownBy(() -> Credentials.load(file))
        .hasMessage(file + ":3: user 'alice' appears twice");
  }

  @Test
  void refusesMoreThanAThousandUsers() throws Exception {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i <= Credentials.MAX_USERS; i++) {
      text.append("user").append(i).append(":pw\n");
    }
    Path file = users(text.toString());

    assertThatThrownBy(() -> Credentials.load(file)).hasMessage(file + ": more than 1000 users");
  }

  @Test
  void refusesAUserLongerThan255BytesThatRfc1929CouldNotCarry() throws Exception {
    Path file = users("\u00e9".repeat(128) + ":pw\n");

    assertThatThrownBy(() -> Credentials.load(file))
        .hasMessage(file + ":1: expected user:password (each 1-255 bytes)");
  }

  @Test
  void refusesAFileOfMoreThanOneMebibyteUnread() throws Exception {
    Path file = users("alice:one\n" + ("#".repeat(1023) + "\n").repeat(1025));

    assertThatThrownBy(() -> Credentials.load(file))
        .hasMessage(file + " is larger than 1024 KiB: not a credentials file");
  }
}
