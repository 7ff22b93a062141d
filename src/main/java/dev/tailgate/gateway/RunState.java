package dev.tailgate.gateway;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tailgate.config.TailgateConfig;
import dev.tailgate.web.Status;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * What a running {@code tailgate up} tells {@code status} and {@code down}: a small JSON file,
 * rewritten atomically every few seconds, mode 0600 in a 0700 directory. No secret is in it.
 *
 * @param pid the {@code tailgate up} process
 * @param ready true once the relay accepts connections
 * @param relay the relay's address
 * @param admin the admin listener's address, absent when off
 * @param upstream where it sends connections
 * @param stateDir tailscaled's state dir, where {@code down} finds the daemon's pid
 * @param daemon the supervisor's view ({@link DaemonView}, without its history), absent with
 *     --no-bootstrap
 * @param openConnections client connections open now
 * @param totalConnections accepted since start
 * @param started when {@code up} started
 * @param updated when this file was written
 * @param lastReload the last reload, absent before the first
 * @param socket tailscaled's LocalAPI socket, the one {@code tailgate ansible} reads: where the
 *     inventory plugin {@code tailgate.tailnet.peers} looks when its {@code socket:} is absent
 * @param relayUnix the relay's Unix-domain socket ({@code listen-unix}), absent when there is none:
 *     what {@code tailgate connect} takes first when this user may open it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunState(
    long pid,
    boolean ready,
    String relay,
    String admin,
    String upstream,
    @JsonProperty("state_dir") String stateDir,
    Status.Daemon daemon,
    @JsonProperty("open_connections") int openConnections,
    @JsonProperty("total_connections") long totalConnections,
    String started,
    String updated,
    @JsonProperty("last_reload") Status.Reload lastReload,
    String socket,
    @JsonProperty("relay_unix") String relayUnix) {

  /** A state that names no socket, of tailscaled's or of the relay's. */
  public RunState(
      long pid,
      boolean ready,
      String relay,
      String admin,
      String upstream,
      String stateDir,
      Status.Daemon daemon,
      int openConnections,
      long totalConnections,
      String started,
      String updated,
      Status.Reload lastReload) {
    this(
        pid,
        ready,
        relay,
        admin,
        upstream,
        stateDir,
        daemon,
        openConnections,
        totalConnections,
        started,
        updated,
        lastReload,
        null,
        null);
  }

  public static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** $TAILGATE_RUN_DIR, or the run/ directory in tailgate's state home. */
  public static Path dir() {
    String env = System.getenv("TAILGATE_RUN_DIR");
    return env != null && !env.isBlank() ? Path.of(env) : TailgateConfig.stateHome().resolve("run");
  }

  public static Path file() {
    return file(dir());
  }

  static Path file(Path dir) {
    return dir.resolve("status.json");
  }

  /** Replaces {@code dir}'s file with this state, atomically where the file system can. */
  void write(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Path tmp =
        Files.createTempFile(
            dir,
            "status",
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    JSON.writeValue(tmp.toFile(), this);
    try {
      Files.move(
          tmp, file(dir), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file(dir), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** The state of a live tailgate, or empty when none runs (a stale file is ignored). */
  public static Optional<RunState> read() throws IOException {
    try {
      RunState s = JSON.readValue(Files.readAllBytes(file()), RunState.class);
      return ProcessHandle.of(s.pid()).filter(ProcessHandle::isAlive).map(h -> s);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Removes {@code dir}'s file if it still belongs to {@code pid}. */
  static void remove(Path dir, long pid) {
    Path file = file(dir);
    try {
      if (JSON.readValue(Files.readAllBytes(file), RunState.class).pid() == pid) {
        Files.deleteIfExists(file);
      }
    } catch (IOException ignored) {
      // Already gone, or never written.
    }
  }
}
