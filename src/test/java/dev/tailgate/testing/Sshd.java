package dev.tailgate.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    SshKeys keys = SshKeys.make(dir);
    int port = ExternalTool.freePort();
    Path config = dir.resolve("sshd_config");
    List<String> lines = new ArrayList<>(List.of("ListenAddress 127.0.0.1", "PidFile none"));
    lines.addAll(keys.serverConfig());
    lines.addAll(List.of("UseDNS no", "LogLevel INFO", "Subsystem sftp internal-sftp", ""));
    Files.writeString(config, String.join("\n", lines));
    List<String> command =
        List.of(sshd.toString(), "-D", "-e", "-f", config.toString(), "-p", String.valueOf(port));
    return new Sshd(
        port, keys.clientKey(), RunningProcess.listening(command, dir.resolve("sshd.log"), port));
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
