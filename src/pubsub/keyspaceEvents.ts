/**
 * The pub/sub messages of one keyspace event (notify.c's notifyKeyspaceEvent): what a listener of
 * `keyspace.onNotify` publishes. A leaf over `keyspace/notify.ts`, so that the pub/sub subsystem and
 * the tests render events the same way.
 */
import { NotifyClass } from "../keyspace/notify.ts"

/** A message to publish: [channel, payload]. */
export type KeyspaceEventMessage = readonly [channel: string, payload: string]

const NONE: ReadonlyArray<KeyspaceEventMessage> = []

/**
 * The messages Redis publishes for an event of class `type` (a NotifyClass bit) named `event` on `key`
 * in database `dbid`, under the notify-keyspace-events `flags`, in its order: first
 * `__keyspace@<db>__:<key>` with the event name as payload (K), then `__keyevent@<db>__:<event>` with
 * the key as payload (E). Nothing when the event's class is not enabled.
 */
export const keyspaceEventMessages = (
  type: number,
  event: string,
  key: string,
  dbid: number,
  flags: number
): ReadonlyArray<KeyspaceEventMessage> => {
  if ((flags & type) === 0) return NONE
  const keyspace = (flags & NotifyClass.keyspace) !== 0
  const keyevent = (flags & NotifyClass.keyevent) !== 0
  if (!keyspace && !keyevent) return NONE
  const out: Array<KeyspaceEventMessage> = []
  if (keyspace) out.push([`__keyspace@${dbid}__:${key}`, event])
  if (keyevent) out.push([`__keyevent@${dbid}__:${event}`, key])
  return out
}
