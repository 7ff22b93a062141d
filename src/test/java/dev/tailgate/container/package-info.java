/**
 * The container tests: the devcontainer and sidecar images of .devcontainer/Dockerfile built and
 * run with podman (and the Dev Containers CLI), joined to the e2e's tailnet. Depends on {@code
 * dev.tailgate.e2e.TailnetForContainers} and the helpers in {@code dev.tailgate.testing}.
 */
package dev.tailgate.container;
