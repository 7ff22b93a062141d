package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.policy.Allowlist;
import io.netty.channel.EventLoopGroup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Forwarded requests reuse upstream connections on real sockets: a relay with a direct dialer in
 * front of a keep-alive target that counts its accepts.
 */
class HttpUpstreamReuseTest {
  private EventLoopGroup group;
  private DirectDialer dialer;
  private RelayServer relay;
  private final RecordingLog log = new RecordingLog();

  private void startRelay(int port) throws Exception {
    Transports t = Transports.best();
    group = t.newGroup(1);
    dialer = new DirectDialer(t, Duration.ofSeconds(5));
    relay =
        RelayServer.start(
            LoopbackSettings.with(RelaySettings.Limits.DEFAULT),
            Allowlist.parse(List.of("127.0.0.1:" + port)),
            dialer,
            UpstreamGate.OPEN,
            log,
            new RelayStats(),
            group,
            t);
  }

  @AfterEach
  void stop() throws Exception {
    relay.close();
    dialer.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  /** One client connection to the relay, sending requests one after another. */
  private final class Client implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final BufferedReader in;

    Client() throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), relay.address().getPort());
      socket.setSoTimeout(10_000);
      out = socket.getOutputStream();
      in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
    }

    /** Sends one request and returns the response's status line, its body read. */
    String send(String method, int port, String body) throws IOException {
      String head = method + " http://127.0.0.1:" + port + "/ HTTP/1.1\r\nHost: x\r\n";
      head += body.isEmpty() ? "\r\n" : "Content-Length: " + body.length() + "\r\n\r\n" + body;
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = in.readLine();
      int length = 0;
      for (String h; (h = in.readLine()) != null && !h.isEmpty(); ) {
        if (h.toLowerCase().startsWith("content-length:")) {
          length = Integer.parseInt(h.substring(15).trim());
        }
      }
      in.skip(length);
      return status;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private List<ConnectionEvent> requests(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<ConnectionEvent> requests;
    do {
      requests = log.events().stream().filter(ConnectionEvent::isRequest).toList();
    } while (requests.size() < n && System.nanoTime() < deadline && sleep());
    return requests;
  }

  private static boolean sleep() throws InterruptedException {
    Thread.sleep(10);
    return true;
  }

  @Test
  void twoRequestsToOneTargetUseOneUpstreamConnectionEachJudgedAndLogged() throws Exception {
    try (KeepAliveServer target = KeepAliveServer.start()) {
      startRelay(target.port());
      try (Client client = new Client()) {
        assertThat(client.send("GET", target.port(), "")).isEqualTo("HTTP/1.1 200 OK");
        assertThat(client.send("GET", target.port(), "")).isEqualTo("HTTP/1.1 200 OK");
        assertThat(client.send("GET", 9, "")).startsWith("HTTP/1.1 403");
      }

      assertThat(target.accepted).hasValue(1);
      assertThat(requests(3)).extracting(ConnectionEvent::status).containsExactly(200, 200, 403);
    }
  }

  @Test
  void aBrokenReusedConnectionIsTriedOnceMoreForAGetOnAFreshOne() throws Exception {
    try (KeepAliveServer target = KeepAliveServer.answersOnce()) {
      startRelay(target.port());
      try (Client client = new Client()) {
        assertThat(client.send("GET", target.port(), "")).isEqualTo("HTTP/1.1 200 OK");
        assertThat(client.send("GET", target.port(), "")).isEqualTo("HTTP/1.1 200 OK");
      }

      assertThat(target.accepted).as("the reused one, then a fresh one").hasValue(2);
      assertThat(target.answered).hasValue(2);
    }
  }

  @Test
  void aBrokenReusedConnectionIsNotTriedAgainForAPost() throws Exception {
    try (KeepAliveServer target = KeepAliveServer.answersOnce()) {
      startRelay(target.port());
      try (Client client = new Client()) {
        assertThat(client.send("GET", target.port(), "")).isEqualTo("HTTP/1.1 200 OK");
        assertThat(client.send("POST", target.port(), "once")).startsWith("HTTP/1.1 502");
      }

      assertThat(target.accepted).hasValue(1);
      assertThat(target.answered).hasValue(1);
    }
  }
}
