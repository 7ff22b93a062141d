package dev.tailgate.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real OpenSSH server on a free loopback port, for this test only: a throwaway host key, a
 * throwaway user key in its authorized_keys, no PAM, no passwords. It lets in the user running the
 * tests (as root: root, by key only).
 */
public final class Sshd implements AutoCloseable {
  public final int port;
  public final Path userKey;
  public final String user = System.getProperty("user.name");
  private final RunningProcess process;

  private Sshd(int port, Path userKey, RunningProcess process) {
    this.port = port;
    this.userKey = userKey;
    this.process = process;
  }

  public static Sshd start(Path dir) throws IOException, InterruptedException {
    Path sshd = ExternalTool.require("sshd", "openssh-server");
    Path keygen = ExternalTool.require("ssh-keygen", "openssh-client");
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    Path hostKey = dir.resolve("host_ed25519");
    Path userKey = dir.resolve("user_ed25519");
    for (Path key : List.of(hostKey, userKey)) {
      RunningProcess.Result r =
          RunningProcess.run(
              List.of(
                  keygen.toString(),
                  "-q",
                  "-t",
                  "ed25519",
                  "-N",
                  "",
                  "-C",
                  "test",
                  "-f",
                  key.toString()),
              new byte[0],
              Duration.ofSeconds(30));
      if (r.exitCode() != 0) {
        throw new IOException("ssh-keygen failed: " + r.output());
      }
    }
    Path authorized = dir.resolve("authorized_keys");
    Files.copy(dir.resolve("user_ed25519.pub"), authorized);
    if ("root".equals(System.getProperty("user.name"))) {
      // sshd refuses to start without its privilege separation directory.
      Files.createDirectories(Path.of("/run/sshd"));
    }
    int port = ExternalTool.freePort();
    Path config = dir.resolve("sshd_config");
    Files.writeString(
        config,
        String.join(
            "\n",
            "ListenAddress 127.0.0.1",
            "HostKey " + hostKey,
            "AuthorizedKeysFile " + authorized,
            "PidFile none",
            "UsePAM no",
            "StrictModes no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "UseDNS no",
            "LogLevel INFO",
            "Subsystem sftp internal-sftp",
            ""));
    List<String> command =
        new ArrayList<>(
            List.of(
                sshd.toString(), "-D", "-e", "-f", config.toString(), "-p", String.valueOf(port)));
    return new Sshd(
        port, userKey, RunningProcess.listening(command, dir.resolve("sshd.log"), port));
  }

  /** ssh options for this server: its key, no host key prompts or records, no agent. */
  public List<String> clientOptions() {
    return List.of(
        "-i",
        userKey.toString(),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "IdentityAgent=none",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "ConnectTimeout=20");
  }

  public String log() {
    return process.output();
  }

  @Override
  public void close() {
    process.close();
  }
}
