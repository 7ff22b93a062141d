package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Forwarded requests reuse upstream connections on real sockets: a relay with a direct dialer in
 * front of a keep-alive target that counts its accepts.
 */
class HttpUpstreamReuseTest {
  private DirectRelay relay;
  private final RecordingLog log = new RecordingLog();

  private void startRelay(int port) throws Exception {
    relay = DirectRelay.start(List.of("127.0.0.1:" + port), log);
  }

  @AfterEach
  void stop() throws Exception {
    relay.close();
  }

  private ProxyClient client() throws IOException {
    return new ProxyClient(relay.port());
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
      try (ProxyClient client = client()) {
        assertThat(client.status("GET", "127.0.0.1:" + target.port(), ""))
            .isEqualTo("HTTP/1.1 200 OK");
        assertThat(client.status("GET", "127.0.0.1:" + target.port(), ""))
            .isEqualTo("HTTP/1.1 200 OK");
        assertThat(client.status("GET", "127.0.0.1:9", "")).startsWith("HTTP/1.1 403");
      }

      assertThat(target.accepted).hasValue(1);
      assertThat(requests(3)).extracting(ConnectionEvent::status).containsExactly(200, 200, 403);
    }
  }

  @Test
  void aBrokenReusedConnectionIsTriedOnceMoreForAGetOnAFreshOne() throws Exception {
    try (KeepAliveServer target = KeepAliveServer.answersOnce()) {
      startRelay(target.port());
      try (ProxyClient client = client()) {
        assertThat(client.status("GET", "127.0.0.1:" + target.port(), ""))
            .isEqualTo("HTTP/1.1 200 OK");
        assertThat(client.status("GET", "127.0.0.1:" + target.port(), ""))
            .isEqualTo("HTTP/1.1 200 OK");
      }

      assertThat(target.accepted).as("the reused one, then a fresh one").hasValue(2);
      assertThat(target.answered).hasValue(2);
    }
  }

  @Test
  void aBrokenReusedConnectionIsNotTriedAgainForAPost() throws Exception {
    try (KeepAliveServer target = KeepAliveServer.answersOnce()) {
      startRelay(target.port());
      try (ProxyClient client = client()) {
        assertThat(client.status("GET", "127.0.0.1:" + target.port(), ""))
            .isEqualTo("HTTP/1.1 200 OK");
        assertThat(client.status("POST", "127.0.0.1:" + target.port(), "once"))
            .startsWith("HTTP/1.1 502");
      }

      assertThat(target.accepted).hasValue(1);
      assertThat(target.answered).hasValue(1);
    }
  }
}
