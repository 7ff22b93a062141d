package dev.tailgate.base;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The one Basic-auth reading that both the relay's CONNECT and the admin server use. */
class BasicAuthTest {
  private final List<String> asked = new ArrayList<>();
  private final BiPredicate<String, String> alice =
      (user, password) -> {
        asked.add(user + ":" + password);
        return user.equals("alice") && password.equals("s3cret:with colon");
      };

  private static String basic(String pair) {
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void acceptsAKnownUserWithThePasswordSplitAtTheFirstColon() {
    assertThat(BasicAuth.accepts(basic("alice:s3cret:with colon"), alice)).isTrue();
    assertThat(BasicAuth.accepts("bAsIc  " + basic("alice:s3cret:with colon").substring(6), alice))
        .as("scheme in any case, blanks around the token")
        .isTrue();
    assertThat(BasicAuth.accepts(basic("alice:wrong"), alice)).isFalse();
    assertThat(asked)
        .containsExactly("alice:s3cret:with colon", "alice:s3cret:with colon", "alice:wrong");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "Basic",
        "Basic ",
        "Bearer YWxpY2U6cw==",
        "Basic not*base64",
        "Basic YWxpY2U=", // "alice", no colon
        "Basic OnMzY3JldA==", // ":s3cret", empty user
        "Digest username=\"alice\""
      })
  void refusesAMalformedHeaderWithoutAskingTheUsers(String header) {
    assertThat(BasicAuth.accepts(header, alice)).isFalse();
    assertThat(asked).isEmpty();
  }

  @Test
  void refusesNoHeaderAndAnOversizedOneWithoutDecodingIt() {
    assertThat(BasicAuth.accepts(null, alice)).isFalse();
    String longest = basic("u".repeat(255) + ":" + "p".repeat(255));
    assertThat(longest.length()).isLessThanOrEqualTo(BasicAuth.MAX_HEADER);
    assertThat(BasicAuth.accepts(longest, (u, p) -> true)).isTrue();

    assertThat(BasicAuth.accepts(basic("alice:" + "p".repeat(800)), (u, p) -> true)).isFalse();
  }
}
