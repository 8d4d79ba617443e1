/**
 * The JSON Schema of a topology file, in containerlab's shape (`name`, `topology.defaults`,
 * `topology.kinds`, `topology.groups`, `topology.nodes`, `topology.links[].endpoints`) plus our own
 * keys where containerlab has none: interface addresses, gateways, static routes, VLANs, link
 * impairments with units, and the DHCP and DNS services (docs/topology.md). Published by
 * `tinkernet schema` for editor completion.
 */

import { bgpSchema } from "./bgp.js";
import { firewallSchema, natSchema } from "./nat-firewall.js";
import { ospfSchema, ripSchema } from "./routing.js";

const duration = {
  type: "string",
  pattern: "^[0-9]+(\\.[0-9]+)?\\s*(ns|us|µs|ms|s)$",
  description: "A duration with its unit, e.g. 20ms, 1.5s, 250us",
} as const;
const percent = {
  type: ["string", "number"],
  pattern: "^[0-9]+(\\.[0-9]+)?\\s*%$",
  description: "A probability, e.g. 1% (a bare number is a percentage)",
} as const;
const stringOrList = (description: string) =>
  ({
    description,
    oneOf: [{ type: "string" }, { type: "array", items: { type: "string" }, minItems: 1 }],
  }) as const;

export const interfaceSchema = {
  type: "object",
  description: "One network interface of a node",
  additionalProperties: false,
  properties: {
    ipv4: stringOrList("IPv4 address(es) with prefix length, e.g. 10.0.1.10/24"),
    ipv6: stringOrList("IPv6 address(es) with prefix length, e.g. 2001:db8:1::10/64"),
    mac: { type: "string", description: "MAC address, e.g. 02:00:00:00:01:01" },
    mtu: { type: "integer", minimum: 68, maximum: 65535, description: "Interface MTU in bytes" },
    vlan: { type: "integer", minimum: 1, maximum: 4094, description: "Switch port: access VLAN" },
    trunk: {
      type: "array",
      items: { type: "integer", minimum: 1, maximum: 4094 },
      description: "Switch port: 802.1Q trunk carrying these VLANs",
    },
    native: { type: "integer", minimum: 1, maximum: 4094, description: "Switch trunk port: untagged VLAN" },
    dhcp: { type: "boolean", description: "Get this interface's IPv4 address by DHCP instead of ipv4" },
    "ipv6-ra": {
      type: "boolean",
      description:
        "Router interface: send router advertisements for its IPv6 prefixes (RFC 4861), so hosts on the link configure addresses and a default route by themselves (SLAAC, RFC 4862)",
    },
    description: { type: "string" },
  },
} as const;

export const routeSchema = {
  type: "object",
  description: "A static route",
  additionalProperties: false,
  required: ["to"],
  properties: {
    to: { type: "string", description: "Destination prefix, e.g. 10.0.2.0/24 or default" },
    via: { type: "string", description: "Next-hop address" },
    dev: { type: "string", description: "Outgoing interface (for routes without a next hop)" },
    metric: { type: "integer", minimum: 0 },
    distance: {
      type: "integer",
      minimum: 1,
      maximum: 255,
      description: "Administrative distance (default 1)",
    },
  },
} as const;

/** A lease time: seconds, or a number with s, m, h, d or w. */
const leaseTime = {
  type: ["string", "integer"],
  pattern: "^[0-9]+\\s*[smhdw]?$",
  minimum: 1,
  description: "Lease time, e.g. 1d, 12h, 30m or 3600 (seconds)",
} as const;

/** The settings of one DHCP pool (inline in `dhcp-server`, or an item of its `pools`). */
const dhcpPoolProperties = {
  pool: {
    type: "string",
    pattern: "^\\s*[0-9.]+\\s*-\\s*[0-9.]+\\s*$",
    description: "The addresses handed out, first-last, e.g. 192.168.1.100-192.168.1.199",
  },
  interface: {
    type: "string",
    description: "The interface serving the pool's link (default: the one whose subnet holds the pool)",
  },
  subnet: {
    type: "string",
    description: "The pool's subnet, for a subnet reached through a DHCP relay (e.g. 10.1.0.0/24)",
  },
  router: stringOrList("Default gateway(s) given to clients (default: the serving interface's address)"),
  dns: stringOrList("DNS server(s) given to clients (default: the serving interface's address)"),
  domain: { type: "string", description: "Domain name given to clients (option 15), e.g. lab.example" },
  lease: leaseTime,
  static: {
    type: "array",
    description: "Fixed addresses by MAC address",
    items: {
      type: "object",
      additionalProperties: false,
      required: ["mac", "address"],
      properties: {
        mac: { type: "string", description: "The client's MAC address" },
        address: { type: "string", description: "The address it always gets" },
        name: { type: "string", description: "Host name given to it (option 12)" },
      },
    },
  },
} as const;

const dhcpPoolSchema = {
  type: "object",
  additionalProperties: false,
  required: ["pool"],
  properties: dhcpPoolProperties,
} as const;

export const dhcpServerSchema = {
  type: "object",
  description: "Serve DHCP (RFC 2131): one pool inline, or several under pools",
  additionalProperties: false,
  properties: {
    ...dhcpPoolProperties,
    pools: { type: "array", items: dhcpPoolSchema, minItems: 1, description: "Several pools" },
    authoritative: {
      type: "boolean",
      description: "NAK requests for addresses wrong for the network (default true)",
    },
    "ping-check": { type: "boolean", description: "Ping an address before offering it (default true)" },
  },
} as const;

export const dhcpRelaySchema = {
  type: "object",
  description: "Relay DHCP to servers elsewhere (ip helper-address, RFC 1542)",
  additionalProperties: false,
  required: ["servers"],
  properties: {
    servers: stringOrList("The DHCP server(s) to forward to"),
    interfaces: {
      type: "array",
      items: { type: "string" },
      description: "Client-facing interfaces (default: all)",
    },
  },
} as const;

export const dnsZoneSchema = {
  type: "object",
  description: "A zone this node is authoritative for",
  additionalProperties: false,
  required: ["origin"],
  properties: {
    origin: { type: "string", description: "The zone's name, e.g. lab.example or 10.in-addr.arpa" },
    ttl: { type: "integer", minimum: 0, description: "TTL of its records in seconds (default 300)" },
    hosts: {
      type: "boolean",
      description: "Records for the lab's nodes: A for NAME.ORIGIN, PTR in reverse zones (default true)",
    },
    records: {
      type: "array",
      description: "Records in master-file form",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "type", "value"],
        properties: {
          name: { type: "string", description: "Owner: relative to the origin, @ for the origin" },
          type: { type: "string", description: "A, AAAA, CNAME, MX, NS, PTR, SRV, TXT, SOA or TYPEnnn" },
          value: {
            type: ["string", "number"],
            description: 'The data as a zone file writes it, e.g. 198.51.100.80, "10 mail", www',
          },
          ttl: { type: "integer", minimum: 0 },
        },
      },
    },
  },
} as const;

export const dnsServerSchema = {
  type: "object",
  description: "Serve DNS: authoritative zones, and recursion for clients",
  additionalProperties: false,
  properties: {
    zones: { type: "array", items: dnsZoneSchema, description: "Zones this node is authoritative for" },
    recursion: {
      type: "boolean",
      description: "Resolve any name for clients, from the root servers or forwarders (default false)",
    },
    forwarders: stringOrList("Ask these resolvers instead of walking from the root"),
    "root-hints": stringOrList('Root servers to start from (default: the lab\'s servers of the zone ".")'),
    dns64: {
      oneOf: [{ type: "boolean" }, { type: "string" }],
      description:
        "DNS64 (RFC 6147): answer AAAA questions for IPv4-only names with addresses inside the NAT64 prefix (true: 64:ff9b::/96, or a /96 such as 2001:db8:64::/96)",
    },
  },
} as const;

export const nodeKinds = ["host", "server", "router", "nat", "switch"] as const;

/** Properties a node, a kind, a group or the defaults may set. */
const nodeProperties = {
  kind: { type: "string", enum: nodeKinds, description: "What the node is" },
  group: { type: "string", description: "A group in topology.groups whose settings apply" },
  interfaces: {
    type: "object",
    description: "Interfaces by name, e.g. eth0",
    propertyNames: { pattern: "^[A-Za-z][A-Za-z0-9_./-]*$" },
    additionalProperties: interfaceSchema,
  },
  gateway: { type: "string", description: "IPv4 default gateway" },
  gateway6: { type: "string", description: "IPv6 default gateway" },
  ipv6: {
    enum: [true, false, "auto"],
    description:
      "Run IPv6 on every interface (link-local addresses, neighbour discovery, SLAAC from router advertisements); auto: also give each link an IPv6 /64, routers their addresses, advertisements and routes",
  },
  ipv4: {
    type: "boolean",
    description:
      "false: an IPv6-only node (IPv6 on every interface; automatic addressing gives it no IPv4 address and no gateway)",
  },
  routes: { type: "array", items: routeSchema, description: "Static routes" },
  exec: { type: "array", items: { type: "string" }, description: "Shell commands run on the node at start" },
  dhcp: {
    type: "boolean",
    description: "Get the address of every interface without ipv4 by DHCP (and gateway and DNS with it)",
  },
  "dhcp-server": dhcpServerSchema,
  "dhcp-relay": dhcpRelaySchema,
  dns: stringOrList("The node's DNS resolver(s), as resolv.conf's nameserver lines"),
  "dns-search": {
    type: "array",
    items: { type: "string" },
    description: "Domains tried for short names, as resolv.conf's search line",
  },
  "dns-server": dnsServerSchema,
  "dns-zone": dnsZoneSchema,
  nat: natSchema,
  nat64: {
    oneOf: [
      { type: "boolean" },
      {
        type: "object",
        additionalProperties: false,
        properties: {
          prefix: {
            type: "string",
            description: "The /96 IPv4 addresses are written in (default 64:ff9b::/96)",
          },
          pool: {
            type: "string",
            description: "The IPv4 address translated traffic leaves from (default: the outside interface's)",
          },
          outside: {
            type: "string",
            description: "The interface toward the IPv4 network (default: the first with an IPv4 address)",
          },
        },
      },
    ],
    description:
      "Router: stateful NAT64 (RFC 6146), so IPv6-only hosts reach IPv4 addresses written inside the prefix (pair with dns-server dns64)",
  },
  firewall: firewallSchema,
  rip: ripSchema,
  ospf: ospfSchema,
  bgp: bgpSchema,
  labels: { type: "object", additionalProperties: { type: "string" }, description: "Free-form labels" },
  description: { type: "string" },
} as const;

const nodeSettings = {
  type: "object",
  additionalProperties: false,
  properties: nodeProperties,
} as const;

/**
 * The node settings are one definition that defaults, kinds, groups and nodes refer to: Ajv then
 * compiles them once instead of four times (a third of every `tinkernet` command's start-up went
 * into compiling the copies).
 */
const nodeRef = { $ref: "#/definitions/node" } as const;

/** The Linux side of a link to `tap:IFACE` (see docs/tap.md). */
export const tapSchema = {
  type: "object",
  description: "Linux side of a TAP link (one endpoint is tap:IFACE): namespace, address and routes",
  additionalProperties: false,
  properties: {
    netns: {
      type: "string",
      pattern: "^[A-Za-z0-9_.-]+$",
      description: "Network namespace for the TAP interface (created if missing, removed at exit if created)",
    },
    address: stringOrList("Linux-side IPv4 address(es) with prefix length, e.g. 10.99.0.1/24"),
    routes: {
      type: "array",
      items: { type: "string" },
      description: 'Linux-side routes, e.g. "10.0.0.0/8 via 10.99.0.2" (gateway mode)',
    },
    mtu: { type: "integer", minimum: 68, maximum: 65535, description: "TAP interface MTU" },
    mac: { type: "string", description: "Linux-side MAC address" },
    ipv6: { type: "boolean", description: "Keep IPv6 on the Linux side (default false)" },
    forwarding: { type: "boolean", description: "net.ipv4.ip_forward=1 in the namespace" },
  },
} as const;

export const linkSchema = {
  type: "object",
  description: "A point-to-point link between two interfaces, with optional impairments",
  additionalProperties: false,
  required: ["endpoints"],
  properties: {
    endpoints: {
      type: "array",
      items: { type: "string", pattern: "^[^:\\s]+:[^:\\s]+$" },
      minItems: 2,
      maxItems: 2,
      description:
        'Two "node:interface" endpoints, e.g. ["r1:eth1", "r2:eth1"]; "tap:IFACE" is a Linux TAP interface',
    },
    rate: {
      type: "string",
      pattern: "^[0-9]+(\\.[0-9]+)?\\s*([kKmMgGtT]?(bit|bps))$",
      description: "Bandwidth, e.g. 100Mbit, 1Gbit (tc spelling; bps = bytes/s)",
    },
    delay: duration,
    jitter: duration,
    loss: percent,
    duplicate: percent,
    reorder: percent,
    corrupt: percent,
    mtu: { type: "integer", minimum: 68, maximum: 65535, description: "Link MTU in bytes" },
    queue: { type: "integer", minimum: 1, description: "Queue limit in packets (drop-tail)" },
    tap: tapSchema,
    description: { type: "string" },
  },
} as const;

export const topologySchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "tinkernet topology",
  type: "object",
  additionalProperties: false,
  required: ["name", "topology"],
  definitions: { node: nodeSettings },
  properties: {
    name: { type: "string", minLength: 1, description: "The lab's name" },
    description: { type: "string" },
    topology: {
      type: "object",
      additionalProperties: false,
      required: ["nodes"],
      properties: {
        defaults: nodeRef,
        kinds: {
          type: "object",
          propertyNames: { enum: nodeKinds },
          additionalProperties: nodeRef,
          description: "Settings per node kind",
        },
        groups: {
          type: "object",
          additionalProperties: nodeRef,
          description: "Named groups of settings",
        },
        nodes: {
          type: "object",
          propertyNames: { pattern: "^[A-Za-z][A-Za-z0-9_-]*$" },
          additionalProperties: nodeRef,
          description: "The nodes, by name",
        },
        links: { type: "array", items: linkSchema },
      },
    },
  },
} as const;
