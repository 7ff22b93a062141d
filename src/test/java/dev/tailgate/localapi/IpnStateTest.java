package dev.tailgate.localapi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IpnStateTest {

  @Test
  void codesMatchTailscaledsIpnState() {
    assertThat(IpnState.values()).extracting(IpnState::code).containsExactly(0, 1, 2, 3, 4, 5, 6);
    assertThat(IpnState.fromCode(6)).contains(IpnState.RUNNING);
    assertThat(IpnState.fromCode(2)).contains(IpnState.NEEDS_LOGIN);
    assertThat(IpnState.fromCode(7)).isEmpty();
  }

  @Test
  void namesMatchBackendState() {
    assertThat(IpnState.fromName("NeedsMachineAuth")).contains(IpnState.NEEDS_MACHINE_AUTH);
    assertThat(IpnState.fromName("Running")).contains(IpnState.RUNNING);
    assertThat(IpnState.fromName("running")).isEmpty();
  }
}
