/** How a client describes itself: CLIENT LIST/INFO lines, its type, and the log lines that name it. */
import type { Client, RuntimeCommand } from "./Client.ts"

/** Client types as CLIENT LIST TYPE and CLIENT KILL TYPE name them (getClientTypeByName). */
export type ClientType = "normal" | "master" | "replica" | "pubsub"

/** getClientType: the master's link, a replica, a subscriber, or a normal client (MONITOR clients too). */
export const clientType = (client: Client): ClientType =>
  client.kind === "master"
    ? "master"
    : client.replicaMode === "replica"
    ? "replica"
    : client.subscriptions > 0
    ? "pubsub"
    : "normal"


/** The flags= letters of CLIENT LIST, in Redis 7.0's order; N when none applies. */
const clientFlags = (client: Client): string => {
  let flags = ""
  if (client.replicaMode !== undefined) flags += client.replicaMode === "monitor" ? "O" : "S"
  if (client.kind === "master") flags += "M"
  if (client.subscriptions > 0) flags += "P"
  if (client.multi !== undefined) flags += "x"
  if (client.blocked !== undefined) flags += "b"
  if (client.tracking !== undefined) {
    flags += "t"
    if (client.tracking.brokenRedirect) flags += "R"
    if (client.tracking.bcast) flags += "B"
  }
  if (client.dirtyCas) flags += "d"
  if (client.closeAfterReply) flags += "c"
  if (client.unixSocket) flags += "U"
  if (client.noEvict) flags += "e"
  return flags === "" ? "N" : flags
}

const argvBytes = (argv: ReadonlyArray<string>): number => {
  let n = 0
  for (const arg of argv) n += arg.length
  return n
}

/**
 * One line of CLIENT LIST / CLIENT INFO (catClientInfoString), with Redis 7.0's fields in its order.
 * `current` is the command the client is running, reported like Redis's c->lastcmd set before
 * execution.
 */
export const clientInfoString = (
  client: Client,
  now: number,
  current: { readonly command: RuntimeCommand; readonly argv: ReadonlyArray<string> } | undefined
): string => {
  const qbuf = client.parser.pending
  const argvMem = current === undefined ? 0 : argvBytes(current.argv)
  let multiMem = 0
  if (client.multi !== undefined) for (const queued of client.multi) multiMem += argvBytes(queued.argv)
  const pending = client.reply.length
  const rbs = client.reply.capacity
  // Redis's static reply buffer holds 16 KB (obl); the rest is its reply list (oll nodes of 16 KB, omem)
  const used = client.output.used
  const obl = Math.min(used, 16 * 1024)
  const omem = used - obl
  const totMem = rbs + qbuf + argvMem + multiMem + omem
  return `id=${client.id} addr=${client.addr} laddr=${client.laddr} fd=${client.fd} name=${client.name}` +
    ` age=${Math.floor((now - client.createdAt) / 1000)} idle=${Math.floor((now - client.lastInteraction) / 1000)}` +
    ` flags=${clientFlags(client)} db=${client.db.id} sub=${client.subscribedChannels} psub=${client.subscribedPatterns} ssub=${client.subscribedShardChannels}` +
    ` multi=${client.multi === undefined ? -1 : client.multi.length} qbuf=${qbuf} qbuf-free=0` +
    ` argv-mem=${argvMem} multi-mem=${multiMem} rbs=${rbs} rbp=${pending} obl=${obl} oll=${Math.ceil(omem / (16 * 1024))}` +
    ` omem=${omem} tot-mem=${totMem} events=${used > 0 ? "rw" : "r"}` +
    ` cmd=${current === undefined ? client.lastCommand : current.command.fullName}` +
    ` user=${client.user.name} redir=${client.tracking === undefined ? -1 : client.tracking.redirect} resp=${client.resp}`
}
