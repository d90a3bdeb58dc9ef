import type { ConfigStore } from "../config/ServerConfig.ts"

/**
 * Checks credentials against the users this server knows. Until ACL users exist, there is only the
 * "default" user: its password is `requirepass`, and with no requirepass it accepts any password
 * ("nopass"), as in Redis.
 */
export const authenticate = (config: ConfigStore, user: string, password: string): boolean => {
  if (user !== "default") return false
  const required = config.get("requirepass") ?? ""
  return required === "" || password === required
}

/** Whether the default user needs no password (a new connection starts authenticated). */
export const defaultUserIsNopass = (config: ConfigStore): boolean => (config.get("requirepass") ?? "") === ""
