package dev.tailgate.keys;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Installs the test doubles of {@code bw} and {@code bws} (src/test/resources/fakes) into a
 * directory as executables named {@code bw} and {@code bws}, and writes the state they read. Each
 * fake keeps its state in its own subdirectory, beside the script.
 */
final class FakeSecretStoreClis {
  final Path bwDir;
  final Path bwsDir;
  final Path bw;
  final Path bws;

  FakeSecretStoreClis(Path root) throws IOException {
    bwDir = Files.createDirectories(root.resolve("bw-home"));
    bwsDir = Files.createDirectories(root.resolve("bws-home"));
    bw = install("fake-bw", bwDir.resolve("bw"));
    bws = install("fake-bws", bwsDir.resolve("bws"));
  }

  private static Path install(String resource, Path target) throws IOException {
    try (InputStream in = FakeSecretStoreClis.class.getResourceAsStream("/fakes/" + resource)) {
      if (in == null) {
        throw new IOException("test resource /fakes/" + resource + " missing");
      }
      Files.copy(in, target);
    }
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
    return target;
  }

  /** A runner that, like a shell with these variables exported, passes them to the CLI. */
  static VaultCli runnerWith(Map<String, String> env) {
    return new VaultCli(VaultCli.DEFAULT_TIMEOUT, env);
  }

  static VaultCli runnerWith(Duration timeout, Map<String, String> env) {
    return new VaultCli(timeout, env);
  }

  // --- bw state ---

  FakeSecretStoreClis bwLoggedOut() {
    write(bwDir.resolve("state"), "unauthenticated");
    return this;
  }

  /** Logged in; the vault unlocks for BW_SESSION={@code session}. */
  FakeSecretStoreClis bwLoggedIn(String session) {
    write(bwDir.resolve("state"), "authenticated");
    write(bwDir.resolve("session"), session);
    return this;
  }

  FakeSecretStoreClis bwItem(String id, String name, String password, String itemJson) {
    Path item = bwDir.resolve("items").resolve(id);
    write(item.resolve("name"), name);
    write(item.resolve("item.json"), itemJson);
    if (password != null) {
      write(item.resolve("password"), password);
    }
    return this;
  }

  List<String> bwArgv() {
    return lines(bwDir.resolve("argv.log"));
  }

  List<String> bwEnv() {
    return lines(bwDir.resolve("env.log"));
  }

  // --- bws state ---

  FakeSecretStoreClis bwsToken(String token) {
    write(bwsDir.resolve("token"), token);
    return this;
  }

  FakeSecretStoreClis bwsSecret(String id, String json) {
    write(bwsDir.resolve("secrets").resolve(id + ".json"), json);
    return this;
  }

  List<String> bwsArgv() {
    return lines(bwsDir.resolve("argv.log"));
  }

  // --- both ---

  void hang(Path home) {
    write(home.resolve("hang"), "");
  }

  /** The pid of the child a hanging fake started. */
  String hangPid(Path home) {
    Path file = home.resolve("hang.pid");
    return lines(file).stream().findFirst().orElseThrow(() -> new AssertionError("no " + file));
  }

  static void write(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, content, UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file, UTF_8) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
