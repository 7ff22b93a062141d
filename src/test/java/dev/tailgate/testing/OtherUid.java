package dev.tailgate.testing;

import dev.tailgate.localpeer.LocalPeers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A command run as another uid through setpriv, for the tests of who is behind a local client. */
public final class OtherUid {
  /** The uid the storm and the other client run as. */
  public static final int NOBODY = 65534;

  private OtherUid() {}

  /** Whether this process may run commands as another uid: it is root and has setpriv. */
  public static boolean possible() throws IOException {
    return ownUid() == 0 && Files.isExecutable(Path.of("/usr/bin/setpriv"));
  }

  /** {@code command} as {@code uid} (and its gid, without supplementary groups). */
  public static List<String> command(int uid, String... command) {
    List<String> all =
        new ArrayList<>(
            List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--"));
    all.addAll(List.of(command));
    return all;
  }

  /**
   * Runs a python3 {@code script} with {@code args} as uid nobody to its end (at most 20 s) and
   * returns what it printed, stripped.
   */
  public static String python(String script, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("/usr/bin/python3", "-c", script));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command(NOBODY, command.toArray(String[]::new)))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("python as nobody did not end within 20 s");
    }
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }

  /** This process's uid ({@link LocalPeers#ownUid}, which the relay's commands use). */
  public static int ownUid() throws IOException {
    return LocalPeers.ownUid().orElseThrow(() -> new IOException("no /proc/self: not Linux"));
  }
}
