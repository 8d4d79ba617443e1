/**
 * The topology file's `bgp:` key on a router, in the words of FRR's `router bgp`:
 *
 * ```yaml
 * bgp:
 *   asn: 65001
 *   router-id: 1.1.1.1
 *   neighbors:
 *     - {address: 10.99.0.1, remote-as: 65002, route-map-out: TO-ISP}
 *   networks: [10.98.0.0/24]
 *   prefix-lists: {MINE: [{action: permit, prefix: 10.98.0.0/16, le: 24}]}
 *   route-maps: {TO-ISP: [{seq: 10, action: permit, match: {prefix-list: MINE}, set: {as-path-prepend: 65001 65001}}]}
 * ```
 *
 * The schema checks the shape; the speaker (src/routing/bgp) checks the meaning (addresses,
 * prefixes, that route maps name existing prefix lists) when the lab is built.
 */
import type { Router } from "../devices/router.js";
import type { BgpConfig } from "../routing/bgp/config.js";
import { Bgp } from "../routing/bgp/speaker.js";

const asn = {
  type: "integer",
  minimum: 1,
  maximum: 4294967295,
  description: "An AS number (1-4294967295)",
} as const;
const timers = {
  type: "object",
  additionalProperties: false,
  description: "Session timers in seconds (FRR: timers bgp KEEPALIVE HOLD)",
  properties: {
    keepalive: { type: "integer", minimum: 1, maximum: 65535 },
    hold: { type: "integer", minimum: 0, maximum: 65535 },
    "connect-retry": { type: "integer", minimum: 1, maximum: 65535 },
  },
} as const;

const prefixListEntry = {
  type: "object",
  additionalProperties: false,
  required: ["action", "prefix"],
  properties: {
    seq: { type: "integer", minimum: 1 },
    action: { enum: ["permit", "deny"] },
    prefix: { type: "string", description: "A prefix such as 10.0.0.0/8, or any" },
    ge: { type: "integer", minimum: 0, maximum: 32 },
    le: { type: "integer", minimum: 0, maximum: 32 },
  },
} as const;

const routeMapEntry = {
  type: "object",
  additionalProperties: false,
  required: ["action"],
  properties: {
    seq: { type: "integer", minimum: 1 },
    action: { enum: ["permit", "deny"] },
    match: {
      type: "object",
      additionalProperties: false,
      properties: {
        "prefix-list": { type: "string" },
        community: { type: "string", description: "A community such as 65001:100 or no-export" },
      },
    },
    set: {
      type: "object",
      additionalProperties: false,
      properties: {
        "local-preference": { type: "integer", minimum: 0, maximum: 4294967295 },
        metric: { type: "integer", minimum: 0, maximum: 4294967295, description: "MULTI_EXIT_DISC" },
        community: { type: "string", description: "Communities, e.g. 65001:100 65001:200 [additive]" },
        "as-path-prepend": { type: ["string", "integer"], description: "ASes to prepend, e.g. 65001 65001" },
        weight: { type: "integer", minimum: 0, maximum: 65535 },
      },
    },
  },
} as const;

export const bgpSchema = {
  type: "object",
  additionalProperties: false,
  required: ["asn", "router-id"],
  description: "Router: a BGP-4 speaker (RFC 4271), configured as FRR's router bgp",
  properties: {
    asn,
    "router-id": { type: "string", description: "The BGP Identifier, an IPv4 address" },
    "cluster-id": { type: "string", description: "Route reflector cluster ID (default: the router ID)" },
    timers,
    networks: {
      type: "array",
      items: { type: "string" },
      description: "Prefixes to originate (when in the RIB)",
    },
    neighbors: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["address", "remote-as"],
        properties: {
          address: { type: "string" },
          "remote-as": asn,
          description: { type: "string" },
          "route-reflector-client": { type: "boolean" },
          "next-hop-self": { type: "boolean" },
          "route-map-in": { type: "string" },
          "route-map-out": { type: "string" },
          "prefix-list-in": { type: "string" },
          "prefix-list-out": { type: "string" },
          passive: { type: "boolean" },
          weight: { type: "integer", minimum: 0, maximum: 65535 },
          shutdown: { type: "boolean" },
          timers,
        },
      },
    },
    "prefix-lists": { type: "object", additionalProperties: { type: "array", items: prefixListEntry } },
    "route-maps": { type: "object", additionalProperties: { type: "array", items: routeMapEntry } },
  },
} as const;

/** Starts the router's BGP speaker (throws with the configuration's mistake). */
export function applyBgp(router: Router, config: BgpConfig): Bgp {
  return router.routing.add(new Bgp(router, config));
}
