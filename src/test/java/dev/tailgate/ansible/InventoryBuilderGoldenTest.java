package dev.tailgate.ansible;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.localapi.TailscaleStatus;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.Decision;
import dev.tailgate.testing.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The inventory of src/test/resources/localapi/status-running.json, against golden files. */
class InventoryBuilderGoldenTest {
  private static TailscaleStatus status() throws Exception {
    return TailscaleStatus.parse(
        Files.readAllBytes(Path.of("src/test/resources/localapi/status-running.json")));
  }

  private static Function<String, String> allowlist(String... rules) throws Exception {
    Allowlist a = Allowlist.parse(List.of(rules), () -> "tail1234.ts.net");
    return name -> {
      Decision d = a.decide(name, 22);
      return d.allowed() ? null : d.reason();
    };
  }

  @Test
  void listsEveryPeerWithGroupsAndHostvars() throws Exception {
    InventoryBuilder.Inventory inv = InventoryBuilder.build(status(), name -> null, false);
    Golden.assertMatches(
        "inventory-list.json", InventoryJson.render(InventoryBuilder.listDocument(inv)));
  }

  @Test
  void leavesOutPeersTheAllowlistRefusesOnPort22() throws Exception {
    InventoryBuilder.Inventory inv =
        InventoryBuilder.build(
            status(),
            allowlist(
                "web-1.tail1234.ts.net:22",
                "alices-macbook-pro.tail1234.ts.net:22",
                "db-1.tail1234.ts.net:5432"),
            false);
    assertThat(inv.hostvars())
        .containsOnlyKeys("web-1.tail1234.ts.net", "alices-macbook-pro.tail1234.ts.net");

    InventoryBuilder.Inventory onlyWeb =
        InventoryBuilder.build(status(), allowlist("web-1.tail1234.ts.net:22"), false);
    Golden.assertMatches(
        "inventory-list-allowlisted.json",
        InventoryJson.render(InventoryBuilder.listDocument(onlyWeb)));
  }

  @Test
  void flagsRefusedPeersWhenAskedToKeepThem() throws Exception {
    InventoryBuilder.Inventory inv =
        InventoryBuilder.build(status(), allowlist("web-1.tail1234.ts.net:22"), true);
    assertThat(inv.groups().get(InventoryBuilder.DENIED))
        .containsExactly("alices-macbook-pro.tail1234.ts.net", "db-1.tail1234.ts.net");
    assertThat(inv.hostvars().get("db-1.tail1234.ts.net"))
        .containsEntry("tailgate_denied", "no allow rule matches db-1.tail1234.ts.net:22");
  }

  @Test
  void hostPrintsOneHostsVariablesAndEmptyForAnUnknownOne() throws Exception {
    InventoryBuilder.Inventory inv = InventoryBuilder.build(status(), name -> null, false);
    Golden.assertMatches(
        "inventory-host-web-1.json",
        InventoryJson.render(InventoryBuilder.hostDocument(inv, "web-1.tail1234.ts.net")));
    assertThat(InventoryJson.render(InventoryBuilder.hostDocument(inv, "nope"))).isEqualTo("{ }\n");
  }

  @Test
  void groupNamesAreValidIdentifiers() {
    assertThat(InventoryBuilder.groupName("macOS")).isEqualTo("macos");
    assertThat(InventoryBuilder.groupName("my-app.v2")).isEqualTo("my_app_v2");
  }
}
