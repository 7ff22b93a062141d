package dev.tailgate;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of docs/architecture.md ("Packages and the direction of dependencies") as a
 * test that fails: prose drifts, this does not. Each rule names the packages it keeps apart; a
 * failure lists the offending imports with their source lines.
 */
class ArchitectureTest {
  private static final String ROOT = "dev.tailgate";
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);
  }

  private static String pkg(String name) {
    return ROOT + "." + name + "..";
  }

  private static String[] others(String... allowed) {
    java.util.List<String> all =
        new java.util.ArrayList<>(
            java.util.List.of(
                "cli",
                "gateway",
                "training",
                "config",
                "bootstrap",
                "localapi",
                "keys",
                "relay",
                "localpeer",
                "policy",
                "audit",
                "web",
                "connect",
                "ansible",
                "base"));
    all.removeAll(java.util.List.of(allowed));
    return all.stream().map(ArchitectureTest::pkg).toArray(String[]::new);
  }

  private static void check(ArchRule rule) {
    rule.check(main);
  }

  @Test
  void noPackageCycles() {
    check(slices().matching(ROOT + ".(*)..").should().beFreeOfCycles());
  }

  @Test
  void baseIsJdkOnly() {
    check(
        noClasses()
            .that()
            .resideInAPackage(pkg("base"))
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                concat(
                    others("base"), "io.netty..", "com.fasterxml..", "picocli..", "org.slf4j..")));
  }

  @Test
  void policyIsPureJavaOnTheBase() {
    check(
        noClasses()
            .that()
            .resideInAPackage(pkg("policy"))
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(concat(others("policy", "base"), "io.netty..", "java.net.http..")));
  }

  @Test
  void auditKnowsNoNettyAndNoOtherPart() {
    check(
        noClasses()
            .that()
            .resideInAPackage(pkg("audit"))
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(concat(others("audit", "base"), "io.netty..")));
  }

  @Test
  void connectUsesOnlyTheJdkAndTheBase() {
    check(
        noClasses()
            .that()
            .resideInAPackage(pkg("connect"))
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                concat(others("connect", "base"), "io.netty..", "com.fasterxml..", "picocli..")));
  }

  @Test
  void configReadsSettingsAndKnowsNothingOfWhatRunsThem() {
    check(
        noClasses()
            .that()
            .resideInAPackage(pkg("config"))
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(others("config", "policy", "keys", "base")));
  }

  @Test
  void bootstrapKnowsNothingOfTheRelayOrItsRunners() {
    check(
        noClasses()
            .that()
            .resideInAPackage(pkg("bootstrap"))
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(pkg("relay"), pkg("gateway"), pkg("cli"), pkg("web")));
  }

  @Test
  void relayKnowsOnlyPolicyAuditAndTheBase() {
    check(
        noClasses()
            .that()
            .resideInAPackage(pkg("relay"))
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(others("relay", "policy", "audit", "base", "localpeer")));
  }

  @Test
  void localpeerKnowsNoNettyAndNoOtherPart() {
    check(
        noClasses()
            .that()
            .resideInAPackage(pkg("localpeer"))
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(concat(others("localpeer"), "io.netty..")));
  }

  /**
   * JNA (native calls) only where netlink needs it: the one class that loads it is first touched by
   * a loopback lookup, so nothing on the start-up path pays for loading it.
   */
  @Test
  void onlyLocalpeerCallsNativeCodeThroughJna() {
    check(
        noClasses()
            .that()
            .resideOutsideOfPackage(pkg("localpeer"))
            .should()
            .dependOnClassesThat()
            .resideInAPackage("com.sun.jna.."));
    check(
        noClasses()
            .that()
            .resideInAPackage(pkg("localpeer"))
            .and()
            .doNotHaveSimpleName("NetlinkSocket")
            .and()
            .doNotHaveSimpleName("LibC")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("com.sun.jna.."));
  }

  @Test
  void webReadsSnapshotsAndNeverTheBootstrapOrTheGateway() {
    check(
        noClasses()
            .that()
            .resideInAPackage(pkg("web"))
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(pkg("bootstrap"), pkg("gateway"), pkg("cli"), pkg("localapi")));
  }

  @Test
  void ansibleNeverReachesTheRelayOrTheGateway() {
    check(
        noClasses()
            .that()
            .resideInAPackage(pkg("ansible"))
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(pkg("relay"), pkg("gateway"), pkg("cli"), pkg("bootstrap")));
  }

  @Test
  void onlyTheCliImportsTheGateway() {
    check(
        noClasses()
            .that()
            .resideOutsideOfPackages(pkg("cli"), pkg("gateway"), pkg("training"))
            .should()
            .dependOnClassesThat()
            .resideInAPackage(pkg("gateway")));
  }

  @Test
  void nothingButTheTrainingRunImportsTheCli() {
    check(
        noClasses()
            .that()
            .resideOutsideOfPackages(pkg("cli"), pkg("training"))
            .should()
            .dependOnClassesThat()
            .resideInAPackage(pkg("cli")));
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
