package dev.tailgate.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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

  /** This process's uid. */
  public static int ownUid() throws IOException {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }
}
