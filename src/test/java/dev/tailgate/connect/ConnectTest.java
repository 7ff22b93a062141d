package dev.tailgate.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code tailgate connect}'s outcomes before a tunnel is up, in this JVM against a pretend relay
 * that answers each SOCKS5 request with one reply code: each failure is one line on standard error
 * and the exit code ssh users script against. (The tunnel itself, on standard input and output, and
 * the real relay are cli/ConnectProcessTest's.)
 */
class ConnectTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String host, String port, String proxy) {
    return Connect.run(
        new ConnectOptions(host, port, proxy, false, null),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  /** A relay that takes one SOCKS5 CONNECT without a password and answers {@code reply}. */
  private static ServerSocket pretendRelay(int reply) throws IOException {
    return pretendRelay(new byte[] {5, (byte) reply, 0, 1, 0, 0, 0, 0, 0, 0});
  }

  /** A relay that takes one SOCKS5 CONNECT without a password and answers these bytes. */
  private static ServerSocket pretendRelay(byte[] answer) throws IOException {
    ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    Thread t =
        new Thread(
            () -> {
              try (Socket c = server.accept()) {
                InputStream in = c.getInputStream();
                in.readNBytes(in.readNBytes(2)[1]); // version, methods
                c.getOutputStream().write(new byte[] {5, 0});
                byte[] head = in.readNBytes(4);
                int address = head[3] == 1 ? 4 : head[3] == 4 ? 16 : in.read();
                in.readNBytes(address + 2);
                c.getOutputStream().write(answer);
                in.read(); // until connect closes
              } catch (IOException ignored) {
                // connect closed first
              }
            },
            "pretend-relay");
    t.setDaemon(true);
    t.start();
    return server;
  }

  @ParameterizedTest
  @CsvSource({
    "2, 7, refused by tailgate's allowlist",
    "1, 8, the relay or its upstream failed",
    "4, 8, host unreachable",
    "5, 8, connection refused by the target"
  })
  void aFailedRequestIsOneLineAndItsExitCode(int reply, int exit, String says) throws Exception {
    try (ServerSocket relay = pretendRelay(reply)) {
      int code = run("web-1.tail1234.ts.net", "22", "127.0.0.1:" + relay.getLocalPort());

      assertThat(code).isEqualTo(exit);
      assertThat(err())
          .startsWith("tailgate connect: cannot reach web-1.tail1234.ts.net:22: " + says)
          .hasLineCount(1);
    }
  }

  @Test
  void saysTheReasonTheRelayGaveInTheBoundAddress() throws Exception {
    String reason = "peer web-1.tail1234.ts.net is offline (last seen 2026-12-04T20:00:00Z)";
    java.io.ByteArrayOutputStream reply = new java.io.ByteArrayOutputStream();
    reply.write(new byte[] {5, 4, 0, 3, (byte) reason.length()});
    reply.write(reason.getBytes(StandardCharsets.US_ASCII));
    reply.write(new byte[] {0, 0});
    try (ServerSocket relay = pretendRelay(reply.toByteArray())) {
      int code = run("web-1.tail1234.ts.net", "22", "127.0.0.1:" + relay.getLocalPort());

      assertThat(code).isEqualTo(8);
      assertThat(err())
          .isEqualTo(
              "tailgate connect: cannot reach web-1.tail1234.ts.net:22: "
                  + reason
                  + " (SOCKS5 reply 0x04)\n");
    }
  }

  @Test
  void theBannerSshShowsPutsTheRelaysReasonWithinItsHundredCharacters() {
    String reason =
        "peer web-server-01.tail1234.ts.net is offline (last seen 2026-12-04T20:00:00Z)";
    String banner =
        "SSH-tailgate: "
            + Connect.reasonFirst(reason, "cannot reach web-server-01.tail1234.ts.net:22");

    assertThat(banner.substring(0, 100))
        .as("what ssh shows of it")
        .contains("peer web-server-01.tail1234.ts.net is offline");
  }

  @Test
  void noRelayIsOneLineThatSaysWhereItLookedAndExitCode9() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }

    assertThat(run("web", "22", "127.0.0.1:" + closed)).isEqualTo(ConnectExit.NO_RELAY);
    assertThat(err())
        .startsWith(
            "tailgate connect: no relay answered at 127.0.0.1:" + closed + " (from --proxy)")
        .contains("add --start")
        .hasLineCount(1);
  }

  @Test
  void aServerThatIsNoSocks5RelayIsExitCode9() throws Exception {
    try (ServerSocket http = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t =
          new Thread(
              () -> {
                try (Socket c = http.accept()) {
                  c.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes());
                } catch (IOException ignored) {
                  // connect closed first
                }
              });
      t.setDaemon(true);
      t.start();

      assertThat(run("web", "22", "127.0.0.1:" + http.getLocalPort()))
          .isEqualTo(ConnectExit.NO_RELAY);
      assertThat(err()).contains("is no usable relay").hasLineCount(1);
    }
  }

  @ParameterizedTest
  @CsvSource({"web, 0", "web, 65536", "web, 22x", "'', 22"})
  void aBadHostOrPortIsAUsageErrorBeforeAnyRelayIsAsked(String host, String port) {
    assertThat(run(host, port, "127.0.0.1:1")).isEqualTo(ConnectExit.USAGE);
    assertThat(err()).startsWith("tailgate connect: expected HOST PORT").hasLineCount(1);
  }
}
