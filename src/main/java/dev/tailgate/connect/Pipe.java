package dev.tailgate.connect;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Joins standard input and output to a connected socket with two copy threads, half-closing each
 * way as ssh needs: EOF on standard input shuts the socket's output (the target reads EOF and may
 * still answer), and EOF from the target closes standard output. Ends when both ways are done.
 */
final class Pipe {
  private static final int BUFFER = 64 * 1024;

  private Pipe() {}

  /** Copies both ways until both are done; returns the error that broke the tunnel, or null. */
  static IOException run(RelayLink socket) throws InterruptedException {
    Upstream up = new Upstream(socket);
    Thread thread = new Thread(up, "stdin-to-relay");
    thread.setDaemon(true);
    thread.start();
    IOException down = null;
    OutputStream stdout = new FileOutputStream(FileDescriptor.out);
    try {
      InputStream in = socket.in();
      byte[] buffer = new byte[BUFFER];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        try {
          stdout.write(buffer, 0, n);
        } catch (IOException gone) {
          break; // whoever ran us (ssh) closed our output: it is done with the tunnel
        }
      }
    } catch (IOException e) {
      down = e;
    } finally {
      closeQuietly(stdout);
    }
    if (down != null) {
      // The target or the relay broke the tunnel: nothing more can go out either.
      closeQuietly(socket);
      return down;
    }
    thread.join();
    closeQuietly(socket);
    return null;
  }

  static void copy(InputStream in, OutputStream out) throws IOException {
    byte[] buffer = new byte[BUFFER];
    for (int n; (n = in.read(buffer)) >= 0; ) {
      out.write(buffer, 0, n);
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // Closing after the end: nothing to tell.
    }
  }

  /** Standard input to the socket, then a half-close. */
  private static final class Upstream implements Runnable {
    private final RelayLink socket;

    Upstream(RelayLink socket) {
      this.socket = socket;
    }

    @Override
    public void run() {
      try {
        copy(new FileInputStream(FileDescriptor.in), socket.out());
        socket.shutdownOutput();
      } catch (IOException e) {
        // The socket is gone (the other thread sees it too) or stdin failed: stop sending.
        try {
          socket.shutdownOutput();
        } catch (IOException ignored) {
          // Already closed.
        }
      }
    }
  }
}
