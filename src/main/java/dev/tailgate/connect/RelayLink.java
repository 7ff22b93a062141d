package dev.tailgate.connect;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The connection to the relay as the handshake and the pipe use it: a TCP socket ({@code
 * HOST:PORT}), or a Unix-domain socket (an absolute path: a relay's {@code listen-unix}), which
 * {@link Socket} cannot open.
 */
interface RelayLink extends Closeable {
  InputStream in() throws IOException;

  OutputStream out() throws IOException;

  /** Ends the way to the relay; the way back stays open. */
  void shutdownOutput() throws IOException;

  /** Reads fail with {@link SocketTimeoutException} after {@code ms} without data; 0: never. */
  void readTimeout(int ms) throws IOException;

  /** Connects over TCP within {@code timeoutMs}. */
  static RelayLink tcp(InetSocketAddress address, int timeoutMs) throws IOException {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(address, timeoutMs);
      return new Tcp(socket);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * Connects to the Unix-domain socket at {@code path} (at once, or refused at once). No file there
   * is a {@link ConnectException} as a refusal is: no relay answers, which {@code --start} acts on.
   */
  static RelayLink unix(Path path) throws IOException {
    try {
      return new Unix(SocketChannel.open(UnixDomainSocketAddress.of(path)));
    } catch (SocketException e) {
      if (!(e instanceof ConnectException) && !Files.exists(path)) {
        ConnectException none = new ConnectException("no socket at " + path);
        none.initCause(e);
        throw none;
      }
      throw e;
    }
  }

  /** A TCP socket, as it is. */
  final class Tcp implements RelayLink {
    private final Socket socket;

    Tcp(Socket socket) {
      this.socket = socket;
    }

    @Override
    public InputStream in() throws IOException {
      return socket.getInputStream();
    }

    @Override
    public OutputStream out() throws IOException {
      return socket.getOutputStream();
    }

    @Override
    public void shutdownOutput() throws IOException {
      socket.shutdownOutput();
    }

    @Override
    public void readTimeout(int ms) throws IOException {
      socket.setSoTimeout(ms);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /**
   * A blocking Unix-domain channel. Its streams call the channel's own read and write, which may
   * run at once on two threads (the JDK's channel streams would serialize them, and a pipe reading
   * and writing at once would stall); a read timeout is a watchdog that closes the channel.
   */
  final class Unix implements RelayLink {
    private final SocketChannel channel;
    private Thread watchdog;
    private volatile boolean timedOut;

    Unix(SocketChannel channel) {
      this.channel = channel;
    }

    @Override
    public InputStream in() {
      return new InputStream() {
        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          int n = read(one, 0, 1);
          return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (len == 0) {
            return 0;
          }
          try {
            return channel.read(ByteBuffer.wrap(b, off, len));
          } catch (ClosedChannelException e) {
            if (timedOut) {
              throw new SocketTimeoutException("Read timed out");
            }
            throw e;
          }
        }
      };
    }

    @Override
    public OutputStream out() {
      return new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          ByteBuffer buf = ByteBuffer.wrap(b, off, len);
          while (buf.hasRemaining()) {
            channel.write(buf);
          }
        }
      };
    }

    @Override
    public void shutdownOutput() throws IOException {
      channel.shutdownOutput();
    }

    @Override
    public synchronized void readTimeout(int ms) {
      if (watchdog != null) {
        watchdog.interrupt();
        watchdog = null;
      }
      if (ms > 0) {
        watchdog = new Thread(() -> expire(ms), "relay-read-timeout");
        watchdog.setDaemon(true);
        watchdog.start();
      }
    }

    private void expire(int ms) {
      try {
        Thread.sleep(ms);
        synchronized (this) {
          if (Thread.currentThread() != watchdog) {
            return; // cancelled as the sleep ended
          }
          timedOut = true;
          channel.close();
        }
      } catch (InterruptedException | IOException cancelled) {
        // Cancelled, or closing anyway.
      }
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
