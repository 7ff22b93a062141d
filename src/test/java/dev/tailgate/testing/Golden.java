package dev.tailgate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under src/test/resources/golden/: the expected output of a generator, byte for byte.
 * {@code mvn test -Dtailgate.updateGolden=true} rewrites them from the current output (then read
 * the diff before committing).
 */
public final class Golden {
  private static final Path DIR = Path.of("src/test/resources/golden");

  private Golden() {}

  public static void assertMatches(String name, String actual) throws IOException {
    Path file = DIR.resolve(name);
    if (Boolean.getBoolean("tailgate.updateGolden")) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual, StandardCharsets.UTF_8);
    }
    assertThat(file).as("golden file %s (-Dtailgate.updateGolden=true writes it)", file).exists();
    assertThat(actual).as("output against %s", file).isEqualTo(Files.readString(file));
  }
}
