package dev.tailgate.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.policy.PeerList.Unreachable.Kind;
import org.junit.jupiter.api.Test;

/** The instant answers have a counter of their own on /metrics, one bounded label per kind. */
class InstantAnswerMetricsTest {

  @Test
  void countsEachInstantAnswerByReasonWithBothReasonsThereFromTheStart() {
    try (Metrics metrics = new Metrics()) {
      assertThat(metrics.scrape())
          .containsPattern("tailgate_instant_answers_total\\{reason=\"peer_offline\"} 0")
          .containsPattern("tailgate_instant_answers_total\\{reason=\"no_such_peer\"} 0");

      metrics.instantAnswer(Kind.PEER_OFFLINE);
      metrics.instantAnswer(Kind.PEER_OFFLINE);
      metrics.instantAnswer(Kind.NO_SUCH_PEER);

      assertThat(metrics.scrape())
          .containsPattern("tailgate_instant_answers_total\\{reason=\"peer_offline\"} 2")
          .containsPattern("tailgate_instant_answers_total\\{reason=\"no_such_peer\"} 1");
    }
  }
}
