package dev.tailgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.policy.Allowlist;
import dev.tailgate.testing.Mutations;
import dev.tailgate.testing.Trials;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any file given as the config: either a valid config whose whole allowlist parses, or a {@link
 * ConfigException} whose message is one line; never another exception. Reading the file names the
 * file in each error; validating a value names its key (values from the file and from flags are
 * merged by then), and a rule its file and line.
 */
class ConfigPropertyTest {
  private static final String VALID =
      """
      listen: 127.0.0.1:2080
      upstream: direct
      no-bootstrap: true
      allow:
        - "*.example.ts.net:22"
        - tailnet:443
        - 100.64.0.0/10
      log-file: /tmp/conn.log
      idle-timeout: 5m
      """;

  @TempDir Path dir;

  @Test
  void aMutatedConfigFileIsEitherValidOrOneLineNamingTheFile() {
    Path file = dir.resolve("tailgate.yml");
    byte[] valid = VALID.getBytes(StandardCharsets.UTF_8);
    Trials.run(
        500,
        r -> {
          byte[] content =
              r.nextInt(10) == 0 ? Mutations.bytes(r, r.nextInt(200)) : Mutations.mutate(r, valid);
          Files.write(file, content);
          ConfigValues values;
          try {
            values = ConfigFile.read(file);
          } catch (ConfigException e) {
            assertThat(e.getMessage()).startsWith(file.toString()).doesNotContain("\n", "\r");
            return;
          }
          TailgateConfig config;
          try {
            config = TailgateConfig.from(values);
          } catch (ConfigException e) {
            // Every value came from the file, so every error names it and the line.
            assertThat(e.getMessage())
                .doesNotContain("\n", "\r")
                .matches(java.util.regex.Pattern.quote(file.toString()) + ":[0-9]+: .*");
            return;
          }
          Allowlist.parse(config.rules()); // a valid config carries a whole policy
        });
  }
}
