package dev.tailgate.bootstrap;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * tailscaled's first start, made as early as {@code tailgate up} can: when nothing can answer on
 * the LocalAPI socket (no socket file, or a connect to it is refused), there is no daemon to adopt,
 * so the daemon is started at once and boots while the JVM loads netty and sets up the relay. JDK
 * only (a unix-domain {@link SocketChannel}, no netty, no logging), which keeps its cost small.
 *
 * <p>When a connect succeeds, something may answer: nothing is started here, and {@link
 * Supervisor#start(EarlyStart)} asks the LocalAPI as before, adopting a daemon that answers.
 */
public final class EarlyStart {
  /** Nothing started early: the supervisor decides between adopting and starting. */
  public static final EarlyStart NONE = new EarlyStart(Optional.empty());

  private final Optional<TailscaledProcess> process;

  private EarlyStart(Optional<TailscaledProcess> process) {
    this.process = process;
  }

  /** Starts tailscaled now unless a daemon may be listening on its socket. */
  public static EarlyStart ifNothingListens(BootstrapSettings settings, Consumer<String> progress)
      throws BootstrapException {
    TailscaledCommand cmd = settings.command();
    if (!nothingListens(cmd.socket())) {
      return NONE;
    }
    return new EarlyStart(
        Optional.of(
            DaemonStart.fresh(settings, TailscaledProcess.adopt(cmd.stateDir()), progress)));
  }

  /**
   * True only when no daemon can be there: the socket file is missing, or connecting to it is
   * refused (a stale file left by a killed daemon). A connect that succeeds, or fails otherwise
   * (say, permission denied), leaves the decision to the LocalAPI probe.
   */
  static boolean nothingListens(Path socket) {
    if (Files.notExists(socket)) {
      return true;
    }
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      // Non-blocking: a wedged daemon whose backlog is full must not hold up the start.
      channel.configureBlocking(false);
      channel.connect(UnixDomainSocketAddress.of(socket));
      return false;
    } catch (ConnectException refused) {
      return true;
    } catch (IOException | RuntimeException other) {
      return Files.notExists(socket);
    }
  }

  /** Whether tailscaled was started here. */
  public boolean started() {
    return process.isPresent();
  }

  Optional<TailscaledProcess> process() {
    return process;
  }
}
