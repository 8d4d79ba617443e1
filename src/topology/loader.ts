/**
 * Loads a topology file: YAML → schema validation (Ajv) → semantic checks → a merged model.
 * Every problem is reported with file, line and column, what was expected and what was found;
 * loading never throws on bad input.
 */

import { Ajv, type ErrorObject } from "ajv";
import { LineCounter, parseDocument } from "yaml";
import { Zone } from "../apps/dns/zone.js";
import { nat64Prefix } from "../net/nat64.js";
import type { BgpConfig } from "../routing/bgp/config.js";
import { Ipv4Address, Ipv4Prefix } from "../wire/address/ipv4.js";
import { type IpAddress, Ipv6Address, Ipv6Prefix } from "../wire/address/ipv6.js";
import { MacAddress } from "../wire/address/mac.js";
import { canonicalDnsName, dnsTypeFromName } from "../wire/dns.js";
import { type PathSegment, SourceMap, splitPointer } from "./locate.js";
import type {
  DhcpPoolSpec,
  DnsRecordSpec,
  DnsZoneSpec,
  EndpointSpec,
  ImpairmentSpec,
  InterfaceSpec,
  LinkSpec,
  NodeKind,
  NodeSpec,
  RouteSpec,
  TapLinkSpec,
  TopologySpec,
} from "./model.js";
import { isRouterKind, TopologyError } from "./model.js";
import {
  buildFirewallSpec,
  buildNatSpec,
  interfacesNamed,
  type RawFirewall,
  type RawNat,
} from "./nat-firewall.js";
import { buildOspfSpec, buildRipSpec, type RawOspf, type RawRip } from "./routing.js";
import { topologySchema } from "./schema.js";
import { didYouMean } from "./suggest.js";
import { parseTapRoute, TAP_NODE, tapNameProblem } from "./tap.js";

export interface LoadResult {
  /** The model, present only when there are no errors. */
  topology?: TopologySpec;
  errors: TopologyError[];
}

// The raw shapes after schema validation.
interface RawInterface {
  dhcp?: boolean;
  "ipv6-ra"?: boolean;
  ipv4?: string | string[];
  ipv6?: string | string[];
  mac?: string;
  mtu?: number;
  vlan?: number;
  trunk?: number[];
  native?: number;
}
interface RawRoute {
  to: string;
  via?: string;
  dev?: string;
  metric?: number;
  distance?: number;
}
interface RawDhcpPool {
  pool?: string;
  interface?: string;
  subnet?: string;
  router?: string | string[];
  dns?: string | string[];
  domain?: string;
  lease?: string | number;
  static?: { mac: string; address: string; name?: string }[];
}
interface RawDhcpServer extends RawDhcpPool {
  pools?: RawDhcpPool[];
  authoritative?: boolean;
  "ping-check"?: boolean;
}
interface RawDnsZone {
  origin: string;
  ttl?: number;
  hosts?: boolean;
  records?: { name: string; type: string; value: string | number; ttl?: number }[];
}
interface RawNode {
  kind?: NodeKind;
  group?: string;
  interfaces?: Record<string, RawInterface>;
  gateway?: string;
  gateway6?: string;
  ipv6?: boolean | "auto";
  ipv4?: boolean;
  routes?: RawRoute[];
  exec?: string[];
  labels?: Record<string, string>;
  dhcp?: boolean;
  "dhcp-server"?: RawDhcpServer;
  "dhcp-relay"?: { servers: string | string[]; interfaces?: string[] };
  dns?: string | string[];
  "dns-search"?: string[];
  "dns-server"?: {
    zones?: RawDnsZone[];
    recursion?: boolean;
    forwarders?: string | string[];
    "root-hints"?: string | string[];
    dns64?: boolean | string;
  };
  "dns-zone"?: RawDnsZone;
  nat?: RawNat;
  nat64?: boolean | { prefix?: string; pool?: string; outside?: string };
  firewall?: RawFirewall;
  rip?: RawRip;
  ospf?: RawOspf;
  bgp?: BgpConfig;
}
interface RawTap {
  netns?: string;
  address?: string | string[];
  routes?: string[];
  mtu?: number;
  mac?: string;
  ipv6?: boolean;
  forwarding?: boolean;
}
interface RawLink extends ImpairmentSpec {
  endpoints: [string, string];
  tap?: RawTap;
}
interface RawTopology {
  name: string;
  topology: {
    defaults?: RawNode;
    kinds?: Partial<Record<NodeKind, RawNode>>;
    groups?: Record<string, RawNode>;
    nodes: Record<string, RawNode>;
    links?: RawLink[];
  };
}

let validator: ReturnType<Ajv["compile"]> | undefined;
function validate(data: unknown): ErrorObject[] {
  // inlineRefs off: the node settings (#/definitions/node) compile to one function, not four copies.
  validator ??= new Ajv({ allErrors: true, verbose: true, strict: false, inlineRefs: false }).compile(
    topologySchema,
  );
  return validator(data) ? [] : [...(validator.errors ?? [])];
}

/** Parses and validates topology text. `file` names it in error messages. */
export function loadTopology(text: string, file = "topology.yml"): LoadResult {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const sourceMap = new SourceMap(document, lines, file);
  const errors: TopologyError[] = [];
  for (const error of document.errors) {
    const message = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    errors.push(new TopologyError(`YAML syntax error: ${message}`, sourceMap.at(error.pos[0])));
  }
  if (errors.length > 0) return { errors };
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    return { errors: [new TopologyError(`YAML error: ${(error as Error).message}`, sourceMap.at(0))] };
  }
  if (data === null || data === undefined) {
    return {
      errors: [
        new TopologyError(
          "the file is empty: expected a mapping with `name` and `topology`",
          sourceMap.at(0),
        ),
      ],
    };
  }
  errors.push(...schemaErrors(validate(data), sourceMap));
  if (errors.length > 0) return { errors: sortErrors(errors) };
  const checker = new SemanticChecker(data as RawTopology, sourceMap);
  const topology = checker.build();
  return checker.errors.length > 0 ? { errors: sortErrors(checker.errors) } : { topology, errors: [] };
}

function sortErrors(errors: TopologyError[]): TopologyError[] {
  return errors.sort((a, b) => a.location.line - b.location.line || a.location.column - b.location.column);
}

/** "interface "eth0" of node "h1"" — where a path points, in words. */
export function describePath(path: PathSegment[]): string {
  const [top, section, name, sub, subName, leaf, leafName] = path;
  if (top !== "topology") return path.length === 0 ? "the top level" : `"${path.join(".")}"`;
  if (section === undefined) return "topology";
  if (section === "links") {
    const link = typeof name === "number" ? `link #${name + 1}` : "links";
    return sub === undefined ? link : `"${sub}" of ${link}`;
  }
  const owner =
    section === "nodes"
      ? `node "${name}"`
      : section === "kinds"
        ? `kind "${name}"`
        : section === "groups"
          ? `group "${name}"`
          : section === "defaults"
            ? "defaults"
            : `topology.${section}`;
  const base = section === "defaults" ? 1 : 2;
  const rest = path.slice(base + 1);
  if (section === "defaults") return rest.length === 0 ? owner : describeInNode(owner, path.slice(2));
  if (name === undefined) return `topology.${section}`;
  return describeInNode(
    owner,
    [sub, subName, leaf, leafName].filter((s) => s !== undefined) as PathSegment[],
  );
}

function describeInNode(owner: string, rest: PathSegment[]): string {
  const [field, key, inner] = rest;
  if (field === undefined) return owner;
  if (field === "interfaces" && key !== undefined) {
    return inner === undefined
      ? `interface "${key}" of ${owner}`
      : `"${inner}" of interface "${key}" of ${owner}`;
  }
  if (field === "routes" && typeof key === "number") {
    return inner === undefined
      ? `route #${key + 1} of ${owner}`
      : `"${inner}" of route #${key + 1} of ${owner}`;
  }
  return `"${field}" of ${owner}`;
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

function found(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Turns Ajv's errors into located, learner-readable messages. */
function schemaErrors(errors: ErrorObject[], sourceMap: SourceMap): TopologyError[] {
  // A `oneOf` failure explains itself; drop the per-branch errors at the same place.
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === "oneOf").map((e) => e.instancePath));
  const result: TopologyError[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword !== "oneOf" && oneOfPaths.has(error.instancePath)) continue;
    if (error.keyword === "if") continue;
    const path = splitPointer(error.instancePath);
    const where = describePath(path);
    const schema = error.parentSchema as
      | { description?: string; properties?: Record<string, unknown> }
      | undefined;
    let message: string;
    let location = sourceMap.value(path);
    switch (error.keyword) {
      case "additionalProperties": {
        const key = (error.params as { additionalProperty: string }).additionalProperty;
        const known = Object.keys(schema?.properties ?? {});
        message = `unknown key "${key}" in ${where}${didYouMean(key, known)}; expected one of: ${known.join(", ")}`;
        location = sourceMap.key(path, key);
        break;
      }
      case "required": {
        const key = (error.params as { missingProperty: string }).missingProperty;
        message = `missing key "${key}" in ${where}`;
        break;
      }
      case "propertyNames": {
        const key = (error.params as { propertyName: string }).propertyName;
        const sub = (schema as { propertyNames?: { enum?: string[]; pattern?: string } } | undefined)
          ?.propertyNames;
        message = sub?.enum
          ? `unknown name "${key}" in ${where}${didYouMean(key, sub.enum)}; expected one of: ${sub.enum.join(", ")}`
          : `invalid name "${key}" in ${where}: expected letters, digits, "-" or "_", starting with a letter`;
        location = sourceMap.key(path, key);
        break;
      }
      case "type":
        message = `${where}: expected ${(error.params as { type: string }).type}, found ${found(error.data)}`;
        break;
      case "enum": {
        const allowed = (error.params as { allowedValues: string[] }).allowedValues;
        message = `${where}: expected one of ${allowed.join(", ")}, found ${found(error.data)}${didYouMean(String(error.data), allowed)}`;
        break;
      }
      case "oneOf":
        message = `${where}: expected ${schema?.description ? `${schema.description}: ` : ""}a string or a list of strings, found ${found(error.data)}`;
        break;
      case "pattern":
        message = `${where}: expected ${lowerFirst(schema?.description ?? `text matching ${error.schema}`)}, found ${found(error.data)}`;
        break;
      case "minItems":
      case "maxItems":
        message =
          path.at(-1) === "endpoints"
            ? `${where}: expected exactly 2 endpoints, found ${(error.data as unknown[]).length}`
            : `${where}: ${error.message}, found ${found(error.data)}`;
        break;
      case "minimum":
      case "maximum":
        message = `${where}: ${error.message}, found ${found(error.data)}`;
        break;
      default:
        message = `${where}: ${error.message ?? "invalid"}, found ${found(error.data)}`;
    }
    const text = `${location.line}:${location.column}:${message}`;
    if (seen.has(text)) continue;
    seen.add(text);
    result.push(new TopologyError(message, location));
  }
  return result;
}

/** "1d", "12h", "30m", "45s", "2w" or a number of seconds; undefined when malformed or zero. */
export function parseLeaseTime(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value > 0 ? value : undefined;
  const match = /^\s*([0-9]+)\s*([smhdw]?)\s*$/.exec(value);
  if (!match) return undefined;
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[match[2]] ?? 1;
  const seconds = Number(match[1]) * unit;
  return seconds > 0 && seconds <= 0xffffffff ? seconds : undefined;
}

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Merges defaults → kind → group → node, then checks what a schema cannot. */
class SemanticChecker {
  readonly errors: TopologyError[] = [];

  constructor(
    private readonly raw: RawTopology,
    private readonly sourceMap: SourceMap,
  ) {}

  private error(message: string, path: PathSegment[]): void {
    this.errors.push(new TopologyError(message, this.sourceMap.value(path)));
  }

  build(): TopologySpec {
    const nodes = new Map<string, NodeSpec>();
    for (const name of Object.keys(this.raw.topology.nodes)) {
      const node = this.buildNode(name);
      if (node) nodes.set(name, node);
    }
    if (this.raw.topology.nodes[TAP_NODE] !== undefined) {
      this.errors.push(
        new TopologyError(
          `node "${TAP_NODE}": the name is reserved for TAP endpoints ("${TAP_NODE}:IFACE" in a link joins Linux)`,
          this.sourceMap.key(["topology", "nodes"], TAP_NODE),
        ),
      );
    }
    const taps: TapLinkSpec[] = [];
    const links = this.buildLinks(nodes, taps);
    this.checkDuplicateAddresses(nodes);
    this.checkFeatureInterfaces(nodes, links);
    return { name: this.raw.name, file: this.sourceMap.file, nodes, links, taps };
  }

  private buildNode(name: string): NodeSpec | undefined {
    const { defaults = {}, kinds = {}, groups = {}, nodes } = this.raw.topology;
    const own = nodes[name] ?? {};
    const path: PathSegment[] = ["topology", "nodes", name];
    let group: RawNode = {};
    const groupName = own.group ?? defaults.group;
    if (groupName !== undefined) {
      if (groups[groupName] === undefined) {
        this.error(
          `node "${name}": unknown group "${groupName}"${didYouMean(groupName, Object.keys(groups))}`,
          [...path, "group"],
        );
      } else group = groups[groupName];
    }
    const kind = own.kind ?? group.kind ?? defaults.kind;
    if (kind === undefined) {
      this.error(
        `node "${name}" has no kind: set "kind" (host, server, router, nat or switch) on it or in topology.defaults`,
        path,
      );
      return undefined;
    }
    const layers = [defaults, kinds[kind] ?? {}, group, own];
    const merged: RawNode = {};
    const interfaces: Record<string, RawInterface> = {};
    for (const layer of layers) {
      Object.assign(merged, layer);
      for (const [ifName, settings] of Object.entries(layer.interfaces ?? {})) {
        interfaces[ifName] = { ...interfaces[ifName], ...settings };
      }
    }
    const spec: NodeSpec = {
      name,
      kind,
      interfaces: new Map(),
      routes: [],
      exec: merged.exec ?? [],
      labels: Object.assign({}, ...layers.map((l) => l.labels ?? {})),
      location: this.sourceMap.key(["topology", "nodes"], name),
    };
    for (const [ifName, settings] of Object.entries(interfaces)) {
      spec.interfaces.set(
        ifName,
        this.buildInterface(spec, ifName, settings, [...path, "interfaces", ifName]),
      );
    }
    if (merged.gateway !== undefined) {
      spec.gateway = Ipv4Address.tryParse(merged.gateway);
      if (!spec.gateway)
        this.error(`"gateway" of node "${name}": expected an IPv4 address, found "${merged.gateway}"`, [
          ...path,
          "gateway",
        ]);
    }
    if (merged.gateway6 !== undefined) {
      spec.gateway6 = Ipv6Address.tryParse(merged.gateway6);
      if (!spec.gateway6)
        this.error(`"gateway6" of node "${name}": expected an IPv6 address, found "${merged.gateway6}"`, [
          ...path,
          "gateway6",
        ]);
    }
    // (A switch has no IP stack: `ipv6` from the defaults or its kind does not apply to it.)
    // `ipv6: false` stays: it keeps a node out of automatic IPv6 addressing (`auto` in the defaults).
    if (merged.ipv6 !== undefined && kind !== "switch") spec.ipv6 = merged.ipv6;
    if (merged.ipv4 === false && kind !== "switch") {
      // An IPv6-only node: IPv6 on every interface, and no IPv4 address anywhere.
      spec.ipv4 = false;
      const at = [...path, "ipv4"];
      if (spec.ipv6 === false)
        this.error(`node "${name}" has "ipv4: false" and "ipv6: false": it needs one of them`, at);
      spec.ipv6 ||= true;
      if (spec.gateway) this.error(`node "${name}" has "ipv4: false": drop its IPv4 "gateway"`, at);
      if (merged.dhcp)
        this.error(`node "${name}" has "ipv4: false": drop "dhcp" (DHCP gives IPv4 addresses)`, at);
      for (const iface of spec.interfaces.values()) {
        if (iface.ipv4.length > 0 || iface.dhcp)
          this.error(
            `node "${name}" has "ipv4: false", but its interface "${iface.name}" has IPv4 (ipv4 or dhcp)`,
            at,
          );
      }
    }
    (merged.routes ?? []).forEach((route, index) => {
      const parsed = this.buildRoute(name, route, [...path, "routes", index]);
      if (parsed) spec.routes.push(parsed);
    });
    this.buildServices(spec, merged, path);
    this.buildFeatures(spec, merged, path);
    this.buildRouting(spec, merged, path);
    return spec;
  }

  /** The `rip` and `ospf` keys (src/topology/routing.ts). */
  private buildRouting(spec: NodeSpec, merged: RawNode, path: PathSegment[]): void {
    if (merged.rip === undefined && merged.ospf === undefined) return;
    const problem = (message: string, at: (string | number)[]) =>
      this.error(`node "${spec.name}": ${message}`, [...path, ...at]);
    if (!isRouterKind(spec.kind)) {
      problem(`rip and ospf run on routers, but "${spec.name}" is a ${spec.kind}`, [
        merged.ospf ? "ospf" : "rip",
      ]);
      return;
    }
    if (merged.rip !== undefined) {
      const rip = buildRipSpec(merged.rip, problem);
      if (rip) spec.rip = rip;
    }
    if (merged.ospf !== undefined) {
      const ospf = buildOspfSpec(merged.ospf, problem);
      if (ospf) spec.ospf = ospf;
    }
  }

  /** The `nat` and `firewall` keys (src/topology/nat-firewall.ts). */
  private buildFeatures(spec: NodeSpec, merged: RawNode, path: PathSegment[]): void {
    const name = spec.name;
    const problem = (message: string, at: (string | number)[]) =>
      this.error(`node "${name}": ${message}`, [...path, ...at]);
    if (spec.kind === "nat" || merged.nat !== undefined) {
      if (!isRouterKind(spec.kind)) {
        this.error(
          `"nat" of node "${name}": NAT needs a node that forwards (kind router or nat), but "${name}" is a ${spec.kind}`,
          [...path, "nat"],
        );
      } else {
        const nat = buildNatSpec(
          merged.nat ?? {},
          this.sourceMap.value([...path, ...(merged.nat ? ["nat"] : [])]),
          problem,
        );
        if (nat) spec.nat = nat;
      }
    }
    if (merged.nat64 !== undefined && merged.nat64 !== false) {
      const at = [...path, "nat64"];
      const raw = merged.nat64 === true ? {} : merged.nat64;
      if (!isRouterKind(spec.kind)) {
        this.error(`"nat64" of node "${name}": NAT64 runs on routers, but "${name}" is a ${spec.kind}`, at);
      } else {
        try {
          nat64Prefix(raw.prefix);
          if (raw.pool !== undefined && !Ipv4Address.tryParse(raw.pool)) {
            throw new RangeError(`pool: expected an IPv4 address, found "${raw.pool}"`);
          }
          spec.nat64 = raw;
        } catch (error) {
          this.error(`"nat64" of node "${name}": ${(error as Error).message}`, at);
        }
      }
    }
    if (merged.bgp !== undefined) {
      if (spec.kind !== "router" && spec.kind !== "nat") {
        this.error(`"bgp" of node "${name}": BGP runs on routers, but "${name}" is a ${spec.kind}`, [
          ...path,
          "bgp",
        ]);
      } else {
        spec.bgp = merged.bgp;
      }
    }
    if (merged.firewall !== undefined) {
      if (spec.kind === "switch") {
        this.error(
          `"firewall" of node "${name}": a switch does not filter IP; put the firewall on a router or host`,
          [...path, "firewall"],
        );
      } else {
        const firewall = buildFirewallSpec(
          merged.firewall,
          this.sourceMap.value([...path, "firewall"]),
          problem,
        );
        if (firewall) spec.firewall = firewall;
      }
    }
  }

  /** NAT and firewall settings must name interfaces the node has (declared or linked). */
  private checkFeatureInterfaces(nodes: Map<string, NodeSpec>, links: LinkSpec[]): void {
    for (const node of nodes.values()) {
      if (!node.nat && !node.firewall) continue;
      const known = new Set(node.interfaces.keys());
      for (const link of links) {
        if (link.a.node === node.name) known.add(link.a.iface);
        if (link.b.node === node.name) known.add(link.b.iface);
      }
      for (const { name, path } of interfacesNamed(node)) {
        if (known.has(name)) continue;
        const zones = node.firewall?.zones ? Object.keys(node.firewall.zones) : [];
        this.error(
          `node "${node.name}": no interface or zone "${name}"${didYouMean(name, [...known, ...zones])} (interfaces: ${[...known].join(", ") || "none"})`,
          ["topology", "nodes", node.name, ...path],
        );
      }
    }
  }

  private buildInterface(
    node: NodeSpec,
    name: string,
    raw: RawInterface,
    path: PathSegment[],
  ): InterfaceSpec {
    const where = `interface "${name}" of node "${node.name}"`;
    const spec: InterfaceSpec = {
      name,
      ipv4: [],
      ipv6: [],
      mac: raw.mac,
      mtu: raw.mtu,
      vlan: raw.vlan,
      trunk: raw.trunk,
      native: raw.native,
      ...(raw.dhcp ? { dhcp: true } : {}),
      ...(raw["ipv6-ra"] ? { ipv6Ra: true } : {}),
    };
    if (raw["ipv6-ra"] && node.kind !== "router" && node.kind !== "nat") {
      this.error(
        `"ipv6-ra" of ${where}: router advertisements come from routers, but "${node.name}" is a ${node.kind}`,
        [...path, "ipv6-ra"],
      );
    }
    asList(raw.ipv4).forEach((text, index) => {
      const prefix = Ipv4Prefix.tryParse(text);
      const at = Array.isArray(raw.ipv4) ? [...path, "ipv4", index] : [...path, "ipv4"];
      if (!prefix || !text.includes("/")) {
        this.error(
          `"ipv4" of ${where}: expected an IPv4 address with prefix length such as 10.0.1.10/24, found "${text}"`,
          at,
        );
      } else if (
        prefix.length < 31 &&
        (prefix.address.equals(prefix.network) || prefix.address.equals(prefix.broadcast))
      ) {
        const which = prefix.address.equals(prefix.network) ? "network" : "broadcast";
        this.error(
          `"ipv4" of ${where}: ${text} is the ${which} address of ${prefix.networkPrefix}, not a host address (hosts: ${prefix.firstHost}-${prefix.lastHost})`,
          at,
        );
      } else spec.ipv4.push(prefix);
    });
    asList(raw.ipv6).forEach((text, index) => {
      const prefix = Ipv6Prefix.tryParse(text);
      const at = Array.isArray(raw.ipv6) ? [...path, "ipv6", index] : [...path, "ipv6"];
      if (!prefix || !text.includes("/")) {
        this.error(
          `"ipv6" of ${where}: expected an IPv6 address with prefix length such as 2001:db8:1::10/64, found "${text}"`,
          at,
        );
      } else spec.ipv6.push(prefix);
    });
    if (raw.mac !== undefined && !MacAddress.tryParse(raw.mac)) {
      this.error(`"mac" of ${where}: expected a MAC address such as 02:00:00:00:01:01, found "${raw.mac}"`, [
        ...path,
        "mac",
      ]);
    }
    if (raw.dhcp && asList(raw.ipv4).length > 0) {
      this.error(`${where}: an address comes from "ipv4" or from "dhcp: true", not both`, [...path, "dhcp"]);
    }
    if (raw.dhcp && node.kind === "switch") {
      this.error(`"dhcp" of ${where}: a switch port has no address to get`, [...path, "dhcp"]);
    }
    const switchOnly = (["vlan", "trunk", "native"] as const).filter((k) => raw[k] !== undefined);
    if (node.kind !== "switch" && switchOnly.length > 0) {
      this.error(
        `"${switchOnly[0]}" of ${where}: VLAN port settings belong on switch ports, but "${node.name}" is a ${node.kind}`,
        [...path, switchOnly[0]],
      );
    }
    if (raw.vlan !== undefined && raw.trunk !== undefined) {
      this.error(`${where}: a port is either an access port ("vlan") or a trunk ("trunk"), not both`, [
        ...path,
        "trunk",
      ]);
    }
    if (raw.native !== undefined && raw.trunk === undefined) {
      this.error(`"native" of ${where}: a native VLAN needs a trunk port ("trunk: [...]")`, [
        ...path,
        "native",
      ]);
    }
    return spec;
  }

  /** The DHCP and DNS keys of a node (docs/topology.md): checked, with located errors. */
  private buildServices(spec: NodeSpec, merged: RawNode, path: PathSegment[]): void {
    const node = spec.name;
    const addresses = (value: string | string[] | undefined, at: PathSegment[], key: string) => {
      const list: Ipv4Address[] = [];
      asList(value).forEach((text, index) => {
        const address = Ipv4Address.tryParse(text);
        if (address) list.push(address);
        else
          this.error(
            `"${key}" of node "${node}": expected an IPv4 address such as 192.0.2.53, found "${text}"`,
            [...at, ...(Array.isArray(value) ? [index] : [])],
          );
      });
      return list;
    };
    if (merged.dhcp) {
      if (spec.kind === "switch") {
        this.error(`"dhcp" of node "${node}": a switch has no address to get`, [...path, "dhcp"]);
      } else {
        spec.dhcp = true;
        if (spec.gateway && !isRouterKind(spec.kind)) {
          this.error(
            `node "${node}" gets its default gateway by DHCP: drop "gateway", or give the interface an address instead of "dhcp"`,
            [...path, "gateway"],
          );
        }
      }
    }
    const server = merged["dhcp-server"];
    if (server) {
      const at = [...path, "dhcp-server"];
      if (spec.kind === "switch")
        this.error(`"dhcp-server" of node "${node}": a switch cannot serve DHCP`, at);
      const raws: [RawDhcpPool, PathSegment[]][] = [];
      if (server.pool !== undefined) raws.push([server, at]);
      for (const [i, pool] of (server.pools ?? []).entries()) raws.push([pool, [...at, "pools", i]]);
      if (raws.length === 0)
        this.error(`"dhcp-server" of node "${node}": give "pool" (first-last) or "pools"`, at);
      const pools = raws.flatMap(([raw, where]) => {
        const pool = this.buildDhcpPool(node, raw, where, addresses);
        return pool ? [pool] : [];
      });
      spec.dhcpServer = {
        pools,
        ...(server.authoritative !== undefined ? { authoritative: server.authoritative } : {}),
        ...(server["ping-check"] !== undefined ? { pingCheck: server["ping-check"] } : {}),
      };
    }
    const relay = merged["dhcp-relay"];
    if (relay) {
      const at = [...path, "dhcp-relay"];
      if (!isRouterKind(spec.kind))
        this.error(`"dhcp-relay" of node "${node}": relay agents run on routers`, at);
      spec.dhcpRelay = {
        servers: addresses(relay.servers, [...at, "servers"], "servers"),
        ...(relay.interfaces ? { interfaces: relay.interfaces } : {}),
      };
    }
    if (merged.dns !== undefined || merged["dns-search"] !== undefined) {
      const search: string[] = [];
      (merged["dns-search"] ?? []).forEach((domain, i) => {
        const canonical = canonicalDnsName(domain);
        if (canonical === undefined || canonical === ".")
          this.error(`"dns-search" of node "${node}": "${domain}" is not a domain name`, [
            ...path,
            "dns-search",
            i,
          ]);
        else search.push(canonical);
      });
      const servers: IpAddress[] = [];
      asList(merged.dns).forEach((text, index) => {
        const address = Ipv4Address.tryParse(text) ?? Ipv6Address.tryParse(text);
        if (address) servers.push(address);
        else
          this.error(
            `"dns" of node "${node}": expected an IPv4 or IPv6 address such as 192.0.2.53 or 2001:db8::53, found "${text}"`,
            [...path, "dns", ...(Array.isArray(merged.dns) ? [index] : [])],
          );
      });
      spec.resolver = { servers, search };
    }
    const dnsServer = merged["dns-server"];
    const dnsZone = merged["dns-zone"];
    if (dnsServer || dnsZone) {
      if (spec.kind === "switch") this.error(`node "${node}": a switch cannot serve DNS`, path);
      const zones: DnsZoneSpec[] = [];
      (dnsServer?.zones ?? []).forEach((zone, i) => {
        const built = this.buildZone(node, zone, [...path, "dns-server", "zones", i]);
        if (built) zones.push(built);
      });
      if (dnsZone) {
        const built = this.buildZone(node, dnsZone, [...path, "dns-zone"]);
        if (built) zones.push(built);
      }
      spec.dnsServer = {
        zones,
        recursion: dnsServer?.recursion ?? false,
        forwarders: addresses(dnsServer?.forwarders, [...path, "dns-server", "forwarders"], "forwarders"),
        rootHints: addresses(dnsServer?.["root-hints"], [...path, "dns-server", "root-hints"], "root-hints"),
      };
      const dns64 = dnsServer?.dns64;
      if (dns64 !== undefined && dns64 !== false) {
        try {
          spec.dnsServer.dns64 = nat64Prefix(dns64 === true ? undefined : dns64).toString();
        } catch (error) {
          this.error(`"dns64" of node "${node}": ${(error as Error).message}`, [
            ...path,
            "dns-server",
            "dns64",
          ]);
        }
      }
    }
  }

  private buildDhcpPool(
    node: string,
    raw: RawDhcpPool,
    at: PathSegment[],
    addresses: (value: string | string[] | undefined, at: PathSegment[], key: string) => Ipv4Address[],
  ): DhcpPoolSpec | undefined {
    const where = `"pool" of node "${node}"`;
    const [firstText, lastText] = (raw.pool ?? "").split("-").map((t) => t.trim());
    const first = Ipv4Address.tryParse(firstText ?? "");
    const last = Ipv4Address.tryParse(lastText ?? "");
    if (!first || !last) {
      this.error(`${where}: expected first-last such as 192.168.1.100-192.168.1.199, found "${raw.pool}"`, [
        ...at,
        "pool",
      ]);
      return undefined;
    }
    if (last.value < first.value) {
      this.error(`${where}: ${last} comes before ${first}; write the lower address first`, [...at, "pool"]);
      return undefined;
    }
    let subnet: Ipv4Prefix | undefined;
    if (raw.subnet !== undefined) {
      const parsed = Ipv4Prefix.tryParse(raw.subnet);
      if (!parsed || !raw.subnet.includes("/")) {
        this.error(
          `"subnet" of node "${node}": expected a prefix such as 10.1.0.0/24, found "${raw.subnet}"`,
          [...at, "subnet"],
        );
      } else {
        subnet = parsed.networkPrefix;
        if (!subnet.contains(first) || !subnet.contains(last))
          this.error(`${where}: ${raw.pool} is not inside the subnet ${subnet}`, [...at, "pool"]);
      }
    }
    let leaseTime = 86400;
    if (raw.lease !== undefined) {
      const seconds = parseLeaseTime(raw.lease);
      if (seconds === undefined)
        this.error(
          `"lease" of node "${node}": expected a time such as 1d, 12h, 30m or 3600, found "${raw.lease}"`,
          [...at, "lease"],
        );
      else leaseTime = seconds;
    }
    const statics: DhcpPoolSpec["static"] = [];
    (raw.static ?? []).forEach((entry, i) => {
      const address = Ipv4Address.tryParse(entry.address);
      if (!MacAddress.tryParse(entry.mac))
        this.error(
          `"static" of node "${node}": expected a MAC address such as 02:00:00:00:01:01, found "${entry.mac}"`,
          [...at, "static", i, "mac"],
        );
      if (!address)
        this.error(`"static" of node "${node}": expected an IPv4 address, found "${entry.address}"`, [
          ...at,
          "static",
          i,
          "address",
        ]);
      else
        statics.push({ mac: entry.mac, address, ...(entry.name !== undefined ? { name: entry.name } : {}) });
    });
    return {
      first,
      last,
      ...(raw.interface !== undefined ? { interface: raw.interface } : {}),
      ...(subnet ? { subnet } : {}),
      ...(raw.router !== undefined ? { router: addresses(raw.router, [...at, "router"], "router") } : {}),
      ...(raw.dns !== undefined ? { dns: addresses(raw.dns, [...at, "dns"], "dns") } : {}),
      ...(raw.domain !== undefined ? { domain: raw.domain } : {}),
      leaseTime,
      static: statics,
    };
  }

  /** A zone, each record checked by the DNS module's own master-file parser. */
  private buildZone(node: string, raw: RawDnsZone, at: PathSegment[]): DnsZoneSpec | undefined {
    const origin = canonicalDnsName(raw.origin);
    if (origin === undefined) {
      this.error(`"origin" of node "${node}": "${raw.origin}" is not a domain name`, [...at, "origin"]);
      return undefined;
    }
    const zone = new Zone({ origin, ...(raw.ttl !== undefined ? { ttl: raw.ttl } : {}) });
    const records: DnsRecordSpec[] = [];
    (raw.records ?? []).forEach((record, i) => {
      const value = String(record.value);
      try {
        zone.addText({
          name: record.name,
          type: record.type,
          value,
          ...(record.ttl !== undefined ? { ttl: record.ttl } : {}),
        });
        records.push({
          name: record.name,
          type: record.type,
          value,
          ...(record.ttl !== undefined ? { ttl: record.ttl } : {}),
        });
      } catch (error) {
        const known = dnsTypeFromName(record.type) !== undefined;
        this.error(
          `record #${i + 1} of zone ${origin} on node "${node}": ${known ? (error as Error).message : `unknown type "${record.type}" (A, AAAA, CNAME, MX, NS, PTR, SRV, TXT, SOA or TYPEnnn)`}`,
          [...at, "records", i, known ? "value" : "type"],
        );
      }
    });
    return { origin, ...(raw.ttl !== undefined ? { ttl: raw.ttl } : {}), hosts: raw.hosts ?? true, records };
  }

  private buildRoute(node: string, raw: RawRoute, path: PathSegment[]): RouteSpec | undefined {
    const where = `route #${Number(path.at(-1)) + 1} of node "${node}"`;
    const toText = raw.to === "default" ? "0.0.0.0/0" : raw.to === "default6" ? "::/0" : raw.to;
    const to = Ipv4Prefix.tryParse(toText) ?? Ipv6Prefix.tryParse(toText);
    if (!to || !toText.includes("/")) {
      this.error(`"to" of ${where}: expected a prefix such as 10.0.2.0/24 or "default", found "${raw.to}"`, [
        ...path,
        "to",
      ]);
      return undefined;
    }
    if (to.toString() !== to.networkPrefix.toString()) {
      this.error(`"to" of ${where}: ${raw.to} has host bits set; did you mean ${to.networkPrefix}?`, [
        ...path,
        "to",
      ]);
      return undefined;
    }
    let via: Ipv4Address | Ipv6Address | undefined;
    if (raw.via !== undefined) {
      via = to instanceof Ipv4Prefix ? Ipv4Address.tryParse(raw.via) : Ipv6Address.tryParse(raw.via);
      if (!via) {
        const family = to instanceof Ipv4Prefix ? "IPv4" : "IPv6";
        this.error(`"via" of ${where}: expected an ${family} next-hop address, found "${raw.via}"`, [
          ...path,
          "via",
        ]);
        return undefined;
      }
    } else if (raw.dev === undefined) {
      this.error(`${where}: a route needs "via" (a next hop) or "dev" (an interface)`, path);
      return undefined;
    }
    return { to: to.networkPrefix, via, dev: raw.dev, metric: raw.metric, distance: raw.distance };
  }

  private checkDuplicateAddresses(nodes: Map<string, NodeSpec>): void {
    const owners = new Map<string, string>();
    for (const node of nodes.values()) {
      for (const iface of node.interfaces.values()) {
        for (const prefix of [...iface.ipv4, ...iface.ipv6]) {
          const key = prefix.address.toString();
          const owner = `${node.name}:${iface.name}`;
          const previous = owners.get(key);
          if (previous !== undefined) {
            const family = prefix instanceof Ipv4Prefix ? "ipv4" : "ipv6";
            this.error(`duplicate address ${key}: already used by ${previous}`, [
              "topology",
              "nodes",
              node.name,
              "interfaces",
              iface.name,
              family,
            ]);
          } else owners.set(key, owner);
        }
      }
    }
  }

  private buildLinks(nodes: Map<string, NodeSpec>, taps: TapLinkSpec[]): LinkSpec[] {
    const links: LinkSpec[] = [];
    const used = new Map<string, number>();
    (this.raw.topology.links ?? []).forEach((raw, index) => {
      const path: PathSegment[] = ["topology", "links", index];
      const tapSides = raw.endpoints.map((text) => text.split(":")[0] === TAP_NODE);
      if (tapSides[0] || tapSides[1]) {
        const tap = this.buildTapLink(raw, index, tapSides[0] ? 0 : 1, nodes, used, taps);
        if (tap) taps.push(tap);
        return;
      }
      if (raw.tap !== undefined) {
        this.error(
          `"tap" of link #${index + 1}: only a link with a "${TAP_NODE}:IFACE" endpoint has a Linux side`,
          [...path, "tap"],
        );
      }
      const endpoints: EndpointSpec[] = [];
      raw.endpoints.forEach((text, side) => {
        const at = [...path, "endpoints", side];
        const [node, iface] = text.split(":");
        if (!nodes.has(node) && this.raw.topology.nodes[node] === undefined) {
          this.error(
            `link #${index + 1}: endpoint "${text}" names node "${node}", which is not in topology.nodes${didYouMean(node, nodes.keys())}`,
            at,
          );
          return;
        }
        const previous = used.get(text);
        if (previous !== undefined) {
          this.error(
            `link #${index + 1}: interface "${text}" is already used by link #${previous + 1}; an interface joins one link`,
            at,
          );
          return;
        }
        used.set(text, index);
        endpoints.push({ node, iface });
      });
      if (
        endpoints.length === 2 &&
        endpoints[0].node === endpoints[1].node &&
        endpoints[0].iface === endpoints[1].iface
      ) {
        this.error(`link #${index + 1}: both endpoints are the same interface`, [...path, "endpoints"]);
        return;
      }
      if (endpoints.length !== 2) return;
      const { endpoints: _, tap: __, ...impairments } = raw;
      links.push({ a: endpoints[0], b: endpoints[1], impairments, location: this.sourceMap.value(path) });
    });
    return links;
  }

  /**
   * A link with a `tap:IFACE` endpoint: the other endpoint is an emulated interface, the `tap` key
   * the Linux side. An emulated interface without an address gets the first free one of the Linux
   * side's subnet (10.99.0.1/24 on Linux → 10.99.0.2/24), so the two can talk at once.
   */
  private buildTapLink(
    raw: RawLink,
    index: number,
    tapSide: number,
    nodes: Map<string, NodeSpec>,
    used: Map<string, number>,
    taps: TapLinkSpec[],
  ): TapLinkSpec | undefined {
    const path: PathSegment[] = ["topology", "links", index];
    const link = `link #${index + 1}`;
    const otherSide = 1 - tapSide;
    const [otherNode, otherIface] = raw.endpoints[otherSide].split(":");
    if (otherNode === TAP_NODE) {
      this.error(
        `${link}: both endpoints are TAP interfaces; a TAP link joins an emulated interface to Linux`,
        [...path, "endpoints"],
      );
      return undefined;
    }
    const name = raw.endpoints[tapSide].split(":")[1];
    const nameProblem = tapNameProblem(name);
    if (nameProblem) {
      this.error(`${link}: TAP interface ${nameProblem}`, [...path, "endpoints", tapSide]);
      return undefined;
    }
    const twice = taps.find((tap) => tap.name === name && tap.netns === raw.tap?.netns);
    if (twice) {
      this.error(`${link}: TAP interface "${name}" is already used by another link`, [
        ...path,
        "endpoints",
        tapSide,
      ]);
      return undefined;
    }
    const node = nodes.get(otherNode);
    if (!node) {
      if (this.raw.topology.nodes[otherNode] === undefined) {
        this.error(
          `${link}: endpoint "${raw.endpoints[otherSide]}" names node "${otherNode}", which is not in topology.nodes${didYouMean(otherNode, nodes.keys())}`,
          [...path, "endpoints", otherSide],
        );
      }
      return undefined;
    }
    const previous = used.get(raw.endpoints[otherSide]);
    if (previous !== undefined) {
      this.error(
        `${link}: interface "${raw.endpoints[otherSide]}" is already used by link #${previous + 1}; an interface joins one link`,
        [...path, "endpoints", otherSide],
      );
      return undefined;
    }
    used.set(raw.endpoints[otherSide], index);

    const settings = raw.tap ?? {};
    const addresses: Ipv4Prefix[] = [];
    asList(settings.address).forEach((text, i) => {
      const prefix = Ipv4Prefix.tryParse(text);
      const at = Array.isArray(settings.address)
        ? [...path, "tap", "address", i]
        : [...path, "tap", "address"];
      if (!prefix || !text.includes("/")) {
        this.error(
          `"address" of ${link}'s TAP: expected an IPv4 address with prefix length such as 10.99.0.1/24, found "${text}"`,
          at,
        );
      } else addresses.push(prefix);
    });
    const routes: string[] = [];
    (settings.routes ?? []).forEach((text, i) => {
      const route = parseTapRoute(text);
      if (typeof route === "string")
        this.error(`"routes" of ${link}'s TAP: ${route}`, [...path, "tap", "routes", i]);
      else routes.push(route.text);
    });
    if (settings.mac !== undefined && !MacAddress.tryParse(settings.mac)) {
      this.error(
        `"mac" of ${link}'s TAP: expected a MAC address such as 02:00:00:00:00:01, found "${settings.mac}"`,
        [...path, "tap", "mac"],
      );
    }

    let iface = node.interfaces.get(otherIface);
    if (!iface) {
      iface = { name: otherIface, ipv4: [], ipv6: [] };
      node.interfaces.set(otherIface, iface);
    }
    const linux = addresses[0];
    if (linux && node.kind !== "switch") {
      if (iface.ipv4.length === 0) {
        const taken = new Set(addresses.map((a) => a.address.value));
        for (let value = linux.network.value + 1; value < linux.broadcast.value; value++) {
          if (!taken.has(value)) {
            iface.ipv4.push(Ipv4Prefix.parse(`${new Ipv4Address(value)}/${linux.length}`));
            break;
          }
        }
      } else if (!iface.ipv4.some((own) => own.networkPrefix.equals(linux.networkPrefix))) {
        this.error(
          `${link}: interface "${raw.endpoints[otherSide]}" (${iface.ipv4.join(", ")}) and the Linux side (${linux}) are not on one subnet`,
          [...path, "tap", "address"],
        );
      }
    }
    const { endpoints: _, tap: __, ...impairments } = raw;
    const spec: TapLinkSpec = {
      endpoint: { node: otherNode, iface: otherIface },
      name,
      addresses,
      routes,
      impairments,
      location: this.sourceMap.value(path),
    };
    if (settings.netns !== undefined) spec.netns = settings.netns;
    if (settings.mtu !== undefined) spec.mtu = settings.mtu;
    if (settings.mac !== undefined) spec.mac = settings.mac;
    if (settings.ipv6 !== undefined) spec.ipv6 = settings.ipv6;
    if (settings.forwarding !== undefined) spec.forwarding = settings.forwarding;
    return spec;
  }
}
