package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.ExternalTool;
import dev.tailgate.testing.FakeTailnet;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tailgate doctor} as a user runs it, against the tailscaled test double's setup. */
class DoctorProcessTest {
  @TempDir Path dir;

  private FakeTailnet tailnet;
  private CliProcess cli;
  private Path ansible;
  private String relay;

  @BeforeEach
  void setUp() throws Exception {
    ExternalTool.require("ssh", "openssh-client");
    ExternalTool.require("ansible-playbook", "ansible-core");
    tailnet = new FakeTailnet(dir);
    relay = "127.0.0.1:" + ExternalTool.freePort();
    ansible = Files.createDirectories(dir.resolve("ansible"));
    Files.writeString(ansible.resolve("ansible.cfg"), "[defaults]\n");
    Files.createDirectories(ansible.resolve("group_vars/all"));
    Files.writeString(
        ansible.resolve("group_vars/all/tailgate.yml"),
        "ansible_ssh_common_args: '-o ProxyCommand=\"tailgate connect --proxy "
            + relay
            + " %h %p\"'\n");
    cli =
        new CliProcess(
            Map.of(
                "TAILGATE_RUN_DIR",
                dir.resolve("run").toString(),
                "XDG_STATE_HOME",
                dir.toString()));
  }

  private CliProcess.Result doctor(String listen, String authKey) throws Exception {
    Path config = dir.resolve("tailgate.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "listen: " + listen,
            "admin: 'off'",
            "upstream: socks5://127.0.0.1:" + tailnet.socksPort,
            "tailscaled: " + tailnet.wrapper("tailscaled"),
            "tailscale: " + tailnet.wrapper("tailscale"),
            "state-dir: " + tailnet.stateDir,
            "socket: " + tailnet.socket,
            "auth-key: " + authKey,
            ""));
    return cli.run(
        List.of("doctor", "--config", config.toString(), "--ansible-dir", ansible.toString()));
  }

  @Test
  void passesEveryCheckOfAWorkingSetupWithoutShowingTheKey() throws Exception {
    CliProcess.Result r = doctor(relay, "file:" + tailnet.keyFile);

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output())
        .contains("ok    tailscaled: ")
        .contains("ok    auth key source file " + tailnet.keyFile)
        .contains("(key not shown)")
        .contains("ok    no tailscaled on " + tailnet.socket + " yet")
        .endsWith("checks passed\n")
        .doesNotContain(FakeTailnet.KEY)
        .doesNotContain("FAIL");
  }

  @Test
  void failsOnATakenPortAndSaysWhichAndWhatToDo() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      CliProcess.Result r = doctor("127.0.0.1:" + taken.getLocalPort(), "file:" + tailnet.keyFile);

      assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
      assertThat(r.output())
          .contains(
              "FAIL  relay port 127.0.0.1:"
                  + taken.getLocalPort()
                  + " is in use by another program: stop it, or pick another with --listen")
          .contains(" checks failed");
    }
  }

  @Test
  void saysWhenTheAnsibleConfigWasMadeForAnotherRelay() throws Exception {
    CliProcess.Result r = doctor("127.0.0.1:2080", "file:" + tailnet.keyFile);

    assertThat(r.output())
        .contains(
            "FAIL  the Ansible config in "
                + ansible
                + " was made for another relay than 127.0.0.1:2080: rerun `tailgate ansible`");
  }

  @Test
  void saysWhenTheKeySourceCannotDeliver() throws Exception {
    CliProcess.Result r = doctor("127.0.0.1:0", "env:TAILGATE_DOCTOR_NO_SUCH_VAR");

    assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.output())
        .contains(
            "FAIL  auth key source: environment variable TAILGATE_DOCTOR_NO_SUCH_VAR is not set");
  }

  @Test
  void saysWhenTheStateDirIsReadableByOthers() throws Exception {
    Files.createDirectories(tailnet.stateDir);
    Files.setPosixFilePermissions(
        tailnet.stateDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));

    CliProcess.Result r = doctor("127.0.0.1:0", "file:" + tailnet.keyFile);

    assertThat(r.output())
        .contains(
            "FAIL  state dir "
                + tailnet.stateDir
                + " is rwxr-xr-x, readable by others: run `chmod 700 "
                + tailnet.stateDir
                + "`");
  }
}
