package dev.tailgate.base;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ClientTagTest {
  @Test
  void encodesWhatIsOutsideTheCharsetAsPercentBytes() {
    assertThat(ClientTag.encode("web1@Deploy site")).isEqualTo("web1@Deploy%20site");
    assertThat(ClientTag.encode("db-1.tail1234.ts.net")).isEqualTo("db-1.tail1234.ts.net");
    assertThat(ClientTag.encode("a\"b\nc\u00e9")).isEqualTo("a%22b%0Ac%C3%A9");
    assertThat(ClientTag.encode("")).isNull();
    assertThat(ClientTag.encode(null)).isNull();
  }

  @Test
  void boundsATagTo200BytesNeverCuttingAnEscape() {
    assertThat(ClientTag.encode("x".repeat(500))).hasSize(ClientTag.MAX_BYTES);
    String cut = ClientTag.encode("x".repeat(198) + " y");
    assertThat(cut).isEqualTo("x".repeat(198)); // "%20" would not fit whole
  }

  @Test
  void putsTheTagAfterTheUserBehindTheMarker() {
    assertThat(ClientTag.username(null, "web1@Deploy")).isEqualTo("#tailgate-tag:web1@Deploy");
    assertThat(ClientTag.username("ansible", "web1")).isEqualTo("ansible#tailgate-tag:web1");
    assertThat(ClientTag.username("ansible", null)).isEqualTo("ansible");
  }

  @Test
  void keepsUserAndTagWithinRfc1929sUsernameField() {
    String user = "u".repeat(100);
    String field = ClientTag.username(user, ClientTag.encode("t".repeat(300)));
    assertThat(field.getBytes(StandardCharsets.UTF_8)).hasSize(255);
    assertThat(ClientTag.parse(field).user()).isEqualTo(user);
    assertThat(ClientTag.username("u".repeat(250), "tag")).isEqualTo("u".repeat(250));
    String escapes = ClientTag.username(user, ClientTag.encode(" ".repeat(66)));
    assertThat(ClientTag.parse(escapes).tag()).matches("(%20)+");
  }

  @Test
  void readsBackWhatItWrites() {
    assertThat(ClientTag.parse("#tailgate-tag:web1@Deploy"))
        .isEqualTo(new ClientTag.Parsed("", "web1@Deploy"));
    assertThat(ClientTag.parse("ansible#tailgate-tag:web1:22"))
        .isEqualTo(new ClientTag.Parsed("ansible", "web1:22"));
  }

  @Test
  void aFieldWithoutTheMarkerIsAllUser() {
    assertThat(ClientTag.parse("ansible")).isEqualTo(new ClientTag.Parsed("ansible", null));
    assertThat(ClientTag.parse("odd:name#tailgate-tag:x"))
        .isEqualTo(new ClientTag.Parsed("odd:name#tailgate-tag:x", null));
    assertThat(ClientTag.parse("a#tailgate-tag"))
        .isEqualTo(new ClientTag.Parsed("a#tailgate-tag", null));
    assertThat(ClientTag.parse(null)).isEqualTo(new ClientTag.Parsed("", null));
  }

  @Test
  void dropsATagThatIsTooLongOrHasOtherCharactersButKeepsTheUser() {
    assertThat(ClientTag.parse("a#tailgate-tag:" + "x".repeat(201)))
        .isEqualTo(new ClientTag.Parsed("a", null));
    assertThat(ClientTag.parse("a#tailgate-tag:bad tag"))
        .isEqualTo(new ClientTag.Parsed("a", null));
    assertThat(ClientTag.parse("a#tailgate-tag:x\ny")).isEqualTo(new ClientTag.Parsed("a", null));
    assertThat(ClientTag.parse("#tailgate-tag:")).isEqualTo(new ClientTag.Parsed("", null));
  }
}
