package dev.tailgate.relay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One client connection to a relay on loopback, sending plain HTTP requests in absolute form one
 * after another and reading each response whole (its body delimited by Content-Length).
 */
final class ProxyClient implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final BufferedReader in;

  ProxyClient(int relayPort) throws IOException {
    socket = new Socket(InetAddress.getLoopbackAddress(), relayPort);
    socket.setSoTimeout(10_000);
    out = socket.getOutputStream();
    in =
        new BufferedReader(
            new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
  }

  /** Sends one request and returns the response's status line and body, a line apart. */
  String send(String method, String hostPort, String body) throws IOException {
    String head = method + " http://" + hostPort + "/ HTTP/1.1\r\nHost: x\r\n";
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
    char[] content = new char[length];
    for (int n = 0, r; n < length && (r = in.read(content, n, length - n)) > 0; ) {
      n += r;
    }
    return status + "\n" + new String(content);
  }

  /** The status line of one request's response. */
  String status(String method, String hostPort, String body) throws IOException {
    return send(method, hostPort, body).lines().findFirst().orElse("");
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
