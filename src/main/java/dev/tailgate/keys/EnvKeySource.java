package dev.tailgate.keys;

import java.util.Arrays;
import java.util.function.UnaryOperator;

/** {@code env:VAR}: the key is the value of an environment variable. */
final class EnvKeySource implements AuthKeySource {
  private final String variable;
  private final UnaryOperator<String> getenv;

  EnvKeySource(String variable) {
    this(variable, System::getenv);
  }

  /** For tests, which cannot change the JVM's environment. */
  EnvKeySource(String variable, UnaryOperator<String> getenv) {
    this.variable = variable;
    this.getenv = getenv;
  }

  @Override
  public String describe() {
    return "environment variable " + variable;
  }

  @Override
  public Secret fetch() throws AuthKeyException {
    String value = getenv.apply(variable);
    if (value == null) {
      throw new AuthKeyException(
          "environment variable " + variable + " is not set: export it, or use another --auth-key");
    }
    char[] chars = value.toCharArray();
    Secret secret = Secret.trimmedCopyOf(chars);
    Arrays.fill(chars, '\0');
    if (secret.isEmpty()) {
      throw new AuthKeyException("environment variable " + variable + " is empty");
    }
    return secret;
  }
}
