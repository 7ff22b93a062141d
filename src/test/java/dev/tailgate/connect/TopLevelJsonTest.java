package dev.tailgate.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The JDK-only reader of the run-state file's top-level members. */
class TopLevelJsonTest {
  @Test
  void readsStringsAndNumbersAndSkipsTheRest() {
    Map<String, String> m =
        TopLevelJson.read(
            "{ \"a\" : \"x\\\"y\\\\z\\u00e9\\n\", \"n\": -12.5e3, \"t\": true, \"nil\": null,"
                + " \"o\": {\"a\": [1, {\"b\": \"c\"}, []], \"e\": {}}, \"arr\": [\"a\"] }");
    assertThat(m).containsExactly(Map.entry("a", "x\"y\\zé\n"), Map.entry("n", "-12.5e3"));
  }

  @Test
  void aNameGivenTwiceKeepsItsLastValue() {
    assertThat(TopLevelJson.read("{\"a\": \"1\", \"a\": \"2\"}")).containsEntry("a", "2");
    assertThat(TopLevelJson.read(" {} ")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "[]",
        "{\"a\": 1",
        "{\"a\" 1}",
        "{\"a\": 01}",
        "{\"a\": \"x}",
        "{\"a\": tru}",
        "{\"a\": \"\\q\"}",
        "{\"a\": 1,}",
        "{\"a\": 1} {}",
        "{a: 1}"
      })
  void refusesWhatIsNotOneJsonObject(String text) {
    assertThatThrownBy(() -> TopLevelJson.read(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not a JSON object");
  }

  @Test
  void isBoundedInLengthAndDepth() {
    String deep = "{\"a\": " + "[".repeat(TopLevelJson.MAX_DEPTH + 1) + "]".repeat(17) + "}";
    assertThatThrownBy(() -> TopLevelJson.read(deep)).hasMessageContaining("nested deeper");
    assertThatThrownBy(() -> TopLevelJson.read(" ".repeat(TopLevelJson.MAX_CHARS + 1)))
        .hasMessageContaining("longer than");
  }
}
