package dev.tailgate.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TailscaledCommandTest {
  private static final Path STATE = Path.of("/var/lib/tailgate");
  private static final Path SOCKET = Path.of("/run/tailgate/tailscaled.sock");
  private static final Path KEY_FILE = Path.of("/run/tailgate/tailgate-authkey-123.key");

  private static TailscaledCommand minimal() {
    return new TailscaledCommand(
        Path.of("tailscaled"),
        Path.of("tailscale"),
        "127.0.0.1",
        1055,
        STATE,
        SOCKET,
        OptionalInt.empty(),
        Optional.empty(),
        Optional.empty());
  }

  private static TailscaledCommand full() {
    return new TailscaledCommand(
        Path.of("/usr/local/bin/tailscaled"),
        Path.of("/usr/local/bin/tailscale"),
        "127.0.0.1",
        1056,
        Path.of("/tmp/ts2/state"),
        Path.of("/tmp/ts2/tailscaled.sock"),
        OptionalInt.of(41642),
        Optional.of("devcontainer-gw"),
        Optional.of("http://127.0.0.1:8080"));
  }

  @Test
  void minimalDaemonCommandLine() {
    assertThat(minimal().daemon())
        .containsExactly(
            "tailscaled",
            "--tun=userspace-networking",
            "--socks5-server=127.0.0.1:1055",
            "--statedir=/var/lib/tailgate",
            "--socket=/run/tailgate/tailscaled.sock");
  }

  @Test
  void daemonCommandLineWithWireGuardPort() {
    assertThat(full().daemon())
        .containsExactly(
            "/usr/local/bin/tailscaled",
            "--tun=userspace-networking",
            "--socks5-server=127.0.0.1:1056",
            "--statedir=/tmp/ts2/state",
            "--socket=/tmp/ts2/tailscaled.sock",
            "--port=41642");
  }

  @Test
  void minimalUpCommandLineTakesTheKeyFromAFile() {
    assertThat(minimal().up(KEY_FILE))
        .containsExactly(
            "tailscale",
            "--socket=/run/tailgate/tailscaled.sock",
            "up",
            "--auth-key=file:/run/tailgate/tailgate-authkey-123.key",
            "--timeout=60s",
            "--shields-up");
  }

  @Test
  void upCommandLineWithHostnameAndLoginServer() {
    assertThat(full().up(KEY_FILE))
        .containsExactly(
            "/usr/local/bin/tailscale",
            "--socket=/tmp/ts2/tailscaled.sock",
            "up",
            "--auth-key=file:/run/tailgate/tailgate-authkey-123.key",
            "--timeout=60s",
            "--shields-up",
            "--hostname=devcontainer-gw",
            "--login-server=http://127.0.0.1:8080");
  }

  @Test
  void interactiveUpCommandLineHasNoKeyAndNoTimeout() {
    assertThat(full().upInteractive())
        .containsExactly(
            "/usr/local/bin/tailscale",
            "--socket=/tmp/ts2/tailscaled.sock",
            "up",
            "--shields-up",
            "--hostname=devcontainer-gw",
            "--login-server=http://127.0.0.1:8080");
  }

  @Test
  void ipv6SocksHostIsBracketed() {
    TailscaledCommand command =
        new TailscaledCommand(
            Path.of("tailscaled"),
            Path.of("tailscale"),
            "::1",
            1055,
            STATE,
            SOCKET,
            OptionalInt.of(0),
            Optional.empty(),
            Optional.empty());
    assertThat(command.daemon()).contains("--socks5-server=[::1]:1055", "--port=0");
  }

  @Test
  void rejectsSettingsTailscaledWouldRefuse() {
    assertThatThrownBy(() -> withSocksPort(0)).hasMessageContaining("SOCKS5 port");
    assertThatThrownBy(() -> withSocksPort(65536)).hasMessageContaining("SOCKS5 port");
    assertThatThrownBy(() -> withLoginServer("headscale.internal:8080"))
        .hasMessageContaining("http:// or https://");
  }

  private static TailscaledCommand withSocksPort(int port) {
    return new TailscaledCommand(
        Path.of("tailscaled"),
        Path.of("tailscale"),
        "127.0.0.1",
        port,
        STATE,
        SOCKET,
        OptionalInt.empty(),
        Optional.empty(),
        Optional.empty());
  }

  private static TailscaledCommand withLoginServer(String url) {
    return new TailscaledCommand(
        Path.of("tailscaled"),
        Path.of("tailscale"),
        "127.0.0.1",
        1055,
        STATE,
        SOCKET,
        OptionalInt.empty(),
        Optional.empty(),
        Optional.of(url));
  }

  private static TailscaledCommand taggedEphemeral() {
    return new TailscaledCommand(
        Path.of("tailscaled"),
        Path.of("tailscale"),
        "127.0.0.1",
        1055,
        STATE,
        SOCKET,
        OptionalInt.empty(),
        Optional.empty(),
        Optional.empty(),
        List.of("tag:gateway", "tag:ci"),
        true);
  }

  @Test
  void anEphemeralDaemonKeepsItsStateInMemory() {
    assertThat(taggedEphemeral().daemon())
        .containsExactly(
            "tailscaled",
            "--tun=userspace-networking",
            "--socks5-server=127.0.0.1:1055",
            "--statedir=/var/lib/tailgate",
            "--state=mem:",
            "--socket=/run/tailgate/tailscaled.sock");
  }

  @Test
  void upAdvertisesTheTagsWithTheKeyStillOnlyAFile() {
    assertThat(taggedEphemeral().up(KEY_FILE))
        .contains("--advertise-tags=tag:gateway,tag:ci", "--auth-key=file:" + KEY_FILE)
        .noneMatch(a -> a.startsWith("tskey-"));
    assertThat(taggedEphemeral().upInteractive()).contains("--advertise-tags=tag:gateway,tag:ci");
    assertThat(minimal().up(KEY_FILE)).noneMatch(a -> a.startsWith("--advertise-tags"));
  }
}
