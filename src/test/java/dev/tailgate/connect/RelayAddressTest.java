package dev.tailgate.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailgate.gateway.RunState;
import dev.tailgate.web.Status;
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
  void takesTheRelaysUnixSocketFromTheRunStateWhenThisUserMayOpenIt() throws Exception {
    Path socket = Files.createFile(dir.resolve("relay.sock")); // a file this user may write
    Path file = dir.resolve("status.json");
    Files.writeString(
        file,
        "{\"pid\": "
            + ProcessHandle.current().pid()
            + ", \"relay\": \"127.0.0.1:1099\", \"relay_unix\": \""
            + socket
            + "\"}");
    assertThat(RelayAddress.fromRunState(file)).isEqualTo(socket.toString());

    Files.delete(socket); // gone, or not this user's to open: the TCP address
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
  void readsTheTopLevelMembersWhateverComesBeforeThem() throws Exception {
    Path file = dir.resolve("status.json");
    Files.writeString(
        file,
        "{\"daemon\": {\"pid\": 1, \"relay\": \"10.0.0.1:1\"},"
            + " \"last_reload\": {\"message\": \"\\\"relay\\\" : \\\"6.6.6.6:1\\\"\"},"
            + " \"relay\": \"127.0.0.1:1099\", \"pid\": "
            + ProcessHandle.current().pid()
            + "}");
    assertThat(RelayAddress.fromRunState(file)).isEqualTo("127.0.0.1:1099");
  }

  @Test
  void readsTheRunStateThatTheGatewayWrites() throws Exception {
    RunState state =
        new RunState(
            ProcessHandle.current().pid(),
            true,
            "[::1]:1099",
            null,
            "direct",
            null,
            new Status.Daemon(
                true, "running", "Running", 7, 0, "a \"relay\": here", "t", "x.ts.net", null),
            0,
            0,
            "t",
            "t",
            new Status.Reload("t", "SIGHUP", false, "rejected: \"relay\" : \"6.6.6.6:1\""));
    Path file = dir.resolve("status.json");
    Files.write(file, RunState.JSON.writeValueAsBytes(state));
    assertThat(RelayAddress.fromRunState(file)).isEqualTo("[::1]:1099");
  }

  @Test
  void aBrokenOrOversizedFileIsNoRunState() throws Exception {
    Path file = dir.resolve("status.json");
    Files.writeString(
        file, "{\"pid\": " + ProcessHandle.current().pid() + ", \"relay\": \"127.0.0.1:1");
    assertThat(RelayAddress.fromRunState(file)).isNull();
    Files.writeString(
        file,
        "{\"pid\": "
            + ProcessHandle.current().pid()
            + ", \"relay\": \"127.0.0.1:1099\", \"pad\": \""
            + "x".repeat(TopLevelJson.MAX_CHARS)
            + "\"}");
    assertThat(RelayAddress.fromRunState(file)).isNull();
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
