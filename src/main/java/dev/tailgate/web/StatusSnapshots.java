package dev.tailgate.web;

/** Where the admin listener gets its snapshot; called per request, on an event loop: be quick. */
@FunctionalInterface
public interface StatusSnapshots {
  Status snapshot();
}
