package dev.tailgate.relay;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzzing of the SOCKS5 and HTTP CONNECT handshakes, judged by {@link
 * HandshakeTrial}. The normal build replays the committed inputs under {@code
 * HandshakeFuzzTestInputs/}; {@code scripts/fuzz.sh} fuzzes (JAZZER_FUZZ=1).
 */
class HandshakeFuzzTest {

  /**
   * First byte: bit 0 asks for a password, the rest chooses where the input splits across reads.
   */
  @FuzzTest(maxDuration = "60s")
  void socks5(byte[] data) throws Exception {
    run((byte) 0x05, data);
  }

  @FuzzTest(maxDuration = "60s")
  void httpConnect(byte[] data) throws Exception {
    run((byte) 'C', data);
  }

  private static void run(byte protocol, byte[] data) throws Exception {
    if (data == null || data.length < 1) {
      return;
    }
    Credentials credentials = (data[0] & 1) == 1 ? HandshakeTrial.credentials() : null;
    byte[] input = new byte[data.length];
    input[0] = protocol;
    System.arraycopy(data, 1, input, 1, data.length - 1);
    int split = 1 + ((data[0] & 0xff) >>> 1) % input.length;
    List<byte[]> chunks = new ArrayList<>();
    chunks.add(Arrays.copyOfRange(input, 0, Math.min(split, input.length)));
    if (split < input.length) {
      chunks.add(Arrays.copyOfRange(input, split, input.length));
    }
    HandshakeTrial.check(credentials, chunks);
  }
}
