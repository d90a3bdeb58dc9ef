/**
 * Error replies shared by commands, worded exactly as Redis 7.0 words them (server.c `createSharedObjects`
 * and the per-command literals). Commands reply with these constants, never with their own copies.
 * Every string here is the error line without the leading '-'.
 */

export const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
export const SYNTAX = "ERR syntax error"
/** Every cluster command (CLUSTER, ASKING, READONLY, READWRITE) of a server without cluster mode. */
export const CLUSTER_DISABLED = "ERR This instance has cluster support disabled"
export const NOT_INTEGER = "ERR value is not an integer or out of range"
export const NOT_FLOAT = "ERR value is not a valid float"
export const NO_SUCH_KEY = "ERR no such key"
export const INDEX_OUT_OF_RANGE = "ERR index out of range"
export const OVERFLOW = "ERR increment or decrement would overflow"
export const NAN_OR_INFINITY = "ERR increment would produce NaN or Infinity"
export const DB_INDEX_OUT_OF_RANGE = "ERR DB index is out of range"
/** shared.err: a bare "-ERR" (SAVE, BGSAVE, DEBUG RELOAD when the save fails). */
export const GENERIC_ERR = "ERR"
/** shared.bgsaveerr: writes refused after a failed background save (stop-writes-on-bgsave-error). */
export const MISCONF_BGSAVE =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
export const STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
export const OFFSET_OUT_OF_RANGE = "ERR offset is out of range"
export const MUST_BE_POSITIVE = "ERR value is out of range, must be positive"
export const TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range"
export const TIMEOUT_NEGATIVE = "ERR timeout is negative"
export const MIN_MAX_NOT_FLOAT = "ERR min or max is not a float"
export const MIN_MAX_NOT_STRING_RANGE = "ERR min or max not valid string range item"
export const NUMKEYS_POSITIVE = "ERR numkeys should be greater than 0"
export const BUSYKEY = "BUSYKEY Target key name already exists."
export const SAME_OBJECT = "ERR source and destination objects are the same"
export const NOAUTH = "NOAUTH Authentication required."
export const WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
export const OOM = "OOM command not allowed when used memory > 'maxmemory'."
export const NOPROTO = "NOPROTO unsupported protocol version"

export const MULTI_NESTED = "ERR MULTI calls can not be nested"
export const EXEC_WITHOUT_MULTI = "ERR EXEC without MULTI"
export const DISCARD_WITHOUT_MULTI = "ERR DISCARD without MULTI"
export const WATCH_IN_MULTI = "ERR WATCH inside MULTI is not allowed"
export const EXECABORT = "EXECABORT Transaction discarded because of previous errors."
export const UNBLOCKED = "UNBLOCKED client unblocked via CLIENT UNBLOCK"
/** MONITOR from a client that expects one reply per command (EXEC's queue, scripts). */
export const MONITOR_DENY_BLOCKING = "ERR MONITOR isn't allowed for DENY BLOCKING client"
export const RESET_NOT_NORMAL = "ERR can only reset normal client connections"

/** Redis replaces CR/LF in formatted errors with spaces so that the reply stays one line. */
export const sanitizeErrorText = (s: string): string => s.replace(/[\r\n]/g, " ")

export const wrongArity = (fullName: string): string =>
  `ERR wrong number of arguments for '${sanitizeErrorText(fullName)}' command`

/** processCommand's reply for an unknown command: the name and the arguments, 128 bytes each at most. */
export const unknownCommand = (argv: ReadonlyArray<string>): string => {
  let args = ""
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${argv[i]!.slice(0, 128 - args.length)}' `
  }
  return sanitizeErrorText(`ERR unknown command '${argv[0]!.slice(0, 128)}', with args beginning with: ${args}`)
}

export const unknownSubcommand = (sub: string, container: string): string =>
  sanitizeErrorText(`ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`)

export const invalidExpireTime = (command: string): string => `ERR invalid expire time in '${command}' command`

export const EXPIRE_NX_INCOMPATIBLE = "ERR NX and XX, GT or LT options at the same time are not compatible"
export const EXPIRE_GT_LT_INCOMPATIBLE = "ERR GT and LT options at the same time are not compatible"
export const OBJECT_IDLETIME_LFU =
  "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
export const OBJECT_FREQ_NOT_LFU =
  "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."

export const HASH_VALUE_NOT_INTEGER = "ERR hash value is not an integer"
export const HASH_VALUE_NOT_FLOAT = "ERR hash value is not a float"
export const NAN_OR_INFINITY_ARG = "ERR value is NaN or Infinity"
export const VALUE_OUT_OF_RANGE = "ERR value is out of range"
export const LIMIT_NEGATIVE = "ERR LIMIT can't be negative"
export const NUMKEYS_GREATER_THAN_ARGS = "ERR Number of keys can't be greater than number of args"
export const RANDOM_COUNT_OUT_OF_RANGE =
  "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"

// Lists (t_list.c)
export const COUNT_POSITIVE = "ERR count should be greater than 0"
export const LPOS_RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
export const LPOS_COUNT_NEGATIVE = "ERR COUNT can't be negative"
export const LPOS_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative"

// Server and introspection commands (networking.c, server.c, debug.c)
/** addReplySubcommandSyntaxError: `sub` and `container` as the client typed them. */
export const subcommandSyntaxError = (sub: string, container: string): string =>
  sanitizeErrorText(
    `ERR unknown subcommand or wrong number of arguments for '${sub.slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`
  )
export const SLOWLOG_COUNT = "ERR count should be greater than or equal to -1"
export const latencyNoSamples = (event: string): string => sanitizeErrorText(`ERR No samples available for event '${event.split("\0")[0]}'`)
export const NO_SUCH_CLIENT = "ERR No such client"
export const INVALID_CLIENT_ID = "ERR Invalid client ID"
export const CLIENT_ID_NOT_POSITIVE = "ERR client-id should be greater than 0"
export const UNBLOCK_REASON = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
export const unknownClientType = (type: string): string => sanitizeErrorText(`ERR Unknown client type '${type}'`)
export const noSuchUser = (user: string): string => sanitizeErrorText(`ERR No such user '${user}'`)
export const unrecognizedOption = (option: string): string => sanitizeErrorText(`ERR Unrecognized option '${option}'`)
export const invalidClientAttribute = (attribute: string): string =>
  sanitizeErrorText(`ERR ${attribute} cannot contain spaces, newlines or special characters.`)
export const INVALID_COMMAND = "ERR Invalid command specified"
export const COMMAND_HAS_NO_KEYS = "ERR The command has no key arguments"
export const INVALID_COMMAND_ARITY = "ERR Invalid number of arguments specified for command"
export const INVALID_COMMAND_ARGUMENTS = "ERR Invalid arguments specified for command"
export const DEBUG_NOT_ALLOWED =
  "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
export const MODULE_NOT_ALLOWED =
  "ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
export const MODULE_LOAD_FAILED = "ERR Error loading the extension. Please check the server logs."
export const MODULE_UNLOAD_NO_SUCH = "ERR Error unloading module: no such module with that name"
export const DEBUG_PROTOCOL_TYPE =
  "ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"
export const RESP2_NOT_SUPPORTED = "ERR RESP2 is not supported by this command"

// Streams (t_stream.c)
export const TIMEOUT_NOT_INTEGER = "ERR timeout is not an integer or out of range"
export const INVALID_STREAM_ID = "ERR Invalid stream ID specified as stream command argument"
export const INVALID_START_ID = "ERR invalid start ID for the interval"
export const INVALID_END_ID = "ERR invalid end ID for the interval"
export const XADD_ID_ZERO = "ERR The ID specified in XADD must be greater than 0-0"
export const XADD_ID_TOO_SMALL = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
export const STREAM_EXHAUSTED = "ERR The stream has exhausted the last possible ID, unable to add more items"
export const STREAM_ELEMENTS_TOO_LARGE = "ERR Elements are too large to be stored"
export const TRIM_STRATEGIES_INCOMPATIBLE =
  "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
export const MAXLEN_NEGATIVE = "ERR The MAXLEN argument must be >= 0."
export const TRIM_LIMIT_NEGATIVE = "ERR The LIMIT argument must be >= 0."
export const LIMIT_WITHOUT_STRATEGY = "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
export const XTRIM_WITHOUT_STRATEGY = "ERR syntax error, XTRIM must be called with a trimming strategy"
export const LIMIT_WITHOUT_APPROX = "ERR syntax error, LIMIT cannot be used without the special ~ option"
export const XSETID_ENTRIES_ADDED_NEGATIVE = "ERR entries_added must be positive"
export const XSETID_BELOW_MAX_DELETED = "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
export const XSETID_BELOW_TOP = "ERR The ID specified in XSETID is smaller than the target stream top item"
export const XSETID_ENTRIES_ADDED_BELOW_LENGTH =
  "ERR The entries_added specified in XSETID is smaller than the target stream length"
export const XREAD_UNBALANCED =
  "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
export const XREAD_GROUP_OPTION = "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."
export const XREAD_NOACK_OPTION = "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
export const XREADGROUP_MISSING_GROUP = "ERR Missing GROUP option for XREADGROUP"
export const XREADGROUP_DOLLAR_ID =
  "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."
export const XREAD_GREATER_ID =
  "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."
export const xreadgroupNoGroup = (key: string, group: string): string =>
  sanitizeErrorText(`NOGROUP No such key '${key}' or consumer group '${group}' in XREADGROUP with GROUP option`)
export const noSuchKeyOrGroup = (key: string, group: string): string =>
  sanitizeErrorText(`NOGROUP No such key '${key}' or consumer group '${group}'`)
export const noSuchGroupForKey = (group: string, key: string): string =>
  sanitizeErrorText(`NOGROUP No such consumer group '${group}' for key name '${key}'`)
export const BLOCKED_STREAM_DELETED = "UNBLOCKED the stream key no longer exists"
export const BLOCKED_GROUP_DESTROYED = "NOGROUP the consumer group this client was blocked on no longer exists"
export const XGROUP_KEY_REQUIRED =
  "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
export const BUSYGROUP = "BUSYGROUP Consumer Group name already exists"
export const ENTRIESREAD_INVALID = "ERR value for ENTRIESREAD must be positive or -1"
export const XCLAIM_MIN_IDLE_INVALID = "ERR Invalid min-idle-time argument for XCLAIM"
export const XCLAIM_IDLE_INVALID = "ERR Invalid IDLE option argument for XCLAIM"
export const XCLAIM_TIME_INVALID = "ERR Invalid TIME option argument for XCLAIM"
export const XCLAIM_RETRYCOUNT_INVALID = "ERR Invalid RETRYCOUNT option argument for XCLAIM"
export const unrecognizedXclaimOption = (option: string): string =>
  sanitizeErrorText(`ERR Unrecognized XCLAIM option '${option}'`)
export const XAUTOCLAIM_MIN_IDLE_INVALID = "ERR Invalid min-idle-time argument for XAUTOCLAIM"
export const XAUTOCLAIM_COUNT_INVALID = "ERR COUNT must be > 0"
export const XAUTOCLAIM_COUNT_TOO_HIGH = "ERR Insufficient memory, failed allocating transient memory, COUNT too high."

// Strings (t_string.c)
export const DECREMENT_OVERFLOW = "ERR decrement would overflow"
export const LCS_NOT_STRINGS = "ERR The specified keys must contain string values"
export const LCS_LEN_AND_IDX = "ERR If you want both the length and indexes, please just use IDX."
export const LCS_TOO_LONG = "ERR String too long for LCS"
export const LCS_EXCEEDS_PROTO_MAX_BULK_LEN =
  "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
export const LCS_ALLOCATION_FAILED = "ERR Insufficient memory, failed allocating transient memory for LCS"

// Bitmaps (bitops.c)
export const BIT_OFFSET_NOT_INTEGER = "ERR bit offset is not an integer or out of range"
export const BIT_NOT_INTEGER = "ERR bit is not an integer or out of range"
export const BIT_ARGUMENT_0_OR_1 = "ERR The bit argument must be 1 or 0."
export const BITOP_NOT_SINGLE_KEY = "ERR BITOP NOT must be called with a single source key."
export const BITFIELD_INVALID_TYPE =
  "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
export const BITFIELD_INVALID_OVERFLOW = "ERR Invalid OVERFLOW type specified"
export const BITFIELD_RO_GET_ONLY = "ERR BITFIELD_RO only supports the GET subcommand"

// HyperLogLog (hyperloglog.c)
export const HLL_INVALID_VALUE = "WRONGTYPE Key is not a valid HyperLogLog string value."
export const HLL_CORRUPTED = "INVALIDOBJ Corrupted HLL object detected"
export const HLL_DEBUG_NO_KEY = "ERR The specified key does not exist"
export const HLL_NOT_SPARSE = "ERR HLL encoding is not sparse"
export const unknownPfdebugSubcommand = (sub: string): string =>
  sanitizeErrorText(`ERR Unknown PFDEBUG subcommand '${sub.split("\0")[0]}'`)

// SORT (sort.c)
export const SORT_SCORE_NOT_DOUBLE = "ERR One or more scores can't be converted into double"

// Sorted sets (t_zset.c)
export const ZADD_XX_AND_NX = "ERR XX and NX options at the same time are not compatible"
export const ZADD_GT_LT_NX = "ERR GT, LT, and/or NX options at the same time are not compatible"
export const ZADD_INCR_SINGLE_PAIR = "ERR INCR option supports a single increment-element pair"
export const ZADD_SCORE_NAN = "ERR resulting score is not a number (NaN)"
export const ZRANGE_LIMIT_NEEDS_BY =
  "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
export const ZRANGE_WITHSCORES_BYLEX = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
export const WEIGHT_NOT_FLOAT = "ERR weight value is not a float"
/** zunionInterDiffGenericCommand with numkeys < 1; `command` is the command's full name, lower case. */
export const atLeastOneInputKey = (command: string): string => `ERR at least 1 input key is needed for '${command}' command`

// Geo (geo.c)
export const GEO_UNSUPPORTED_UNIT = "ERR unsupported unit provided. please use M, KM, FT, MI"
export const GEO_NEED_NUMERIC_RADIUS = "ERR need numeric radius"
export const GEO_RADIUS_NEGATIVE = "ERR radius cannot be negative"
export const GEO_NEED_NUMERIC_WIDTH = "ERR need numeric width"
export const GEO_NEED_NUMERIC_HEIGHT = "ERR need numeric height"
export const GEO_BOX_NEGATIVE = "ERR height or width cannot be negative"
export const GEO_MEMBER_NOT_DECODED = "ERR could not decode requested zset member"
export const GEO_COUNT_NOT_POSITIVE = "ERR COUNT must be > 0"
export const GEO_ANY_NEEDS_COUNT = "ERR the ANY argument requires COUNT argument"
/** `option` is "GEOSEARCHSTORE" or "STORE option in GEORADIUS". */
export const geoStoreIncompatible = (option: string): string =>
  `ERR ${option} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`
/** `command` is argv[0] as the client typed it. */
export const geoNeedsOneFrom = (command: string): string =>
  sanitizeErrorText(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${command}`)
export const geoNeedsOneBy = (command: string): string =>
  sanitizeErrorText(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${command}`)
/** extractLongLatOrReply: the pair printed with %f. */
export const geoInvalidLonLat = (lonLat: string): string => `ERR invalid longitude,latitude pair ${lonLat}`

// --- the check stage (processCommand, scriptCall, execCommand) ---------------------------------------

export const NOT_ALLOWED_IN_MULTI = "ERR Command not allowed inside a transaction"
export const READONLY_REPLICA = "READONLY You can't write against a read only replica."
export const LOADING = "LOADING Redis is loading the dataset in memory"
/** shared.slowevalerr / slowscripterr: a script past busy-reply-threshold holds the server. */
export const BUSY_EVAL = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
export const BUSY_FUNCTION = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
export const NOREPLICAS = "NOREPLICAS Not enough good replicas to write."
export const MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
export const SCRIPT_UNKNOWN_COMMAND = "ERR Unknown Redis command called from script"
export const SCRIPT_WRONG_ARITY = "ERR Wrong number of args calling Redis command from script"
export const SCRIPT_NOSCRIPT = "ERR This Redis command is not allowed from script"
/** A replica's link or a MONITOR client sent a command that reads, writes or may replicate. */
export const REPLICA_KEYSPACE = "ERR Replica can't interact with the keyspace"

/** What an ACL refused: the command, one of the keys, or one of the channels. */
export type AclDenial = "command" | "key" | "channel"

/** The NOPERM error of processCommand. */
export const aclDenied = (denial: AclDenial, fullName: string): string =>
  denial === "command"
    ? `NOPERM this user has no permissions to run the '${fullName}' command`
    : `NOPERM this user has no permissions to access one of the ${denial === "key" ? "keys" : "channels"} used as arguments`

/** scriptCall's ACL error (getAclErrorMessage). */
export const scriptAclDenied = (denial: AclDenial): string =>
  `ERR The user executing the script ${
    denial === "command"
      ? "can't run this command or subcommand"
      : denial === "key"
      ? "can't access at least one of the keys mentioned in the command arguments"
      : "can't publish to the channel mentioned in the command"
  }`

/** execCommand's error for a queued command that ACL rules no longer allow. */
export const execAclDenied = (denial: AclDenial): string =>
  "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. " +
  `This command is no longer allowed for the following reason: ${
    denial === "command"
      ? "no permission to execute the command or subcommand"
      : denial === "key"
      ? "no permission to touch the specified keys"
      : "no permission to access one of the channels used as arguments"
  }`

/** processCommand's rule for a RESP2 client in subscribed mode. */
export const subscribedContext = (fullName: string): string =>
  `ERR Can't execute '${fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`

export const PAUSE_MODE = "ERR CLIENT PAUSE mode must be WRITE or ALL"
export const WAIT_ON_REPLICA =
  "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated."

// Pub/Sub (pubsub.c)
/** SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE from a client that expects one reply per command. */
export const denyBlocking = (verb: string): string => `ERR ${verb} isn't allowed for a DENY BLOCKING client`

// Client-side caching (networking.c CLIENT TRACKING / CACHING, tracking.c)
export const TRACKING_SINGLE_REDIRECT = "ERR A client can only redirect to a single other client"
export const TRACKING_REDIRECT_MISSING = "ERR The client ID you want redirect to does not exist"
export const TRACKING_PREFIX_NEEDS_BCAST = "ERR PREFIX option requires BCAST mode to be enabled"
export const TRACKING_BCAST_SWITCH =
  "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."
export const TRACKING_OPT_BCAST = "ERR OPTIN and OPTOUT are not compatible with BCAST"
export const TRACKING_OPTIN_OPTOUT = "ERR You can't specify both OPTIN mode and OPTOUT mode"
export const TRACKING_OPT_SWITCH =
  "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."
export const trackingPrefixOverlapsExisting = (prefix: string, existing: string): string =>
  sanitizeErrorText(`ERR Prefix '${prefix}' overlaps with an existing prefix '${existing}'. Prefixes for a single client must not overlap.`)
export const trackingPrefixOverlapsGiven = (prefix: string, other: string): string =>
  sanitizeErrorText(`ERR Prefix '${prefix}' overlaps with another provided prefix '${other}'. Prefixes for a single client must not overlap.`)
export const CACHING_NOT_TRACKING =
  "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"
export const CACHING_YES_NEEDS_OPTIN = "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
export const CACHING_NO_NEEDS_OPTOUT = "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."

// --- connection admission (networking.c acceptCommonHandler, clientAcceptHandler) -----------------------

/** A connection past `maxclients`, refused before it becomes a client. */
export const MAX_CLIENTS_REACHED = "ERR max number of clients reached"
/** A non-loopback connection while protected mode holds (protected-mode yes, default user without password). */
export const PROTECTED_MODE_DENIED =
  "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. " +
  "In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you " +
  "may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the " +
  "loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible " +
  "from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode " +
  "by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you " +
  "started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication " +
  "password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting " +
  "connections from the outside."
