/**
 * CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO (networking.c clientCommand): the commands of
 * client-side caching; the mechanism is src/server/Tracking.ts.
 */
import { TrackingState } from "../server/Tracking.ts"
import { intArg, isOption } from "./args.ts"
import { defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"

const group = "connection"

export const trackingSubcommands = [
  defineCommand({
    name: "tracking",
    arity: -3,
    flags: "noscript loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    docs: {
      summary: "Enable or disable server assisted client side caching support",
      since: "6.0.0",
      group,
      complexity: "O(1). Some options may introduce additional complexity."
    },
    handler: (ctx, argv) => {
      let redirect = 0
      const options = { bcast: false, optin: false, optout: false, noloop: false }
      const prefixes: Array<string> = []
      for (let j = 3; j < argv.length; j++) {
        const option = argv[j]!
        const more = j < argv.length - 1
        if (isOption(option, "redirect") && more) {
          j++
          if (redirect !== 0) return ctx.reply.error(Errors.TRACKING_SINGLE_REDIRECT)
          const id = intArg(ctx.reply, argv[j]!)
          if (id === undefined) return
          // the client must exist now, though it may go away later
          if (ctx.engine.clients.get(id) === undefined) return ctx.reply.error(Errors.TRACKING_REDIRECT_MISSING)
          redirect = id
        } else if (isOption(option, "bcast")) options.bcast = true
        else if (isOption(option, "optin")) options.optin = true
        else if (isOption(option, "optout")) options.optout = true
        else if (isOption(option, "noloop")) options.noloop = true
        else if (isOption(option, "prefix") && more) prefixes.push(argv[++j]!)
        else return ctx.reply.error(Errors.SYNTAX)
      }
      const client = ctx.client
      const tracking = ctx.engine.tracking
      const mode = argv[2]!
      if (isOption(mode, "on")) {
        if (!options.bcast && prefixes.length > 0) return ctx.reply.error(Errors.TRACKING_PREFIX_NEEDS_BCAST)
        const current = client.tracking
        if (current !== undefined && current.bcast !== options.bcast) return ctx.reply.error(Errors.TRACKING_BCAST_SWITCH)
        if (options.bcast && (options.optin || options.optout)) return ctx.reply.error(Errors.TRACKING_OPT_BCAST)
        if (options.optin && options.optout) return ctx.reply.error(Errors.TRACKING_OPTIN_OPTOUT)
        if (current !== undefined && ((options.optin && current.optout) || (options.optout && current.optin))) {
          return ctx.reply.error(Errors.TRACKING_OPT_SWITCH)
        }
        if (options.bcast) {
          for (let i = 0; i < prefixes.length; i++) {
            const prefix = prefixes[i]!
            for (const existing of current?.prefixes ?? []) {
              if (TrackingState.overlaps(existing, prefix)) return ctx.reply.error(Errors.trackingPrefixOverlapsExisting(prefix, existing))
            }
            for (let k = i + 1; k < prefixes.length; k++) {
              if (TrackingState.overlaps(prefix, prefixes[k]!)) return ctx.reply.error(Errors.trackingPrefixOverlapsGiven(prefix, prefixes[k]!))
            }
          }
        }
        tracking.enable(client, redirect, options, prefixes)
      } else if (isOption(mode, "off")) {
        tracking.disable(client)
      } else {
        return ctx.reply.error(Errors.SYNTAX)
      }
      ctx.reply.ok()
    }
  }),
  defineCommand({
    name: "caching",
    arity: 3,
    flags: "noscript loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    docs: { summary: "Instruct the server about tracking or not keys in the next request", since: "6.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const state = ctx.client.tracking
      if (state === undefined) return ctx.reply.error(Errors.CACHING_NOT_TRACKING)
      const option = argv[2]!
      if (isOption(option, "yes")) {
        if (!state.optin) return ctx.reply.error(Errors.CACHING_YES_NEEDS_OPTIN)
      } else if (isOption(option, "no")) {
        if (!state.optout) return ctx.reply.error(Errors.CACHING_NO_NEEDS_OPTOUT)
      } else {
        return ctx.reply.error(Errors.SYNTAX)
      }
      state.caching = true
      ctx.reply.ok()
    }
  }),
  defineCommand({
    name: "getredir",
    arity: 2,
    flags: "noscript loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    docs: { summary: "Get tracking notifications redirection client ID if any", since: "6.0.0", group, complexity: "O(1)" },
    handler: (ctx) => ctx.reply.integer(ctx.client.tracking?.redirect ?? -1)
  }),
  defineCommand({
    name: "trackinginfo",
    arity: 2,
    flags: "noscript loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    docs: {
      summary: "Return information about server assisted client side caching for the current connection",
      since: "6.2.0",
      group,
      complexity: "O(1)"
    },
    handler: (ctx) => {
      const state = ctx.client.tracking
      const r = ctx.reply
      const flags: Array<string> = [state === undefined ? "off" : "on"]
      if (state !== undefined) {
        if (state.bcast) flags.push("bcast")
        if (state.optin) {
          flags.push("optin")
          if (state.caching) flags.push("caching-yes")
        }
        if (state.optout) {
          flags.push("optout")
          if (state.caching) flags.push("caching-no")
        }
        if (state.noloop) flags.push("noloop")
        if (state.brokenRedirect) flags.push("broken_redirect")
      }
      r.mapHeader(3)
      r.bulk("flags")
      r.setHeader(flags.length)
      for (const flag of flags) r.bulk(flag)
      r.bulk("redirect")
      r.integer(state?.redirect ?? -1)
      r.bulk("prefixes")
      r.arrayHeader(state?.prefixes.length ?? 0)
      for (const prefix of state?.prefixes ?? []) r.bulk(prefix)
    }
  })
]
