package dev.tailgate.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RelayAddressTest {
  @TempDir Path dir;

  /** As gateway.RunState writes it (Jackson, indented). */
  private static String runState(long pid, String relay) {
    return "{\n  \"pid\" : "
        + pid
        + ",\n  \"ready\" : true,\n  \"relay\" : \""
        + relay
        + "\",\n  \"upstream\" : \"direct\",\n  \"daemon\" : {\n    \"pid\" : 1\n  }\n}";
  }

  @Test
  void readsTheRelayOfALiveTailgateFromItsRunState() throws Exception {
    Path file = dir.resolve("status.json");
    Files.writeString(file, runState(ProcessHandle.current().pid(), "127.0.0.1:1099"));
    assertThat(RelayAddress.fromRunState(file)).isEqualTo("127.0.0.1:1099");
  }

  @Test
  void ignoresTheRunStateOfADeadTailgate() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path file = dir.resolve("status.json");
    Files.writeString(file, runState(gone.pid(), "127.0.0.1:1099"));
    assertThat(RelayAddress.fromRunState(file)).isNull();
    assertThat(RelayAddress.fromRunState(dir.resolve("missing.json"))).isNull();
  }

  @Test
  void theProxyOptionComesFirst() {
    assertThat(RelayAddress.find("127.0.0.1:2000"))
        .isEqualTo(new RelayAddress("127.0.0.1:2000", "--proxy"));
  }

  @Test
  void resolvesLiteralsAndBracketedIpv6() {
    assertThat(new RelayAddress("127.0.0.1:1080", "x").resolve())
        .isEqualTo(new InetSocketAddress("127.0.0.1", 1080));
    assertThat(new RelayAddress("[::1]:1080", "x").resolve().getAddress().getHostAddress())
        .isEqualTo("0:0:0:0:0:0:0:1");
  }

  @Test
  void aBadAddressNamesItsSource() {
    assertThatThrownBy(() -> new RelayAddress("127.0.0.1", "TAILGATE_PROXY").resolve())
        .hasMessageContaining("TAILGATE_PROXY")
        .hasMessageContaining("HOST:PORT");
    assertThatThrownBy(() -> new RelayAddress("127.0.0.1:99999", "--proxy").resolve())
        .hasMessageContaining("no valid port");
  }
}
