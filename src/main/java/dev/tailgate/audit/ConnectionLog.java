package dev.tailgate.audit;

/** Where connection events go. Implementations must not block the caller (an event loop). */
public interface ConnectionLog extends AutoCloseable {

  /** Records one event; never throws, never blocks. */
  void record(ConnectionEvent event);

  /** Flushes what is queued and releases the sink. */
  @Override
  void close();

  /** A log that records each event in every one of {@code logs}, in order, and closes them all. */
  static ConnectionLog tee(ConnectionLog... logs) {
    ConnectionLog[] all = logs.clone();
    return new ConnectionLog() {
      @Override
      public void record(ConnectionEvent event) {
        for (ConnectionLog log : all) {
          log.record(event);
        }
      }

      @Override
      public void close() {
        for (ConnectionLog log : all) {
          log.close();
        }
      }
    };
  }

  /** A log that drops everything, for tests and benchmarks that do not read it. */
  ConnectionLog DISCARD =
      new ConnectionLog() {
        @Override
        public void record(ConnectionEvent event) {}

        @Override
        public void close() {}
      };
}
