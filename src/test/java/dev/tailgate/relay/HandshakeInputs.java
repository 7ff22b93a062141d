package dev.tailgate.relay;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;

/** Random valid client handshakes of each protocol, for mutation. */
final class HandshakeInputs {
  private static final String[] NAMES = {
    "db1.example.ts.net", "web.example.ts.net", "localhost", "0x7f000001", "example.com", "a", ""
  };
  private static final byte[][] IPV4 = {
    {100, 64, 0, 1}, {127, 0, 0, 1}, {(byte) 169, (byte) 254, (byte) 169, (byte) 254}, {8, 8, 8, 8}
  };
  private static final String[] IPV6 = {
    "fd7a:115c:a1e0::1", "::1", "64:ff9b::7f00:1", "2002:7f00:1::", "fe80::1"
  };
  private static final int[] PORTS = {22, 443, 80, 0, 65535, 1};

  private HandshakeInputs() {}

  /**
   * Greeting, RFC 1929 sub-negotiation when {@code withAuth}, CONNECT request; maybe early data.
   */
  static byte[] socks5(Random random, boolean withAuth) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int methods = 1 + random.nextInt(4);
    out.write(5);
    out.write(methods);
    int wanted = random.nextInt(methods);
    for (int i = 0; i < methods; i++) {
      out.write(i == wanted ? (withAuth ? 2 : 0) : random.nextInt(4));
    }
    if (withAuth) {
      boolean right = random.nextInt(4) != 0;
      byte[] user = right ? ascii(HandshakeTrial.USER) : text(random, 255);
      byte[] password = right ? ascii(HandshakeTrial.PASSWORD) : text(random, 255);
      out.write(1);
      out.write(user.length);
      out.writeBytes(user);
      out.write(password.length);
      out.writeBytes(password);
    }
    out.write(5);
    out.write(random.nextInt(6) == 0 ? 2 + random.nextInt(2) : 1);
    out.write(0);
    switch (random.nextInt(3)) {
      case 0 -> {
        out.write(1);
        out.writeBytes(pick(random, IPV4));
      }
      case 1 -> {
        byte[] name = host(random);
        out.write(3);
        out.write(name.length);
        out.writeBytes(name);
      }
      default -> {
        out.write(4);
        out.writeBytes(ipv6(random));
      }
    }
    port(random, out);
    earlyData(random, out);
    return out.toByteArray();
  }

  /** SOCKS4 (an IPv4 address) or SOCKS4a (0.0.0.x and a name) CONNECT; maybe early data. */
  static byte[] socks4(Random random) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(4);
    out.write(random.nextInt(6) == 0 ? 2 : 1);
    port(random, out);
    boolean socks4a = random.nextBoolean();
    out.writeBytes(
        socks4a ? new byte[] {0, 0, 0, (byte) (1 + random.nextInt(255))} : pick(random, IPV4));
    out.writeBytes(text(random, 32));
    out.write(0);
    if (socks4a) {
      out.writeBytes(host(random));
      out.write(0);
    }
    earlyData(random, out);
    return out.toByteArray();
  }

  /** {@code CONNECT host:port HTTP/1.1}, some headers, maybe credentials and early data. */
  static byte[] http(Random random, boolean withAuth) {
    String host =
        random.nextInt(4) == 0
            ? "[" + IPV6[random.nextInt(IPV6.length)] + "]"
            : new String(host(random), StandardCharsets.ISO_8859_1);
    String authority = host + ":" + PORTS[random.nextInt(PORTS.length)];
    String method = random.nextInt(6) == 0 ? "GET" : "CONNECT";
    StringBuilder request =
        new StringBuilder(method + " " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n");
    if (withAuth && random.nextInt(4) != 0) {
      String pair =
          random.nextBoolean()
              ? HandshakeTrial.USER + ":" + HandshakeTrial.PASSWORD
              : "ansible:guess";
      request
          .append("Proxy-Authorization: Basic ")
          .append(Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)))
          .append("\r\n");
    }
    for (int i = random.nextInt(3); i > 0; i--) {
      request
          .append("X-Header-")
          .append(i)
          .append(": value ")
          .append(random.nextInt())
          .append("\r\n");
    }
    request.append("\r\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(request.toString().getBytes(StandardCharsets.ISO_8859_1));
    earlyData(random, out);
    return out.toByteArray();
  }

  private static byte[] host(Random random) {
    return random.nextInt(5) == 0 ? text(random, 255) : ascii(NAMES[random.nextInt(NAMES.length)]);
  }

  private static byte[] ipv6(Random random) {
    byte[] out = new byte[16];
    if (random.nextInt(4) == 0) {
      random.nextBytes(out);
      return out;
    }
    return dev.tailgate.policy.NormalizedHost.of(IPV6[random.nextInt(IPV6.length)])
        .address()
        .orElseThrow()
        .getAddress();
  }

  private static void port(Random random, ByteArrayOutputStream out) {
    int port = random.nextInt(4) == 0 ? random.nextInt(65536) : PORTS[random.nextInt(PORTS.length)];
    out.write(port >>> 8);
    out.write(port);
  }

  private static void earlyData(Random random, ByteArrayOutputStream out) {
    if (random.nextInt(4) == 0) {
      out.writeBytes(ascii("SSH-2.0-early\r\n"));
    }
  }

  /** Printable ASCII of random length up to {@code max}, at least one character. */
  private static byte[] text(Random random, int max) {
    byte[] out = new byte[1 + random.nextInt(max)];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) (0x21 + random.nextInt(0x5e));
    }
    return out;
  }

  private static byte[] pick(Random random, byte[][] from) {
    return from[random.nextInt(from.length)].clone();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
