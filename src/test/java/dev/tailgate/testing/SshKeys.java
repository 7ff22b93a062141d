package dev.tailgate.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * What every test sshd needs: a throwaway host key and client key (ed25519, no passphrase) in a
 * 0700 directory, the client's public key as the only authorized key, and the sshd_config lines for
 * key-only login by the user running the tests.
 *
 * @param hostKey the server's private key ({@code .pub} beside it)
 * @param clientKey the client's private key, for {@code ssh -i}
 * @param authorized the authorized_keys file holding the client's public key
 */
public record SshKeys(Path hostKey, Path clientKey, Path authorized) {

  /** Makes the keys in {@code dir} (created 0700) with {@code ssh-keygen}. */
  public static SshKeys make(Path dir) throws IOException, InterruptedException {
    Path keygen = ExternalTool.require("ssh-keygen", "openssh-client");
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    SshKeys keys =
        new SshKeys(
            dir.resolve("host_ed25519"),
            dir.resolve("client_ed25519"),
            dir.resolve("authorized_keys"));
    for (Path key : List.of(keys.hostKey, keys.clientKey)) {
      List<String> command =
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
              key.toString());
      RunningProcess.Result r = RunningProcess.run(command, new byte[0], Duration.ofSeconds(30));
      if (r.exitCode() != 0) {
        throw new IOException("ssh-keygen failed: " + r.output());
      }
    }
    Files.copy(Path.of(keys.clientKey + ".pub"), keys.authorized);
    if ("root".equals(System.getProperty("user.name"))) {
      // sshd started as root refuses to run without its privilege separation directory.
      Files.createDirectories(Path.of("/run/sshd"));
    }
    return keys;
  }

  /** The server's public key line, for a known_hosts entry. */
  public String hostPublicKey() throws IOException {
    return Files.readString(Path.of(hostKey + ".pub")).strip();
  }

  /** sshd_config lines: these keys, key-only login, no PAM, root by key only. */
  public List<String> serverConfig() {
    return List.of(
        "HostKey " + hostKey,
        "AuthorizedKeysFile " + authorized,
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password",
        "UsePAM no",
        "StrictModes no");
  }
}
