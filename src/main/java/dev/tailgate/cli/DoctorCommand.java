package dev.tailgate.cli;

import dev.tailgate.bootstrap.BootstrapException;
import dev.tailgate.config.ConfigFile;
import dev.tailgate.config.ConfigValues;
import dev.tailgate.config.HostPort;
import dev.tailgate.config.TailgateConfig;
import dev.tailgate.gateway.Programs;
import dev.tailgate.gateway.RunState;
import dev.tailgate.keys.AuthKeyException;
import dev.tailgate.keys.AuthKeySource;
import dev.tailgate.localapi.LocalApi;
import dev.tailgate.localapi.LocalApiClient;
import dev.tailgate.localapi.TailscaleStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tailgate doctor}: everything a user can get wrong, one line each with the fix. */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = {
      "Check what `tailgate up` needs: programs and versions, directories and permissions, the"
          + " socket and tailscaled's state, the ports, the auth key source (never showing the"
          + " key), the generated Ansible files, ssh and ansible. One line per check; exit 0 only"
          + " when none fails."
    })
final class DoctorCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** How long each question to tailscaled may take. */
  private static final java.time.Duration ASK = java.time.Duration.ofSeconds(3);

  @Option(names = "--config", paramLabel = "FILE", description = "The settings `tailgate up` uses.")
  Path config;

  @Option(
      names = "--ansible-dir",
      paramLabel = "DIR",
      description = "Where `tailgate ansible` writes (default: ansible).")
  Path ansibleDir = Path.of("ansible");

  /** One result. */
  record Check(boolean ok, String what, String fix) {
    static Check pass(String what) {
      return new Check(true, what, null);
    }

    static Check fail(String what, String fix) {
      return new Check(false, what, fix);
    }
  }

  @Override
  public Integer call() throws Exception {
    TailgateConfig cfg =
        TailgateConfig.from(config == null ? new ConfigValues() : ConfigFile.read(config));
    List<Check> checks = new ArrayList<>();
    checks.add(Check.pass("Java " + System.getProperty("java.version")));
    Optional<RunState> running = RunState.read();
    Optional<TailscaleStatus> daemon = Optional.empty();
    if (!cfg.noBootstrap()) {
      TailgateConfig.Daemon d = cfg.daemon();
      String tailscale = "install it with scripts/install-tailscale.sh";
      checks.add(program(d.tailscaled(), "--tailscaled", "--version", tailscale));
      checks.add(program(d.tailscale(), "--tailscale", "version", tailscale));
      checks.add(program("setsid", null, "--version", "install util-linux"));
      checks.add(directory(d.stateDir(), "state dir", "--state-dir"));
      checks.add(directory(d.socket().toAbsolutePath().getParent(), "socket dir", "--socket"));
      daemon = localApi(d.socket());
      checks.add(socket(d.socket(), daemon));
      if (daemon.isPresent()) {
        checks.add(shields(d.socket(), d.tailscale()));
      }
      checks.add(keySource(d.authKey(), daemon));
    }
    checks.add(port(cfg.listen(), "relay", "--listen", running.map(RunState::relay)));
    if (cfg.admin() != null) {
      checks.add(port(cfg.admin(), "admin", "--admin", running.map(RunState::admin)));
    }
    if (!cfg.upstream().isDirect() && !cfg.noBootstrap()) {
      checks.add(
          port(
              cfg.upstream().socks5(),
              "tailscaled SOCKS5",
              "--upstream",
              daemon.map(s -> HostPort.format(cfg.upstream().socks5()))));
    }
    checks.add(ansibleFiles(cfg, daemon));
    checks.add(program("ssh", null, "-V", "install openssh-client"));
    checks.add(
        program(
            "ansible-playbook", null, "--version", "install ansible (pip install ansible-core)"));
    PrintWriter out = spec.commandLine().getOut();
    for (Check c : checks) {
      out.println(
          (c.ok() ? "ok    " : "FAIL  ") + c.what() + (c.fix() == null ? "" : ": " + c.fix()));
    }
    long failed = checks.stream().filter(c -> !c.ok()).count();
    out.println(
        failed == 0
            ? "all " + checks.size() + " checks passed"
            : failed + " of " + checks.size() + " checks failed");
    return failed == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  /**
   * The generated files exist and were made for this relay (its address in the ProxyCommand) and,
   * when tailscaled answers, for this tailnet (its MagicDNS suffix in ssh_config).
   */
  private Check ansibleFiles(TailgateConfig cfg, Optional<TailscaleStatus> daemon) {
    Path vars = ansibleDir.resolve("group_vars/all/tailgate.yml");
    Path ssh = ansibleDir.resolve("ssh_config");
    if (!Files.isRegularFile(ansibleDir.resolve("ansible.cfg")) || !Files.isRegularFile(vars)) {
      return Check.fail("no generated Ansible config in " + ansibleDir, "run `tailgate ansible`");
    }
    try {
      String relay = HostPort.format(cfg.listen());
      String proxy = Files.readString(vars);
      if (!proxy.contains(relay) && !proxy.contains(cfg.daemon().socket().toString())) {
        return Check.fail(
            "the Ansible config in " + ansibleDir + " was made for another relay than " + relay,
            "rerun `tailgate ansible`");
      }
      String suffix = daemon.map(TailscaleStatus::magicDnsSuffix).orElse("");
      if (!suffix.isEmpty()
          && Files.isRegularFile(ssh)
          && !Files.readString(ssh).contains("*." + suffix)) {
        return Check.fail(
            ssh + " was made for another tailnet than " + suffix, "rerun `tailgate ansible`");
      }
      return Check.pass("Ansible config in " + ansibleDir + " is current for relay " + relay);
    } catch (IOException e) {
      return Check.fail(
          "cannot read the Ansible config in " + ansibleDir + ": " + e.getMessage(),
          "check its permissions");
    }
  }

  private static Check program(String name, String flag, String versionArg, String install) {
    try {
      Path p = Programs.find(name, flag, install);
      return Check.pass(p.getFileName() + ": " + version(p, versionArg) + " (" + p + ")");
    } catch (BootstrapException e) {
      return new Check(false, e.getMessage(), null);
    }
  }

  private static String version(Path program, String arg) {
    try {
      Process p = new ProcessBuilder(program.toString(), arg).redirectErrorStream(true).start();
      p.getOutputStream().close();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "version unknown";
      }
      byte[] out = p.getInputStream().readNBytes(512);
      String first =
          new String(out, java.nio.charset.StandardCharsets.UTF_8).lines().findFirst().orElse("");
      return first.isBlank() ? "version unknown" : first.strip();
    } catch (IOException e) {
      return "version unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "version unknown";
    }
  }

  static Check directory(Path dir, String what, String flag) {
    if (!Files.exists(dir)) {
      Path parent = dir.toAbsolutePath().getParent();
      while (parent != null && !Files.exists(parent)) {
        parent = parent.getParent();
      }
      return parent != null && Files.isWritable(parent)
          ? Check.pass(what + " " + dir + " will be made (0700)")
          : Check.fail(what + " " + dir + " cannot be made", "choose a writable one with " + flag);
    }
    if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
      return Check.fail(
          what + " " + dir + " is not a writable directory", "fix its owner or pass " + flag);
    }
    try {
      String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(dir));
      if (what.equals("state dir") && !mode.endsWith("------")) {
        return Check.fail(
            what + " " + dir + " is " + mode + ", readable by others",
            "run `chmod 700 " + dir + "`");
      }
      return Check.pass(what + " " + dir + " (" + mode + ")");
    } catch (IOException e) {
      return Check.fail(what + " " + dir + ": " + e.getMessage(), "check it by hand");
    }
  }

  private static Optional<TailscaleStatus> localApi(Path socket) {
    try {
      return Optional.of(LocalApi.query(socket, ASK, LocalApiClient::status));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Shields down lets a peer reach 127.0.0.1:1080 through this node's tailnet address. */
  private static Check shields(Path socket, String tailscale) {
    try {
      return LocalApi.query(socket, ASK, LocalApiClient::shieldsUp)
          ? Check.pass("tailscaled refuses inbound tailnet connections (shields up)")
          : Check.fail(
              "tailscaled accepts inbound tailnet connections, so a peer can reach this host's"
                  + " 127.0.0.1:1080 through its tailnet address",
              "run `" + tailscale + " --socket=" + socket + " set --shields-up`");
    } catch (Exception e) {
      return Check.fail(
          "cannot read tailscaled's prefs: " + TailgateCommand.oneLine(e),
          "check the socket's owner");
    }
  }

  private static Check socket(Path socket, Optional<TailscaleStatus> status) {
    if (!Files.exists(socket)) {
      return Check.pass("no tailscaled on " + socket + " yet: `tailgate up` starts one");
    }
    if (status.isEmpty()) {
      return Check.fail(
          "tailscaled's socket " + socket + " does not answer",
          "a stale file or a wedged daemon: `tailgate down`, then `tailgate up`");
    }
    String state = status.get().backendState();
    return state.equals("Running")
        ? Check.pass(
            "tailscaled answers on " + socket + ": Running (" + status.get().magicDnsSuffix() + ")")
        : Check.fail(
            "tailscaled answers on " + socket + " but is " + state,
            "log it in: `tailgate up --auth-key SOURCE`");
  }

  private static Check keySource(String spec, Optional<TailscaleStatus> status) {
    boolean running = status.filter(s -> s.backendState().equals("Running")).isPresent();
    if (spec == null) {
      return running
          ? Check.pass("no auth key source, and none is needed while tailscaled is logged in")
          : Check.fail(
              "no auth key source",
              "pass --auth-key (env:, file:, bw:, bws:), or log in by the URL `tailgate up` prints");
    }
    try {
      AuthKeySource source = AuthKeySource.parse(spec);
      source.check();
      return Check.pass("auth key source " + source.describe() + " is ready (key not shown)");
    } catch (IllegalArgumentException | AuthKeyException e) {
      return Check.fail("auth key source", e.getMessage());
    }
  }

  static Check port(InetSocketAddress address, String what, String flag, Optional<String> ours) {
    String text = HostPort.format(address);
    if (address.getPort() == 0) {
      return Check.pass(what + " port: any free port");
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(address);
      return Check.pass(what + " port " + text + " is free");
    } catch (IOException e) {
      if (ours.filter(text::equals).isPresent()) {
        return Check.pass(what + " port " + text + " is tailgate's own (running)");
      }
      return Check.fail(
          what + " port " + text + " is in use by another program",
          "stop it, or pick another with " + flag);
    }
  }
}
