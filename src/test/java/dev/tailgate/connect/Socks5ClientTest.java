package dev.tailgate.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Socks5HandshakeTest {
  @Test
  void sendsANameUnresolvedAsAtyp3() {
    assertThat(Socks5Client.request("web-1.ts.net", 22))
        .containsExactly(
            5, 1, 0, 3, 12, 'w', 'e', 'b', '-', '1', '.', 't', 's', '.', 'n', 'e', 't', 0, 22);
  }

  @Test
  void sendsAddressLiteralsAsAtyp1AndAtyp4() {
    assertThat(Socks5Client.request("100.64.0.11", 2222))
        .containsExactly(5, 1, 0, 1, 100, 64, 0, 11, 0x08, (byte) 0xae);
    byte[] v6 = Socks5Client.request("fd7a:115c:a1e0::b", 22);
    assertThat(v6[3]).isEqualTo((byte) 4);
    assertThat(v6).hasSize(4 + 16 + 2);
    assertThat(Socks5Client.request("[::1]", 22)[3]).isEqualTo((byte) 4);
  }

  @Test
  void leavesAddressesInDisguiseToTheRelayAsNames() {
    // The relay's allowlist sees through 0x7f000001, 2130706433 and octal forms: send them as sent.
    for (String disguised : new String[] {"0177.0.0.1", "2130706433", "0x7f.0.0.1", "1.2.3"}) {
      assertThat(Socks5Client.request(disguised, 22)[3]).as(disguised).isEqualTo((byte) 3);
    }
  }

  @Test
  void sendsWhatIsNoStrictLiteralAsANameForTheRelayToJudge() {
    // base.IpLiteral's one reading: brackets hold IPv6 only, a zone is no part of a literal.
    for (String host : new String[] {"010.0.0.1", "[1.2.3.4]", "fe80::1%eth0", "[fe80::1%eth0]"}) {
      assertThat(Socks5Client.request(host, 22)[3]).as(host).isEqualTo((byte) 3);
    }
  }

  @Test
  void sendsTheTagAsTheUsernameWhenTheRelayPicksUsernamePassword() throws Exception {
    byte[] relay = {5, 2, 1, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    try (Socket s = scripted(relay, sent)) {
      assertThat(Socks5Client.connect(s, "web", 22, null, "web@Play").code()).isZero();
    }
    byte[] tag = "#tailgate-tag:web@Play".getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.write(new byte[] {5, 2, 0, 2, 1, (byte) tag.length});
    expected.write(tag);
    expected.write(0); // no password: nothing that could pass for a secret
    expected.write(Socks5Client.request("web", 22));
    assertThat(sent.toByteArray()).isEqualTo(expected.toByteArray());
  }

  @Test
  void sendsNoTagToARelayThatPicksNoAuthentication() throws Exception {
    byte[] relay = {5, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    try (Socket s = scripted(relay, sent)) {
      assertThat(Socks5Client.connect(s, "web", 22, null, "web").code()).isZero();
    }
    assertThat(new String(sent.toByteArray(), StandardCharsets.ISO_8859_1))
        .doesNotContain("tailgate-tag");
  }

  @Test
  void asksForCredentialsWhenTheRelayRefusesATagAlone() throws Exception {
    byte[] relay = {5, 2, 1, 1};
    try (Socket s = scripted(relay, new ByteArrayOutputStream())) {
      assertThatThrownBy(() -> Socks5Client.connect(s, "web", 22, null, "web"))
          .isInstanceOf(Socks5Client.AuthRefused.class)
          .hasMessageContaining("--credentials FILE");
    }
  }

  /** A socket whose peer answers {@code replies} and records what was sent. */
  private static Socket scripted(byte[] replies, ByteArrayOutputStream sent) {
    return new Socket() {
      @Override
      public InputStream getInputStream() {
        return new ByteArrayInputStream(replies);
      }

      @Override
      public OutputStream getOutputStream() {
        return sent;
      }
    };
  }

  @Test
  void describesTheAllowlistRefusalInWords() {
    assertThat(Socks5Client.describe(2))
        .isEqualTo("refused by tailgate's allowlist (see its connection log)");
    assertThat(Socks5Client.describe(5)).contains("connection refused by the target");
    assertThat(Socks5Client.describe(0x42)).contains("0x42");
  }

  @Test
  void parsesPortsStrictly() {
    assertThat(Connect.port("22")).isEqualTo(22);
    assertThat(Connect.port("65535")).isEqualTo(65535);
    assertThat(Connect.port("0")).isEqualTo(-1);
    assertThat(Connect.port("65536")).isEqualTo(-1);
    assertThat(Connect.port("+22")).isEqualTo(-1);
    assertThat(Connect.port("ssh")).isEqualTo(-1);
  }
}
