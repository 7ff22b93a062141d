package dev.tailgate.localpeer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The sock_diag messages against bytes laid out by hand from linux/inet_diag.h (x86-64, arm64). */
class SockDiagTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void asksForTheClientsOwnSocketWithoutDump() {
    ByteBuffer b =
        SockDiag.request(
            7, new InetSocketAddress("127.0.0.1", 40000), new InetSocketAddress("127.0.0.2", 1080));
    String expected =
        "48000000" // nlmsg_len 72
            + "1400" // SOCK_DIAG_BY_FAMILY
            + "0100" // NLM_F_REQUEST only: no NLM_F_DUMP
            + "07000000" // seq
            + "00000000" // pid: the kernel
            + "02" // AF_INET
            + "06" // IPPROTO_TCP
            + "00" // no extensions
            + "00" // pad
            + "ffffffff" // every state
            + "9c40" // sport 40000, network order
            + "0438" // dport 1080
            + "7f000001"
            + "00".repeat(12) // src: the client
            + "7f000002"
            + "00".repeat(12) // dst: the listener
            + "00000000" // any interface
            + "ffffffff"
            + "ffffffff"; // INET_DIAG_NOCOOKIE
    assertThat(HEX.formatHex(bytes(b))).isEqualTo(expected);
  }

  @Test
  void asksAnIpv6ClientAsAfInet6() {
    ByteBuffer b =
        SockDiag.request(1, new InetSocketAddress("::1", 2), new InetSocketAddress("::1", 3));
    byte[] raw = bytes(b);
    assertThat(raw[16]).isEqualTo((byte) 10);
    assertThat(HEX.formatHex(raw, 28, 44)).isEqualTo("00".repeat(15) + "01");
  }

  @Test
  void readsUidAndInodeOfTheReply() {
    ByteBuffer reply = ByteBuffer.allocate(16 + 72 + 8).order(ByteOrder.LITTLE_ENDIAN);
    reply.putInt(16 + 72 + 8).putShort((short) 20).putShort((short) 0).putInt(7).putInt(0);
    reply.put((byte) 2).put((byte) 1).put((byte) 0).put((byte) 0); // AF_INET, ESTABLISHED
    reply.put(new byte[48]); // the socket id, echoed
    reply.putInt(0).putInt(0).putInt(0); // expires, rqueue, wqueue
    reply.putInt(65534).putInt(0xfedcba98); // uid, inode (u32)
    reply.putShort((short) 8).putShort((short) 1).putInt(0); // an attribute, ignored
    SockDiag.Answer a = SockDiag.answer(reply.flip());
    assertThat(a.seq()).isEqualTo(7);
    assertThat(a.errno()).isZero();
    assertThat(a.entry()).isEqualTo(new SocketTable.Entry(65534, 0xfedcba98L));
  }

  @Test
  void readsTheKernelsErrorAsNotFound() {
    ByteBuffer reply = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN);
    reply.putInt(36).putShort((short) 2).putShort((short) 0).putInt(9).putInt(0);
    reply.putInt(-2); // -ENOENT, then the request's header
    reply.put(new byte[16]);
    SockDiag.Answer a = SockDiag.answer(reply.flip());
    assertThat(a.seq()).isEqualTo(9);
    assertThat(a.entry()).isNull();
    assertThat(a.errno()).isEqualTo(SockDiag.ENOENT);
  }

  @Test
  void skipsOtherMessagesAndRejectsALengthThatDoesNotFit() {
    ByteBuffer noop = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    noop.putInt(16).putShort((short) 1).putShort((short) 0).putInt(1).putInt(0);
    assertThat(SockDiag.answer(noop.flip())).isNull();
    ByteBuffer lying = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    lying.putInt(4096).putShort((short) 20).putShort((short) 0).putInt(1).putInt(0);
    assertThatThrownBy(() -> SockDiag.answer(lying.flip()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readsNameAndParentOfAStatLineWhoseNameHasSpacesAndParentheses() {
    ProcessTable.Stat s = ProcessTable.parseStat("812 (my (odd) cmd) S 790 812 12 0 -1", 5);
    assertThat(s).isEqualTo(new ProcessTable.Stat("my (odd) cmd", 790, 5));
    assertThat(ProcessTable.parseStat("812 (ssh", 0)).isNull();
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
