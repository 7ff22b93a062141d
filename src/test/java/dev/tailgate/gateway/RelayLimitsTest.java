package dev.tailgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.config.Limits;
import dev.tailgate.relay.RelaySettings;
import org.junit.jupiter.api.Test;

class RelayLimitsTest {

  @Test
  void theSettingsDefaultsAreTheRelays() {
    assertThat(Gateway.relayLimits(Limits.DEFAULT)).isEqualTo(RelaySettings.Limits.DEFAULT);
  }

  @Test
  void aLoopbackClientIsItsUidByDefaultWithAQuarterOfTheHandshakes() {
    assertThat(Limits.DEFAULT.identity()).isEqualTo(Limits.ClientIdentity.UID);
    assertThat(Limits.DEFAULT.perClientHandshakes()).isEqualTo(Limits.DEFAULT.handshakes() / 4);
  }

  @Test
  void everyClientIdentityHasItsNamesake() {
    for (Limits.ClientIdentity identity : Limits.ClientIdentity.values()) {
      Limits limits = new Limits(1, 2, 3, 4, identity);
      assertThat(Gateway.relayLimits(limits))
          .isEqualTo(
              new RelaySettings.Limits(
                  1, 2, 3, 4, RelaySettings.ClientIdentity.valueOf(identity.name())));
    }
    assertThat(Limits.ClientIdentity.values()).hasSameSizeAs(RelaySettings.ClientIdentity.values());
  }
}
