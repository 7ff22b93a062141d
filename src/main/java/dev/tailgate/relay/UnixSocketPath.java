package dev.tailgate.relay;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The file of a Unix-socket listener: made with its mode before anyone can connect, a stale one
 * replaced only when nothing listens on it, removed at stop.
 *
 * <p>bind(2) creates the socket with the process's umask, and the JVM cannot set either; a client
 * could connect in the moment before a chmod. So the socket is bound in a fresh 0700 directory
 * beside the path (no one else can reach inside it), given its mode there, then renamed into place,
 * which is atomic and keeps the listening socket.
 */
final class UnixSocketPath {
  /** What the kernel takes in sun_path, less its terminating NUL. */
  static final int MAX_PATH_BYTES = 107;

  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  final Path path;
  private final Set<PosixFilePermission> mode;

  /**
   * @param mode the socket file's permissions: 0600 (only tailgate's user), or 0660 (its group too)
   */
  UnixSocketPath(Path path, Set<PosixFilePermission> mode) {
    this.path = path.toAbsolutePath();
    this.mode = Set.copyOf(mode);
  }

  /**
   * Makes the directory (0700) if it is missing, and clears a stale socket left by a tailgate that
   * did not stop: only when it is a socket and nothing accepts on it.
   *
   * @throws IOException whose message is one line saying what is in the way
   */
  void prepare() throws IOException {
    Path dir = path.getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    int type = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & S_IFMT;
    if (type != S_IFSOCK) {
      throw new FileAlreadyExistsException(
          path + " exists and is not a socket: refusing to replace it");
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(path));
    } catch (ConnectException stale) {
      return; // nothing listens: the bind's rename replaces it
    } catch (IOException e) {
      throw new IOException("cannot tell whether anything listens on " + path + ": " + e, e);
    }
    throw new IOException(
        "something already listens on " + path + " (another tailgate? `tailgate status` tells)");
  }

  /** A fresh 0700 directory beside the path, to bind in. */
  Path privateDir() throws IOException {
    return Files.createTempDirectory(
        path.getParent(),
        ".tg",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }

  /** Gives the socket bound at {@code bound} (in {@link #privateDir}) its mode and its path. */
  void publish(Path bound) throws IOException {
    Files.setPosixFilePermissions(bound, mode);
    Files.move(bound, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Removes a directory {@link #privateDir} made, whatever is left in it. */
  static void removeQuietly(Path dir) {
    try {
      try (var left = Files.list(dir)) {
        for (Path p : (Iterable<Path>) left::iterator) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    } catch (NoSuchFileException gone) {
      // Already gone.
    } catch (IOException e) {
      // Best effort: an empty hidden directory is all that can remain.
    }
  }

  /** Removes the socket file at stop. */
  void remove() {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // Stopping anyway; the next start replaces a stale socket.
    }
  }
}
