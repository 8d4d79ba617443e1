/**
 * The topology keys for dynamic routing: `rip:` and `ospf:` on a router, written like FRR's
 * configuration (docs/routing.md). Their JSON Schema (for editors and the loader's first pass),
 * the checks a schema cannot make (router IDs, area IDs, intervals), and the step that starts the
 * processes when the lab is built.
 *
 * ```yaml
 * r1:
 *   kind: router
 *   ospf:
 *     router-id: 1.1.1.1
 *     hello-interval: 10
 *     dead-interval: 40
 *     areas:
 *       0: {interfaces: [eth0, {name: eth1, cost: 20, network: point-to-point}]}
 *   rip: {interfaces: [eth2], passive: [eth3], timers: {update: 30, timeout: 180, garbage: 120}}
 * ```
 */
import type { Node } from "../devices/node.js";
import { Router } from "../devices/router.js";
import { type OspfConfig, type OspfInterfaceConfig, parseAreaId } from "../routing/ospf/config.js";
import { Ospf } from "../routing/ospf/ospf.js";
import { Rip, type RipConfig } from "../routing/rip/rip.js";
import { Ipv4Address } from "../wire/address/ipv4.js";
import { type NodeSpec, TopologyError } from "./model.js";

const seconds = (description: string) =>
  ({ type: "integer", minimum: 1, maximum: 65535, description }) as const;

const ospfInterfaceSchema = {
  oneOf: [
    { type: "string", description: "An interface name" },
    {
      type: "object",
      additionalProperties: false,
      required: ["name"],
      properties: {
        name: { type: "string" },
        cost: { type: "integer", minimum: 1, maximum: 65535, description: "ip ospf cost (default 10)" },
        priority: {
          type: "integer",
          minimum: 0,
          maximum: 255,
          description: "ip ospf priority for DR election (0: never DR)",
        },
        network: { enum: ["broadcast", "point-to-point"], description: "ip ospf network type" },
        passive: { type: "boolean", description: "Advertise the subnet, send no Hellos" },
        "hello-interval": seconds("ip ospf hello-interval"),
        "dead-interval": seconds("ip ospf dead-interval"),
      },
    },
  ],
} as const;

export const ospfSchema = {
  type: "object",
  description: "OSPFv2 (RFC 2328), as FRR's router ospf: router-id, timers and the interfaces of each area",
  additionalProperties: false,
  required: ["areas"],
  properties: {
    "router-id": { type: "string", description: "Dotted quad (default: the highest interface address)" },
    "hello-interval": seconds("Seconds between Hellos (default 10)"),
    "dead-interval": seconds("Seconds of silence before a neighbour is declared down (default 40)"),
    "retransmit-interval": seconds("Seconds before an unacknowledged LSA is sent again (default 5)"),
    distance: {
      type: "integer",
      minimum: 1,
      maximum: 255,
      description: "Administrative distance (default 110)",
    },
    areas: {
      type: "object",
      description: "Areas by ID (0 or 0.0.0.0 is the backbone)",
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        required: ["interfaces"],
        properties: { interfaces: { type: "array", items: ospfInterfaceSchema } },
      },
    },
  },
} as const;

export const ripSchema = {
  type: "object",
  description: "RIPv2 (RFC 2453), as FRR's router rip: the interfaces it runs on",
  additionalProperties: false,
  required: ["interfaces"],
  properties: {
    interfaces: { type: "array", items: { type: "string" }, description: "network IFNAME: RIP runs here" },
    passive: {
      type: "array",
      items: { type: "string" },
      description: "passive-interface: advertised, silent",
    },
    timers: {
      type: "object",
      additionalProperties: false,
      description: "timers basic UPDATE TIMEOUT GARBAGE (seconds; default 30 180 120)",
      properties: { update: seconds("update"), timeout: seconds("timeout"), garbage: seconds("garbage") },
    },
    "split-horizon": {
      enum: ["poisoned-reverse", "simple", "none"],
      description: "Default poisoned-reverse",
    },
    distance: {
      type: "integer",
      minimum: 1,
      maximum: 255,
      description: "Administrative distance (default 120)",
    },
  },
} as const;

export interface RawOspfInterface {
  name: string;
  cost?: number;
  priority?: number;
  network?: "broadcast" | "point-to-point";
  passive?: boolean;
  "hello-interval"?: number;
  "dead-interval"?: number;
}

export interface RawOspf {
  "router-id"?: string;
  "hello-interval"?: number;
  "dead-interval"?: number;
  "retransmit-interval"?: number;
  distance?: number;
  areas: Record<string, { interfaces: (string | RawOspfInterface)[] }>;
}

export interface RawRip {
  interfaces: string[];
  passive?: string[];
  timers?: { update?: number; timeout?: number; garbage?: number };
  "split-horizon"?: "poisoned-reverse" | "simple" | "none";
  distance?: number;
}

type Problem = (message: string, at: (string | number)[]) => void;

/** Checks and converts the `ospf` key. */
export function buildOspfSpec(raw: RawOspf, problem: Problem): OspfConfig | undefined {
  let ok = true;
  if (raw["router-id"] !== undefined && !Ipv4Address.tryParse(raw["router-id"])) {
    problem(`"router-id" of ospf: "${raw["router-id"]}" is not a dotted quad`, ["ospf", "router-id"]);
    ok = false;
  }
  const areas: OspfConfig["areas"] = {};
  const seen = new Set<string>();
  for (const [area, value] of Object.entries(raw.areas ?? {})) {
    if (parseAreaId(area) === undefined) {
      problem(`area "${area}" of ospf is not a number or a dotted quad`, ["ospf", "areas", area]);
      ok = false;
      continue;
    }
    const interfaces: OspfInterfaceConfig[] = [];
    (value.interfaces ?? []).forEach((item, index) => {
      const c = typeof item === "string" ? { name: item } : item;
      if (seen.has(c.name)) {
        problem(`interface ${c.name} is in more than one OSPF area`, [
          "ospf",
          "areas",
          area,
          "interfaces",
          index,
        ]);
        ok = false;
      }
      seen.add(c.name);
      interfaces.push({
        name: c.name,
        ...(c.cost !== undefined ? { cost: c.cost } : {}),
        ...(c.priority !== undefined ? { priority: c.priority } : {}),
        ...(c.network !== undefined ? { network: c.network } : {}),
        ...(c.passive !== undefined ? { passive: c.passive } : {}),
        ...(c["hello-interval"] !== undefined ? { helloInterval: c["hello-interval"] } : {}),
        ...(c["dead-interval"] !== undefined ? { deadInterval: c["dead-interval"] } : {}),
      });
    });
    areas[area] = { interfaces };
  }
  const hello = raw["hello-interval"];
  const dead = raw["dead-interval"];
  if (hello !== undefined && dead !== undefined && dead <= hello) {
    problem(`"dead-interval" (${dead}) of ospf must exceed "hello-interval" (${hello})`, [
      "ospf",
      "dead-interval",
    ]);
    ok = false;
  }
  if (!ok) return undefined;
  return {
    areas,
    ...(raw["router-id"] !== undefined ? { routerId: raw["router-id"] } : {}),
    ...(hello !== undefined ? { helloInterval: hello } : {}),
    ...(dead !== undefined ? { deadInterval: dead } : {}),
    ...(raw["retransmit-interval"] !== undefined ? { retransmitInterval: raw["retransmit-interval"] } : {}),
    ...(raw.distance !== undefined ? { distance: raw.distance } : {}),
  };
}

/** Checks and converts the `rip` key. */
export function buildRipSpec(raw: RawRip, problem: Problem): RipConfig | undefined {
  const t = raw.timers;
  if (t?.update !== undefined && t.timeout !== undefined && t.timeout <= t.update) {
    problem(`rip timers: timeout (${t.timeout}) must exceed update (${t.update})`, ["rip", "timers"]);
    return undefined;
  }
  return {
    interfaces: raw.interfaces ?? [],
    ...(raw.passive !== undefined ? { passive: raw.passive } : {}),
    ...(t !== undefined ? { timers: t } : {}),
    ...(raw["split-horizon"] !== undefined ? { splitHorizon: raw["split-horizon"] } : {}),
    ...(raw.distance !== undefined ? { distance: raw.distance } : {}),
  };
}

/** Starts the node's routing processes (after its addresses, routes and links are in place). */
export function applyRouting(node: Node, spec: NodeSpec): TopologyError[] {
  const errors: TopologyError[] = [];
  if (!spec.rip && !spec.ospf) return errors;
  if (!(node instanceof Router)) {
    errors.push(new TopologyError(`node "${spec.name}": rip and ospf run on routers`, spec.location));
    return errors;
  }
  const start = (what: string, action: () => void) => {
    try {
      action();
    } catch (error) {
      errors.push(
        new TopologyError(`"${what}" of node "${spec.name}": ${(error as Error).message}`, spec.location),
      );
    }
  };
  const { rip, ospf } = spec;
  if (rip) start("rip", () => node.routing.add(new Rip(node, rip)));
  if (ospf) start("ospf", () => node.routing.add(new Ospf(node, ospf)));
  return errors;
}
