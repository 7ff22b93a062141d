package dev.tailgate.relay;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random plain HTTP requests in absolute form, each with the bytes its target must get from a proxy
 * that follows RFC 9110/9112: origin form, the client's end-to-end fields in their order with their
 * whitespace trimmed and an obs-fold made one line, no hop-by-hop field, tailgate's own {@code
 * Host} and {@code Via}, and the body's payload.
 */
final class ForwardedRequests {
  static final String AUTHORITY = "web.example.ts.net:8080";
  static final String RULE = "*.example.ts.net:80,8080";

  private static final String[] METHODS = {
    "GET", "HEAD", "DELETE", "OPTIONS", "POST", "PUT", "PATCH"
  };
  private static final String[] HOP_BY_HOP = {
    "Proxy-Connection: keep-alive",
    "Keep-Alive: timeout=5, max=100",
    "TE: trailers",
    "Trailer: X-Checksum",
    "Proxy-Authorization: Basic dTpw",
    "Upgrade: h2c"
  };

  /** How the body is framed. */
  enum Body {
    NONE,
    SIZED,
    CHUNKED
  }

  /**
   * One request: what the client sends, split in its head, its body's framing (the chunks as sent)
   * and payload, and the head its target must get.
   */
  record Request(String head, Body body, List<byte[]> chunks, byte[] payload, String expectedHead) {
    /** The whole request as the client sends it. */
    byte[] bytes() {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
      if (body == Body.SIZED) {
        out.writeBytes(payload);
      } else if (body == Body.CHUNKED) {
        chunks.forEach(out::writeBytes);
      }
      return out.toByteArray();
    }
  }

  private ForwardedRequests() {}

  static Request random(Random r) {
    String method = METHODS[r.nextInt(METHODS.length)];
    String path = path(r);
    Body body = Body.values()[r.nextInt(3)];
    byte[] payload = body == Body.NONE ? new byte[0] : bytes(r, r.nextInt(3000));

    List<String> sent = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int i = r.nextInt(6); i > 0; i--) {
      String name = "X-" + token(r) + "-" + i;
      String value = value(r);
      if (r.nextInt(8) == 0) {
        String more = value(r);
        sent.add(name + ":" + ows(r) + value + "\r\n" + (r.nextBoolean() ? " " : "\t") + more);
        expected.add(name + ": " + value + " " + more);
      } else {
        sent.add(name + ":" + ows(r) + value + ows(r));
        expected.add(name + ": " + value);
      }
    }
    if (r.nextBoolean()) {
      String hop = "X-Hop-" + token(r);
      sent.add("Connection: keep-alive, " + hop);
      sent.add(hop + ": gone");
    }
    for (String hop : HOP_BY_HOP) {
      if (r.nextInt(4) == 0) {
        sent.add(hop);
      }
    }
    List<byte[]> chunks = new ArrayList<>();
    if (body == Body.SIZED) {
      String field = (r.nextBoolean() ? "Content-Length" : "content-length") + ": ";
      sent.add(field + payload.length);
      expected.add(field + payload.length);
    } else if (body == Body.CHUNKED) {
      String field = (r.nextBoolean() ? "Transfer-Encoding" : "transfer-encoding") + ": ";
      sent.add(field + "chunked");
      expected.add(field + "chunked");
      chunks = chunked(r, payload);
    }
    // Host anywhere among them, with any value: the target gets the URL's.
    sent.add(r.nextInt(sent.size() + 1), "Host: " + (r.nextBoolean() ? AUTHORITY : "elsewhere"));
    expected.add("host: " + AUTHORITY);
    expected.add("via: 1.1 tailgate");

    String head = method + " http://" + AUTHORITY + path + " HTTP/1.1\r\n" + lines(sent) + "\r\n";
    String expectedHead = method + " " + path + " HTTP/1.1\r\n" + lines(expected) + "\r\n";
    return new Request(head, body, chunks, payload, expectedHead);
  }

  /** {@code payload} in chunks of random sizes, some with extensions, and the last chunk. */
  static List<byte[]> chunked(Random r, byte[] payload) {
    List<byte[]> chunks = new ArrayList<>();
    for (int at = 0; at < payload.length; ) {
      int n = Math.min(payload.length - at, 1 + r.nextInt(1200));
      ByteArrayOutputStream chunk = new ByteArrayOutputStream();
      String ext = r.nextInt(5) == 0 ? ";name=value" : "";
      chunk.writeBytes((Integer.toHexString(n) + ext + "\r\n").getBytes(StandardCharsets.US_ASCII));
      chunk.write(payload, at, n);
      chunk.writeBytes(new byte[] {'\r', '\n'});
      chunks.add(chunk.toByteArray());
      at += n;
    }
    chunks.add("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return chunks;
  }

  private static String lines(List<String> fields) {
    StringBuilder out = new StringBuilder();
    fields.forEach(f -> out.append(f).append("\r\n"));
    return out.toString();
  }

  private static String path(Random r) {
    StringBuilder p = new StringBuilder();
    for (int i = r.nextInt(4); i >= 0; i--) {
      p.append('/').append(token(r));
    }
    if (r.nextInt(3) == 0) {
      p.append("/%20%E2%82%AC");
    }
    if (r.nextBoolean()) {
      p.append('?').append(token(r)).append('=').append(token(r)).append("&b=%2F");
    }
    return p.toString();
  }

  private static String token(Random r) {
    String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    StringBuilder t = new StringBuilder();
    for (int i = 1 + r.nextInt(10); i > 0; i--) {
      t.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return t.toString();
  }

  /** A field value: visible characters, spaces and tabs inside, now and then obs-text. */
  private static String value(Random r) {
    StringBuilder v = new StringBuilder();
    v.append((char) (0x21 + r.nextInt(0x5e)));
    for (int i = r.nextInt(40); i > 0; i--) {
      int kind = r.nextInt(20);
      char c =
          kind == 0
              ? ' '
              : kind == 1
                  ? '\t'
                  : kind == 2 ? (char) (0x80 + r.nextInt(0x80)) : (char) (0x21 + r.nextInt(0x5e));
      v.append(c);
    }
    v.append((char) (0x21 + r.nextInt(0x5e)));
    return v.toString();
  }

  /** Optional whitespace around a field value (RFC 9110 §5.6.3). */
  private static String ows(Random r) {
    return switch (r.nextInt(4)) {
      case 0 -> "";
      case 1 -> " ";
      case 2 -> "\t ";
      default -> "  ";
    };
  }

  private static byte[] bytes(Random r, int n) {
    byte[] out = new byte[n];
    r.nextBytes(out);
    return out;
  }
}
