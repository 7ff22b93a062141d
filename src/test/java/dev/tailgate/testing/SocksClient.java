package dev.tailgate.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A SOCKS5 client written byte by byte from RFC 1928, so tests check the wire format rather than
 * netty's view of it.
 */
public final class SocksClient {
  private SocksClient() {}

  /** Connects to the relay and asks for {@code host:port} by name (ATYP 3); returns the socket. */
  public static Socket open(InetSocketAddress relay) throws IOException {
    Socket s = new Socket();
    s.connect(relay, 5000);
    s.setSoTimeout(15_000);
    return s;
  }

  /** Runs the no-auth greeting and a CONNECT by name; returns the reply code. */
  public static int connect(Socket s, String host, int port) throws IOException {
    OutputStream out = s.getOutputStream();
    DataInputStream in = new DataInputStream(s.getInputStream());
    out.write(new byte[] {5, 1, 0});
    out.flush();
    byte[] method = new byte[2];
    in.readFully(method);
    if (method[1] != 0) {
      throw new IOException("relay refused no-auth: " + method[1]);
    }
    byte[] name = host.getBytes(StandardCharsets.US_ASCII);
    byte[] request = new byte[7 + name.length];
    request[0] = 5;
    request[1] = 1;
    request[3] = 3;
    request[4] = (byte) name.length;
    System.arraycopy(name, 0, request, 5, name.length);
    request[5 + name.length] = (byte) (port >> 8);
    request[6 + name.length] = (byte) port;
    out.write(request);
    out.flush();
    byte[] head = new byte[4];
    in.readFully(head);
    int rest =
        switch (head[3]) {
          case 1 -> 4;
          case 4 -> 16;
          case 3 -> in.readUnsignedByte();
          default -> throw new IOException("bad ATYP in reply: " + head[3]);
        };
    in.readFully(new byte[rest + 2]);
    return head[1];
  }

  /** One request on a fresh connection, closed after the reply; returns the reply code. */
  public static int reply(InetSocketAddress relay, String host, int port) throws IOException {
    try (Socket s = open(relay)) {
      return connect(s, host, port);
    }
  }

  /** Writes {@code text} on an open tunnel and reads back as many bytes (through an echo). */
  public static String echo(Socket s, String text) throws IOException {
    byte[] sent = text.getBytes(StandardCharsets.UTF_8);
    s.getOutputStream().write(sent);
    return new String(s.getInputStream().readNBytes(sent.length), StandardCharsets.UTF_8);
  }

  /**
   * A tunnel to {@code host:port} through the relay, its socket with a 5 s read timeout.
   *
   * @throws IOException when the relay answers anything but success
   */
  public static Socket tunnel(InetSocketAddress relay, String host, int port) throws IOException {
    Socket s = open(relay);
    s.setSoTimeout(5_000);
    int reply = connect(s, host, port);
    if (reply != 0) {
      s.close();
      throw new IOException(String.format("relay refused %s:%d with 0x%02x", host, port, reply));
    }
    return s;
  }
}
