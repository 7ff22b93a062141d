package dev.tailgate.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailgate.testing.ModeFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The user:password file that the relay's auth-file and connect's --credentials share. */
class UserPasswordFileTest {
  @TempDir Path dir;

  private Path file(String text, String mode) throws Exception {
    return ModeFiles.write(dir.resolve("users"), text, mode);
  }

  @Test
  void readsEachLineSplitAtTheFirstColonSkippingBlanksAndComments() throws Exception {
    Path file = file("# users\n\nalice:pa:ss\r\n  bob:x  \n", "rw-------");

    List<UserPasswordFile.Entry> entries = UserPasswordFile.read(file, 1024);

    assertThat(entries).extracting(UserPasswordFile.Entry::line).containsExactly(3, 4);
    assertThat(entries).extracting(UserPasswordFile.Entry::user).containsExactly("alice", "bob");
    assertThat(entries).extracting(UserPasswordFile.Entry::password).containsExactly("pa:ss", "x");
    assertThat(entries.get(0).toString()).doesNotContain("pa:ss");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rw-r-----", "rw----r--"})
  void refusesAFileOthersCanRead(String mode) throws Exception {
    Path file = file("alice:secret\n", mode);

    assertThatThrownBy(() -> UserPasswordFile.read(file, 1024))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(file + " is readable by other users: run `chmod 600 " + file + "`");
  }

  @Test
  void refusesAFileLargerThanItsBoundUnread() throws Exception {
    Path file = file("alice:secret\n" + "#".repeat(2048), "rw-------");

    assertThatThrownBy(() -> UserPasswordFile.read(file, 1024))
        .hasMessage(file + " is larger than 1 KiB: not a credentials file");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "alice", // no colon
        ":secret", // no user
        "alice:", // no password
        "alice\t:" // a user, blank, no password
      })
  void refusesALineWithoutAUserAndPasswordOf1To255BytesNamingTheLine(String line) throws Exception {
    Path file = file("# users\n" + line + "\n", "rw-------");

    assertThatThrownBy(() -> UserPasswordFile.read(file, 4096))
        .hasMessage(file + ":2: expected user:password (each 1-255 bytes)")
        .message()
        .doesNotContain("secret");
  }

  @Test
  void countsTheLimitOf255InBytesAsRfc1929Does() throws Exception {
    String user = "\u00e9".repeat(128); // 128 characters, 256 bytes
    Path file = file(user + ":secret\n", "rw-------");

    assertThatThrownBy(() -> UserPasswordFile.read(file, 4096))
        .hasMessage(file + ":1: expected user:password (each 1-255 bytes)");
    Files.writeString(file, "\u00e9".repeat(127) + ":" + "p".repeat(255) + "\n");
    assertThat(UserPasswordFile.read(file, 4096)).hasSize(1);
  }

  @Test
  void refusesAFileWithoutALine() throws Exception {
    Path file = file("# nobody yet\n\n", "rw-------");

    assertThatThrownBy(() -> UserPasswordFile.read(file, 1024))
        .hasMessage(file + ": no user:password line");
  }
}
