package dev.tailgate.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * A target that accepts connections and holds them open without a thread each, for tests that keep
 * thousands of tunnels open.
 */
public final class HoldingServer implements AutoCloseable {
  private final ServerSocketChannel server;
  private final List<SocketChannel> held = new ArrayList<>();

  public HoldingServer() throws IOException {
    server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8192);
    Thread accept =
        new Thread(
            () -> {
              while (server.isOpen()) {
                try {
                  SocketChannel ch = server.accept();
                  synchronized (held) {
                    held.add(ch);
                  }
                } catch (IOException e) {
                  return;
                }
              }
            },
            "holding-accept");
    accept.setDaemon(true);
    accept.start();
  }

  public int port() {
    return ((InetSocketAddress) server.socket().getLocalSocketAddress()).getPort();
  }

  public int held() {
    synchronized (held) {
      return held.size();
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    synchronized (held) {
      for (SocketChannel ch : held) {
        ch.close();
      }
      held.clear();
    }
  }
}
