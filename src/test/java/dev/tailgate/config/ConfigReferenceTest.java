package dev.tailgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/operations.md's settings table and the code say the same: no key or variable missing. */
class ConfigReferenceTest {
  private static final Path DOC = Path.of("docs/operations.md");

  private static Set<String> all(Pattern pattern, String text) {
    Set<String> found = new TreeSet<>();
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  @Test
  void everyConfigKeyIsDocumentedAndEveryDocumentedKeyExists() throws Exception {
    String doc = Files.readString(DOC);
    String table = doc.substring(doc.indexOf("| key / flag |"), doc.indexOf("Flags only:"));

    Set<String> documented = all(Pattern.compile("(?m)^\\| `([a-z-]+)` \\|"), table);

    assertThat(documented).containsExactlyInAnyOrderElementsOf(ConfigValues.KEYS);
  }

  @Test
  void everyVariableStartShReadsIsDocumented() throws Exception {
    String doc = Files.readString(DOC);
    Set<String> used =
        all(
            Pattern.compile("\\$\\{?(TAILGATE_[A-Z_]+)"),
            Files.readString(Path.of("scripts/start.sh")));

    assertThat(used).isNotEmpty().allSatisfy(v -> assertThat(doc).contains(v));
  }
}
