package dev.tailgate.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.io.IOException;
import java.util.List;

/**
 * Settings as one source gives them: the config file or the command line. A {@code null} field was
 * not given. The YAML keys are the long flag names without dashes in front.
 */
public final class ConfigValues {
  @JsonProperty("listen")
  public String listen;

  @JsonProperty("upstream")
  public String upstream;

  @JsonProperty("no-bootstrap")
  public Boolean noBootstrap;

  @JsonProperty("allow")
  @JsonDeserialize(contentUsing = LocatedReader.class)
  public List<Located> allow;

  @JsonProperty("log-file")
  public String logFile;

  @JsonProperty("idle-timeout")
  public String idleTimeout;

  @JsonProperty("auth-file")
  public String authFile;

  /** Keys the file may hold, for error messages. */
  static final List<String> KEYS =
      List.of(
          "listen", "upstream", "no-bootstrap", "allow", "log-file", "idle-timeout", "auth-file");

  /** These values with {@code top}'s given values laid over them: {@code top} wins. */
  public ConfigValues overlaidWith(ConfigValues top) {
    ConfigValues v = new ConfigValues();
    v.listen = top.listen != null ? top.listen : listen;
    v.upstream = top.upstream != null ? top.upstream : upstream;
    v.noBootstrap = top.noBootstrap != null ? top.noBootstrap : noBootstrap;
    v.allow = top.allow != null ? top.allow : allow;
    v.logFile = top.logFile != null ? top.logFile : logFile;
    v.idleTimeout = top.idleTimeout != null ? top.idleTimeout : idleTimeout;
    v.authFile = top.authFile != null ? top.authFile : authFile;
    return v;
  }

  /** Reads one list item as a {@link Located} string carrying its line. */
  static final class LocatedReader extends JsonDeserializer<Located> {
    @Override
    public Located deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
      int line = p.currentTokenLocation().getLineNr();
      if (!p.currentToken().isScalarValue()) {
        return (Located) ctx.handleUnexpectedToken(Located.class, p);
      }
      return new Located(p.getValueAsString(), "", line);
    }
  }
}
