/** The Redis version this server reports (INFO redis_version, HELLO, --version): the 7.0 it matches. */
export const REDIS_VERSION = "7.0.15"
/** This implementation's own version. */
export const SERVER_VERSION = "0.1.0"
