/**
 * Which connections become clients, decided as Redis 7.0's networking.c decides it: `maxclients`
 * before anything else (acceptCommonHandler), protected mode once the transport is up
 * (clientAcceptHandler, after the TLS handshake).
 */
import type { AclStore } from "../acl/Acl.ts"
import type { ConfigStore } from "../config/ServerConfig.ts"

/**
 * islocalClient: a unix socket client, or a TCP peer whose address is exactly 127.0.0.1 or ::1 (other
 * 127.x.x.x addresses are not local to Redis). `address` is the peer's address as the listener
 * reports it; an IPv4-mapped IPv6 address (a dual-stack listener) counts as its IPv4 address, as
 * Redis, listening on IPv4 and IPv6 apart, would see it.
 */
export const isLocalPeer = (address: string | undefined, unixSocket: boolean): boolean => {
  if (unixSocket) return true
  const a = (address ?? "").replace(/^::ffff:(?=\d+\.)/i, "")
  return a === "127.0.0.1" || a === "::1"
}

/**
 * Protected mode refuses the connection: `protected-mode yes` while the default user needs no password,
 * and the peer is not local. In Redis 7.0 neither `bind` nor the listener matters (the rule of 6.x that
 * an explicit bind turned it off is gone). "No password" is the ACL's: the default user is nopass.
 */
export const protectedModeRefuses = (config: ConfigStore, acl: AclStore, address: string | undefined, unixSocket: boolean): boolean =>
  config.get("protected-mode") === "yes" && acl.defaultUser.nopass && !isLocalPeer(address, unixSocket)
