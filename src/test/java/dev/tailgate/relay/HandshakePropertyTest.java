package dev.tailgate.relay;

import dev.tailgate.testing.Mutations;
import dev.tailgate.testing.Trials;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Properties of every handshake over random and mutated client input, split across reads at random:
 * see {@link HandshakeTrial} for what must hold. A failure names the seed that replays it.
 */
class HandshakePropertyTest {
  private static final int TRIES = 1000;

  @Test
  void socks5WithoutAuthSurvivesMutatedHandshakes() {
    Trials.run(TRIES, r -> send(r, null, Mutations.mutate(r, HandshakeInputs.socks5(r, false))));
  }

  @Test
  void socks5WithPasswordSurvivesMutatedHandshakes() {
    Trials.run(
        TRIES,
        r ->
            send(
                r,
                HandshakeTrial.credentials(),
                Mutations.mutate(r, HandshakeInputs.socks5(r, true))));
  }

  @Test
  void socks4And4aSurviveMutatedRequests() {
    Trials.run(
        TRIES,
        r -> {
          boolean auth = r.nextInt(4) == 0;
          byte[] input = Mutations.mutate(r, HandshakeInputs.socks4(r));
          send(r, auth ? HandshakeTrial.credentials() : null, input);
        });
  }

  @Test
  void httpConnectSurvivesMutatedRequests() {
    Trials.run(
        TRIES,
        r -> {
          boolean auth = r.nextBoolean();
          byte[] input = Mutations.mutate(r, HandshakeInputs.http(r, auth));
          send(r, auth ? HandshakeTrial.credentials() : null, input);
        });
  }

  @Test
  void httpConnectRefusesARequestLineOrHeadersBeyondTheBounds() {
    Trials.run(
        100,
        r -> {
          StringBuilder request = new StringBuilder("CONNECT db1.example.ts.net:22 HTTP/1.1\r\n");
          if (r.nextBoolean()) {
            request.insert(8, "x".repeat(ProtocolDetector.MAX_HTTP_LINE + r.nextInt(4096)));
          } else {
            while (request.length() < ProtocolDetector.MAX_HTTP_HEADERS + 4096) {
              request.append("X-Filler: ").append("y".repeat(r.nextInt(200))).append("\r\n");
            }
          }
          byte[] input = request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
          send(r, null, input);
        });
  }

  @Test
  void everyProtocolSurvivesRandomBytesAfterItsFirstByte() {
    byte[] first = {0x05, 0x04, 'C'};
    Trials.run(
        TRIES,
        r -> {
          int p = r.nextInt(first.length);
          byte[] input = Mutations.bytes(r, 1 + r.nextInt(600));
          input[0] = first[p];
          send(r, r.nextBoolean() ? HandshakeTrial.credentials() : null, input);
        });
  }

  @Test
  void unknownProtocolsAreClosedWithoutAReply() {
    Trials.run(
        200,
        r -> {
          byte[] input = Mutations.bytes(r, 1 + r.nextInt(64));
          while (input[0] == 0x04 || input[0] == 0x05 || (input[0] >= 'A' && input[0] <= 'Z')) {
            input[0] = (byte) r.nextInt();
          }
          HandshakeTrial.check(null, Mutations.chunks(r, input));
        });
  }

  /** Sends {@code input} in random chunks; its first byte decides the protocol it is judged by. */
  private static void send(Random r, Credentials credentials, byte[] input) throws Exception {
    if (input.length == 0) {
      return;
    }
    HandshakeTrial.check(credentials, Mutations.chunks(r, input));
  }
}
