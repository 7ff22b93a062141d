package dev.tailgate.cli;

import ch.qos.logback.classic.Level;
import dev.tailgate.bootstrap.BootstrapException;
import dev.tailgate.config.ConfigException;
import dev.tailgate.config.ConfigValues;
import dev.tailgate.gateway.OneLine;
import java.net.BindException;
import org.slf4j.LoggerFactory;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The root command: {@code tailgate}. */
@Command(
    name = "tailgate",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "A safe, observable way from a headless container into a tailnet: a SOCKS5, SOCKS4a and"
          + " HTTP CONNECT relay in front of tailscaled, with per-target allowlists and one log"
          + " line per connection."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:failure at run time",
      "2:bad command line",
      "3:bad setting (file, flag or rule); nothing was started",
      "4:address in use or not available",
      "5:tailscaled could not be brought up (binary, port, directory, login)",
      "6:tailgate is not running (status, reload)",
      "7:connect: the relay's allowlist refused the target",
      "8:connect: the relay could not reach the target",
      "9:connect: no relay answered at the address"
    })
public final class TailgateCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--debug",
      scope = ScopeType.INHERIT,
      description = "Log debug lines and print stack traces with errors.")
  void debug(boolean on) {
    debug = on;
    if (on) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.tailgate"))
          .setLevel(Level.DEBUG);
    }
  }

  static boolean debug;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  /** The configured command line, with tailgate's one-line error handling. */
  public static CommandLine commandLine() {
    return commandLine(null);
  }

  /**
   * @param first the first argument, or null. For {@code up} only up's model is built: up is on the
   *     way to tailscaled's start, and picocli's models of the other commands cost tens of
   *     milliseconds there (docs/performance.md, "Start-up"). Everything else gets them all.
   */
  static CommandLine commandLine(String first) {
    CommandLine cmd = new CommandLine(new TailgateCommand());
    cmd.addSubcommand(new UpCommand());
    if (!"up".equals(first)) {
      cmd.addSubcommand(new StatusCommand());
      cmd.addSubcommand(new DownCommand());
      cmd.addSubcommand(new ReloadCommand());
      cmd.addSubcommand(new RulesCommand());
      cmd.addSubcommand(new DoctorCommand());
      cmd.addSubcommand(new ConnectCommand());
      cmd.addSubcommand(new EnvCommand());
      cmd.addSubcommand(new AnsibleCommand());
      cmd.addSubcommand(new InventoryCommand());
      cmd.addSubcommand(new CommandLine.HelpCommand());
      cmd.addSubcommand(new AutoComplete.GenerateCompletion());
      cmd.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
    }
    cmd.setExecutionExceptionHandler(TailgateCommand::onError);
    return cmd;
  }

  private static int onError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    return failed(e, cmd.getErr());
  }

  /**
   * The settings of a plain {@code up} line as {@link Main#main} reads it, without picocli ({@link
   * QuickUp}), or null when picocli would read it. For the CDS training of {@code up}'s start path
   * (not in Main: its signature would load config classes on connect's path).
   */
  public static ConfigValues plainUp(String[] args) throws ConfigException {
    UpCommand up = QuickUp.parse(args);
    return up == null ? null : up.settings();
  }

  /** Says what failed in one line on {@code err} and returns the exit code it means. */
  static int failed(Exception e, java.io.PrintWriter err) {
    err.println("tailgate: " + oneLine(e));
    if (debug) {
      e.printStackTrace(err);
    }
    if (e instanceof ConfigException || e instanceof IllegalArgumentException) {
      return ExitCodes.CONFIG;
    }
    if (e instanceof BindException) {
      return ExitCodes.UNAVAILABLE;
    }
    if (e instanceof BootstrapException) {
      return ExitCodes.BOOTSTRAP;
    }
    return ExitCodes.FAILURE;
  }

  static String oneLine(Throwable e) {
    return OneLine.of(e);
  }
}
