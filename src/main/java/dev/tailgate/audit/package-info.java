/**
 * The connection log: one JSON line per connection when it ends, and one per refusal.
 *
 * <p>Pure Java plus Jackson (and {@code base}); knows nothing of Netty or of the relay that feeds
 * it.
 */
package dev.tailgate.audit;
