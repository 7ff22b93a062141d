package dev.tailgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code listen-unix} and {@code listen-unix-mode}: off by default, checked where written. */
class UnixListenerConfigTest {
  @TempDir Path tmp;

  @Test
  void isOffByDefault() throws Exception {
    assertThat(TailgateConfig.from(new ConfigValues()).listenUnix()).isNull();
  }

  @Test
  void readsThePathAndTheMode0600ByDefault() throws Exception {
    ConfigValues v = new ConfigValues();
    v.listenUnix = "/run/tailgate/relay.sock";

    TailgateConfig.UnixListener unix = TailgateConfig.from(v).listenUnix();

    assertThat(unix.path()).isEqualTo(Path.of("/run/tailgate/relay.sock"));
    assertThat(unix.mode()).isEqualTo(PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void takesTheGroupModeFromTheFile() throws Exception {
    Path f =
        Files.writeString(
            tmp.resolve("t.yaml"), "listen-unix: ~/relay.sock\nlisten-unix-mode: '0660'\n");

    TailgateConfig.UnixListener unix = TailgateConfig.from(ConfigFile.read(f)).listenUnix();

    assertThat(unix.path()).isEqualTo(Path.of(System.getProperty("user.home"), "relay.sock"));
    assertThat(unix.mode()).isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "listen-unix: relay.sock|listen-unix: 'relay.sock' is not an absolute path",
        "listen-unix-mode: '0600'|listen-unix-mode: applies to listen-unix, which is not set",
      })
  void namesFileAndLineOfABadValue(String line, String problem) throws Exception {
    Path f = Files.writeString(tmp.resolve("t.yaml"), line + "\n");

    assertThatThrownBy(() -> TailgateConfig.from(ConfigFile.read(f)))
        .isInstanceOf(ConfigException.class)
        .hasMessage(f + ":1: " + problem);
  }

  @Test
  void refusesAModeThatOpensTheSocketToOthers() {
    ConfigValues v = new ConfigValues();
    v.listenUnix = "/run/tailgate/relay.sock";
    v.listenUnixMode = "0666";

    assertThatThrownBy(() -> TailgateConfig.from(v))
        .hasMessage(
            "listen-unix-mode: '0666' is not 0600 (tailgate's user only) or 0660 (its"
                + " group too)");
  }

  @Test
  void refusesAPathTheKernelCannotTake() {
    ConfigValues v = new ConfigValues();
    v.listenUnix = "/run/" + "x".repeat(110) + ".sock";

    assertThatThrownBy(() -> TailgateConfig.from(v))
        .hasMessageContaining("longer than 107 bytes")
        .hasMessageNotContaining("\n");
  }
}
