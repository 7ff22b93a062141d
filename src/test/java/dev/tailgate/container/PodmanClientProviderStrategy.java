package dev.tailgate.container;

import java.net.URI;
import org.testcontainers.dockerclient.DockerClientProviderStrategy;
import org.testcontainers.dockerclient.TransportConfig;

/**
 * Points Testcontainers at the {@code podman system service} socket that {@link
 * Podman#serveDockerApi()} started in this JVM. Testcontainers finds its strategies with the
 * ServiceLoader (META-INF/services in the test resources); its own read DOCKER_HOST only from the
 * environment or ~/.testcontainers.properties, which a running test cannot set.
 */
public final class PodmanClientProviderStrategy extends DockerClientProviderStrategy {
  static final String SOCKET_PROPERTY = "tailgate.podman.socket";

  @Override
  public String getDescription() {
    return "podman system service on " + System.getProperty(SOCKET_PROPERTY);
  }

  @Override
  protected boolean isApplicable() {
    return System.getProperty(SOCKET_PROPERTY) != null;
  }

  @Override
  protected boolean isPersistable() {
    return false;
  }

  @Override
  protected int getPriority() {
    return 200;
  }

  @Override
  public TransportConfig getTransportConfig() {
    return TransportConfig.builder()
        .dockerHost(URI.create("unix://" + System.getProperty(SOCKET_PROPERTY)))
        .build();
  }
}
