package dev.tailgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailgate.ansible.TailnetPeers;
import dev.tailgate.config.ConfigException;
import dev.tailgate.gateway.PeerFeed;
import dev.tailgate.localapi.TailscaleStatus;
import dev.tailgate.policy.PeerList;
import dev.tailgate.policy.RuleSuggester;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tailgate rules suggest}: allow rules from the connection log, for rolling out an allowlist
 * after a run in report mode. The log is read here; the rules come from {@link RuleSuggester}.
 */
@Command(
    name = "rules",
    mixinStandardHelpOptions = true,
    description = {"Work with allowlist rules."},
    subcommands = {CommandLine.HelpCommand.class})
final class RulesCommand implements Callable<Integer> {
  /** A log line longer than this is skipped as malformed (tailgate's own are under 2 KiB). */
  static final int MAX_LINE = 16 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  @Command(
      name = "suggest",
      mixinStandardHelpOptions = true,
      description = {
        "Read a connection log (JSON lines; - or none for standard input) and print the fewest"
            + " allow rules that would admit the targets it refused (deny with no rule matching,"
            + " and report mode's would_deny), as YAML `allow:` entries to review. One rule per"
            + " host with its ports merged; *.SUFFIX:PORTS when --min-hosts names under one"
            + " domain share a port; addresses as they are. Loopback, link-local (metadata),"
            + " unspecified and localhost targets are never suggested. Malformed lines are"
            + " skipped and counted on standard error.",
        "With --by-tag, the tags come from tailscaled's peer list as it is now (the log carries"
            + " none): tag:NAME:PORTS where a tag covers the peers seen on a port, by name or"
            + " address. A tag rule admits every peer that carries the tag, those not in the log"
            + " too: each one's comment says how many more it admits now."
      })
  int suggest(
      @Parameters(arity = "0..1", paramLabel = "LOGFILE|-", description = "The connection log.")
          String file,
      @Option(
              names = "--all",
              description = "Also the targets that were allowed (rules for all the traffic seen).")
          boolean all,
      @Option(
              names = "--min-hosts",
              paramLabel = "N",
              defaultValue = "3",
              description =
                  "Names under one domain that must share a port for a *.SUFFIX rule (default: 3).")
          int minHosts,
      @Option(
              names = "--by-tag",
              description =
                  "Also tag:NAME:PORTS rules, from tailscaled's peer list now (--socket or"
                      + " --status-json); broader than names: read each rule's comment.")
          boolean byTag,
      @Mixin SocketOption socket,
      @Option(
              names = "--status-json",
              paramLabel = "FILE",
              description =
                  "With --by-tag: the peers from this status JSON (as `tailscale status --json`"
                      + " prints) instead of asking tailscaled.")
          Path statusJson)
      throws IOException, ConfigException {
    if (minHosts < 2) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--min-hosts must be at least 2, not " + minHosts);
    }
    RuleSuggester suggester = new RuleSuggester(minHosts);
    Counts counts = new Counts();
    try (InputStream in =
            file == null || file.equals("-") ? System.in : Files.newInputStream(Path.of(file));
        Reader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      LineReader lines = new LineReader(reader, MAX_LINE);
      for (String line = lines.next(); line != null; line = lines.next()) {
        take(line, all, suggester, counts);
      }
      counts.malformed += lines.tooLong();
    }
    PrintWriter err = spec.commandLine().getErr();
    if (counts.malformed > 0) {
      err.println("tailgate: skipped " + counts.malformed + " malformed log line(s)");
    }
    if (suggester.skipped() > 0) {
      err.println(
          "tailgate: left out "
              + suggester.skipped()
              + " connection(s) to loopback, link-local, unspecified, localhost or invalid targets");
    }
    Tags tags = byTag ? Tags.read(statusJson, socket, err) : Tags.NONE;
    print(spec.commandLine().getOut(), suggester.suggest(tags.peers()), counts, all, tags.said());
    return ExitCodes.OK;
  }

  /**
   * Where {@code --by-tag} found the tags: the log carries none, so they are the peer list's as it
   * is now (tailscaled's LocalAPI) or as a saved status has it.
   *
   * @param peers the list, or {@link PeerList#UNKNOWN}: rules by name only
   * @param said the comment line that says where they came from, or null without {@code --by-tag}
   */
  private record Tags(PeerList peers, String said) {
    static final Tags NONE = new Tags(PeerList.UNKNOWN, null);

    static Tags read(Path statusJson, SocketOption socket, PrintWriter err) throws ConfigException {
      Path from = statusJson != null ? statusJson : socket.or(ConfigLoading.load(null));
      try {
        TailscaleStatus status =
            statusJson != null ? TailnetPeers.fromFile(from) : TailnetPeers.fromLocalApi(from);
        return new Tags(
            PeerFeed.of(status, Instant.now()),
            (statusJson != null
                    ? "# tags from the peer list in " + from
                    : "# tags from tailscaled's peer list now (LocalAPI " + from + ")")
                + ": a tag rule admits every peer with the tag, also those not in this log");
      } catch (IOException e) {
        err.println("tailgate: --by-tag: " + e.getMessage() + "; rules by name only");
        return new Tags(
            PeerList.UNKNOWN, "# --by-tag: no peer list (" + from + "): rules by name only");
      }
    }
  }

  /** What was read, for the comment above the rules. */
  private static final class Counts {
    long lines;
    long malformed;
    long taken;
  }

  private static void take(String line, boolean all, RuleSuggester suggester, Counts counts) {
    if (line.isBlank()) {
      return;
    }
    counts.lines++;
    JsonNode event;
    try {
      event = JSON.readTree(line);
    } catch (IOException e) {
      counts.malformed++;
      return;
    }
    JsonNode host = event == null ? null : event.get("target_host");
    JsonNode port = event == null ? null : event.get("target_port");
    if (host == null || !host.isTextual() || port == null || !port.canConvertToInt()) {
      if (event == null || !event.isObject()) {
        counts.malformed++;
      }
      return; // a connection that ended before its request: nothing to allow
    }
    String decision = event.path("decision").asText("");
    boolean refusedByNoRule = decision.equals("deny") && event.path("rule").isNull();
    if (decision.equals("would_deny") || refusedByNoRule || (all && decision.equals("allow"))) {
      counts.taken++;
      suggester.add(host.asText(), port.asInt());
    }
  }

  /**
   * @param tags where the tags came from, a comment line, or null without {@code --by-tag}
   */
  private static void print(
      PrintWriter out,
      List<RuleSuggester.Suggestion> rules,
      Counts counts,
      boolean all,
      String tags) {
    out.println(
        "# tailgate rules suggest: "
            + counts.taken
            + " of "
            + counts.lines
            + " logged connection(s) were "
            + (all ? "taken (--all)" : "refused by no matching rule or would_deny")
            + "; review before use");
    if (tags != null) {
      out.println(tags);
    }
    if (rules.isEmpty()) {
      out.println("allow: []");
      out.flush();
      return;
    }
    out.println("allow:");
    for (RuleSuggester.Suggestion s : rules) {
      out.println(
          "  - \""
              + s.rule()
              + "\"  # "
              + s.connections()
              + " connection(s)"
              + (s.hosts() > 1 ? ", " + s.hosts() + " hosts" : "")
              + (s.rule().startsWith("tag:")
                  ? "; also admits "
                      + s.otherPeers()
                      + " other peer(s) with the tag now, and any tagged later"
                  : ""));
    }
    out.flush();
  }

  /** Lines of at most {@code max} characters; a longer one is skipped whole and counted. */
  static final class LineReader {
    private final Reader in;
    private final int max;
    private final StringBuilder line = new StringBuilder();
    private long tooLong;

    LineReader(Reader in, int max) {
      this.in = in;
      this.max = max;
    }

    /** The next line without its end, or null at the end of input. */
    String next() throws IOException {
      line.setLength(0);
      boolean over = false;
      int c;
      while ((c = in.read()) != -1) {
        if (c == '\n') {
          if (!over) {
            return line.toString();
          }
          tooLong++;
          over = false;
          line.setLength(0);
          continue;
        }
        if (line.length() >= max) {
          over = true;
        } else if (!over) {
          line.append((char) c);
        }
      }
      if (over) {
        tooLong++;
        return null;
      }
      return line.length() > 0 ? line.toString() : null;
    }

    long tooLong() {
      return tooLong;
    }
  }
}
