/**
 * Generated Ansible and ssh configuration and the tailnet inventory; reads config and LocalAPI
 * status, never the relay.
 *
 * <p>The generators are pure functions from their inputs to file text ({@link
 * dev.tailgate.ansible.Templates}, {@link dev.tailgate.ansible.InventoryBuilder}); writing keeps
 * what users wrote outside the {@code # BEGIN tailgate managed} blocks ({@link
 * dev.tailgate.ansible.ManagedBlocks}). Depends on {@code localapi}'s status types and one-off
 * query only; never the relay, bootstrap or the gateway.
 */
package dev.tailgate.ansible;
