package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.testing.ExternalTool;
import dev.tailgate.testing.RunningProcess;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Expect: 100-continue} and {@code Upgrade: websocket} through the forwarder on real
 * sockets: curl uploading to the JDK's HTTP server, which answers 100 before it reads the body, and
 * a WebSocket client talking to netty's WebSocket server, the connection a tunnel after the 101.
 */
class HttpUpgradeAndContinueTest {
  @TempDir static Path dir;

  private static EventLoopGroup group;
  private static Channel websocket;
  private static HttpServer uploads;
  private static DirectRelay relay;
  private static final RecordingLog log = new RecordingLog();

  @BeforeAll
  static void start() throws Exception {
    Transports t = Transports.best();
    group = t.newGroup(2);
    websocket =
        new ServerBootstrap()
            .group(group)
            .channel(t.serverChannel())
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(1 << 16))
                        .addLast(new WebSocketServerProtocolHandler("/ws"))
                        .addLast(new Echo());
                  }
                })
            .bind(InetAddress.getLoopbackAddress(), 0)
            .sync()
            .channel();
    uploads = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    uploads.createContext(
        "/",
        e -> {
          byte[] body = e.getRequestBody().readAllBytes();
          byte[] answer = ("got " + body.length).getBytes(StandardCharsets.US_ASCII);
          e.sendResponseHeaders(200, answer.length);
          e.getResponseBody().write(answer);
          e.close();
        });
    uploads.start();
    relay =
        DirectRelay.start(
            List.of("127.0.0.1:" + port(websocket), "127.0.0.1:" + uploads.getAddress().getPort()),
            log);
  }

  @AfterAll
  static void stop() throws Exception {
    relay.close();
    uploads.stop(0);
    websocket.close().sync();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  private static int port(Channel server) {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** Answers each text frame with the same text, upper-cased. */
  private static final class Echo extends SimpleChannelInboundHandler<TextWebSocketFrame> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
      ctx.writeAndFlush(new TextWebSocketFrame(frame.text().toUpperCase()));
    }
  }

  @Test
  void aWebSocketUpgradeBecomesATunnelToTheTarget() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      DataInputStream in = new DataInputStream(s.getInputStream());
      out.write(
          ("GET http://127.0.0.1:"
                  + port(websocket)
                  + "/ws HTTP/1.1\r\n"
                  + "Host: x\r\n"
                  + "Proxy-Connection: keep-alive\r\n"
                  + "Connection: Upgrade\r\n"
                  + "Upgrade: websocket\r\n"
                  + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  + "Sec-WebSocket-Version: 13\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();

      String head = readHead(in);
      assertThat(head).startsWith("HTTP/1.1 101 Switching Protocols\r\n");
      assertThat(head.toLowerCase())
          .contains(
              "upgrade: websocket\r\n",
              "connection: upgrade\r\n",
              "sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n");

      for (String text : List.of("hello", "through tailgate")) {
        out.write(maskedTextFrame(text));
        out.flush();
        assertThat(in.readUnsignedByte()).as("FIN, text").isEqualTo(0x81);
        byte[] payload = new byte[in.readUnsignedByte()];
        in.readFully(payload);
        assertThat(new String(payload, StandardCharsets.UTF_8)).isEqualTo(text.toUpperCase());
      }
    }
    ConnectionEvent upgrade =
        log.events().stream().filter(ConnectionEvent::isRequest).findFirst().orElseThrow();
    assertThat(upgrade.status()).isEqualTo(101);
    assertThat(upgrade.targetPort()).isEqualTo(port(websocket));
  }

  @Test
  void anUpgradeToAnythingButWebSocketIsNotForwarded() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("GET http://127.0.0.1:"
                      + uploads.getAddress().getPort()
                      + "/ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));

      assertThat(readHead(new DataInputStream(s.getInputStream())))
          .as("the JDK server answers a plain request: it never saw the upgrade")
          .startsWith("HTTP/1.1 200 OK\r\n");
    }
  }

  @Test
  void curlWaitsForTheTargetsContinueBeforeItsBody() throws Exception {
    String curl = ExternalTool.require("curl", "curl").toString();
    Path body = dir.resolve("body.bin");
    Files.write(body, new byte[300_000]);
    String proxy = "http://127.0.0.1:" + relay.port();

    RunningProcess.Result r =
        RunningProcess.run(
            List.of(
                curl,
                "-sS",
                "-v",
                "--expect100-timeout",
                "30",
                "-H",
                "Expect: 100-continue",
                "--data-binary",
                "@" + body,
                "http://127.0.0.1:" + uploads.getAddress().getPort() + "/"),
            new byte[0],
            Duration.ofSeconds(60),
            Map.of("http_proxy", proxy, "no_proxy", ""));

    assertThat(r.output()).contains("HTTP/1.1 100 Continue", "HTTP/1.1 200 OK", "got 300000");
  }

  /** The response head, up to and with its empty line. */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }

  /** A client's text frame (RFC 6455 §5.2): FIN, masked, a payload under 126 bytes. */
  private static byte[] maskedTextFrame(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] mask = {1, 2, 3, 4};
    byte[] frame = new byte[6 + payload.length];
    frame[0] = (byte) 0x81;
    frame[1] = (byte) (0x80 | payload.length);
    System.arraycopy(mask, 0, frame, 2, 4);
    for (int i = 0; i < payload.length; i++) {
      frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    return frame;
  }
}
