/**
 * Automatic addressing, so a simple lab works with no addressing or routing configuration:
 * - every broadcast domain (a link, or switches and their ports per VLAN) whose interfaces lack
 *   IPv4 addresses gets a subnet: a /30 from 10.255.0.0/16 between exactly two routers (the
 *   point-to-point habit), otherwise a /24 from 10.0.0.0/8 (10.0.1.0/24, 10.0.2.0/24, ...), never
 *   overlapping an address the file gives; routers get the low host addresses (.1, .2, ...),
 *   hosts and servers start at .10;
 * - a domain where some interfaces have addresses fills the others from the same subnet;
 * - a domain whose hosts are all IPv6-only (`ipv4: false`, a mobile network) gets no IPv4 subnet;
 * - hosts without a gateway use the first router on their LAN;
 * - routers without configured routes get static routes to every subnet they are not attached to,
 *   along shortest paths (hop count) over the router graph — the answer a routing protocol would
 *   reach, computed once.
 * With `ipv6: auto` on a node, the same for IPv6 on the domains it is part of: each gets a /64
 * from the documentation prefix 2001:db8::/32 (2001:db8:N::/64 beside 10.0.N.0/24, 2001:db8:ff:N::/64
 * for a router-to-router link, 2001:db8:100::/64 upward otherwise), routers take ::1, ::2, ... and advertise the prefix where hosts
 * are (`ipv6-ra`), hosts and servers configure themselves from those advertisements (SLAAC, with
 * the default route), and routers get IPv6 routes along the same shortest paths.
 * The file's own settings always win; what was added is listed in `notes`.
 */

import { nat64Prefix } from "../net/nat64.js";
import { Ipv4Address, Ipv4Prefix } from "../wire/address/ipv4.js";
import { Ipv6Address, Ipv6Prefix } from "../wire/address/ipv6.js";
import {
  type EndpointSpec,
  type InterfaceSpec,
  isRouterKind,
  type NodeSpec,
  type TopologySpec,
  usesDhcp,
} from "./model.js";
import { natConfigOf } from "./nat-firewall.js";

/** An interface in a broadcast domain. */
interface Member {
  node: NodeSpec;
  iface: InterfaceSpec;
}

/** A broadcast domain with its subnet once known. */
interface Segment {
  members: Member[];
  subnet?: Ipv4Prefix;
}

export interface AddressingResult {
  topology: TopologySpec;
  /** One line per automatic decision, e.g. `h1:eth0 10.0.1.10/24 (auto)`. */
  notes: string[];
}

const isL3 = (node: NodeSpec) => node.kind !== "switch";

/** Union-find over string keys. */
class Domains {
  private parent = new Map<string, string>();
  find(key: string): string {
    let root = this.parent.get(key) ?? key;
    if (root !== key) {
      root = this.find(root);
      this.parent.set(key, root);
    }
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

function interfaceOf(topology: TopologySpec, endpoint: EndpointSpec): InterfaceSpec {
  const node = topology.nodes.get(endpoint.node)!;
  let iface = node.interfaces.get(endpoint.iface);
  if (!iface) {
    iface = { name: endpoint.iface, ipv4: [], ipv6: [] };
    node.interfaces.set(endpoint.iface, iface);
  }
  return iface;
}

/** The VLANs a switch port carries (access: one; trunk: its list and native; default VLAN 1). */
function portVlans(iface: InterfaceSpec): number[] {
  if (iface.trunk)
    return [...new Set([...(iface.native !== undefined ? [iface.native] : []), ...iface.trunk])];
  return [iface.vlan ?? 1];
}

/** Groups L3 interfaces into broadcast domains. Keys: `node:iface` for L3, `switch/vlan` for switches. */
function findSegments(topology: TopologySpec): Segment[] {
  const domains = new Domains();
  const l3Keys: string[] = [];
  for (const link of topology.links) {
    const ends = [link.a, link.b].map((endpoint) => ({
      endpoint,
      node: topology.nodes.get(endpoint.node)!,
      iface: interfaceOf(topology, endpoint),
    }));
    const keysFor = (end: (typeof ends)[number]): Map<number | "l3", string> => {
      if (isL3(end.node)) return new Map([["l3", `${end.node.name}:${end.iface.name}`]]);
      return new Map(portVlans(end.iface).map((vlan) => [vlan, `${end.node.name}/${vlan}`]));
    };
    const [left, right] = ends.map(keysFor);
    for (const end of ends) if (isL3(end.node)) l3Keys.push(`${end.node.name}:${end.iface.name}`);
    if (left.has("l3") || right.has("l3")) {
      // An L3 interface joins the far end's native/untagged domain.
      const far = left.has("l3") ? right : left;
      const near = left.has("l3") ? left.get("l3")! : right.get("l3")!;
      const farEnd = left.has("l3") ? ends[1] : ends[0];
      const farKey =
        far.get("l3") ?? far.get(farEnd.iface.trunk ? (farEnd.iface.native ?? -1) : (farEnd.iface.vlan ?? 1));
      if (farKey) domains.union(near, farKey);
    } else {
      // Switch to switch: each VLAN carried on both ports joins across.
      for (const [vlan, key] of left) {
        const other = right.get(vlan);
        if (other) domains.union(key, other);
      }
    }
  }
  const segments = new Map<string, Segment>();
  for (const key of l3Keys) {
    const root = domains.find(key);
    const [nodeName, ifName] = key.split(":");
    const node = topology.nodes.get(nodeName)!;
    let segment = segments.get(root);
    if (!segment) {
      segment = { members: [] };
      segments.set(root, segment);
    }
    segment.members.push({ node, iface: node.interfaces.get(ifName)! });
  }
  return [...segments.values()];
}

/**
 * A segment with no address yet whose router serves DHCP there without naming a subnet: the subnet
 * is the /24 (or wider) around the pool, so the server's interface and the pool agree.
 */
function dhcpPoolSubnet(segment: Segment, used: Ipv4Prefix[]): Ipv4Prefix | undefined {
  if (!segment.members.some((m) => usesDhcp(m.node, m.iface))) return undefined;
  for (const member of segment.members) {
    const pools = member.node.dhcpServer?.pools ?? [];
    const pool =
      pools.find((p) => p.interface === member.iface.name) ??
      (pools.length === 1 && !pools[0].subnet && pools[0].interface === undefined ? pools[0] : undefined);
    if (!pool) continue;
    for (let length = 24; length >= 8; length--) {
      const candidate = new Ipv4Prefix(pool.first, length).networkPrefix;
      if (candidate.contains(pool.last)) {
        used.push(candidate);
        return candidate;
      }
    }
  }
  return undefined;
}

/** Hands out subnets that overlap nothing already in use. */
class SubnetPool {
  private next: number;
  constructor(
    private readonly base: Ipv4Prefix,
    private readonly length: number,
    private readonly used: Ipv4Prefix[],
    skipFirst: boolean,
  ) {
    this.next = base.network.value + (skipFirst ? 2 ** (32 - length) : 0);
  }
  take(): Ipv4Prefix | undefined {
    const step = 2 ** (32 - this.length);
    while (this.base.contains(new Ipv4Address(this.next))) {
      const candidate = new Ipv4Prefix(new Ipv4Address(this.next), this.length);
      this.next += step;
      if (!this.used.some((u) => u.networkPrefix.covers(candidate) || candidate.covers(u.networkPrefix))) {
        this.used.push(candidate);
        return candidate;
      }
    }
    return undefined;
  }
}

export function assignAddresses(topology: TopologySpec): AddressingResult {
  const notes: string[] = [];
  const segments = findSegments(topology);
  const used: Ipv4Prefix[] = [];
  for (const node of topology.nodes.values())
    for (const iface of node.interfaces.values()) used.push(...iface.ipv4);
  const lans = new SubnetPool(Ipv4Prefix.parse("10.0.0.0/8"), 24, used, true);
  const links = new SubnetPool(Ipv4Prefix.parse("10.255.0.0/16"), 30, used, false);
  const taken = new Set(used.map((p) => p.address.value));

  for (const segment of segments) {
    // An IPv6-only link (every host on it has `ipv4: false`, as a mobile network's) gets no IPv4.
    const hosts = segment.members.filter((m) => !isRouterKind(m.node.kind));
    if (hosts.length > 0 && hosts.every((m) => m.node.ipv4 === false)) continue;
    const addressed = segment.members.find((m) => m.iface.ipv4.length > 0);
    segment.subnet = addressed?.iface.ipv4[0].networkPrefix ?? dhcpPoolSubnet(segment, used);
    // Interfaces that get their address by DHCP are left to the DHCP server (docs/topology.md).
    const missing = segment.members.filter(
      (m) => m.iface.ipv4.length === 0 && !usesDhcp(m.node, m.iface) && m.node.ipv4 !== false,
    );
    if (missing.length === 0) continue;
    if (!segment.subnet) {
      const pointToPoint =
        segment.members.length === 2 && segment.members.every((m) => isRouterKind(m.node.kind));
      segment.subnet = pointToPoint ? links.take() : lans.take();
      if (!segment.subnet) {
        notes.push(
          `no free subnet left for ${missing.map((m) => `${m.node.name}:${m.iface.name}`).join(", ")}`,
        );
        continue;
      }
    }
    const subnet = segment.subnet;
    const routersFirst = [...missing].sort(
      (a, b) => Number(isRouterKind(b.node.kind)) - Number(isRouterKind(a.node.kind)),
    );
    for (const member of routersFirst) {
      const start = isRouterKind(member.node.kind) || subnet.hostCount < 16 ? 0 : 9;
      let host: Ipv4Address | undefined;
      for (let offset = start; offset < subnet.hostCount && !host; offset++) {
        const candidate = new Ipv4Address(subnet.firstHost.value + offset);
        if (!taken.has(candidate.value)) host = candidate;
      }
      for (let offset = 0; offset < start && !host; offset++) {
        const candidate = new Ipv4Address(subnet.firstHost.value + offset);
        if (!taken.has(candidate.value)) host = candidate;
      }
      if (!host) {
        notes.push(
          `subnet ${subnet.networkPrefix} is full: ${member.node.name}:${member.iface.name} left without an address`,
        );
        continue;
      }
      taken.add(host.value);
      const prefix = new Ipv4Prefix(host, subnet.length);
      member.iface.ipv4.push(prefix);
      notes.push(`${member.node.name}:${member.iface.name} ${prefix} (auto)`);
    }
  }
  assignGateways(topology, segments, notes);
  assignRoutes(topology, segments, notes);
  if ([...topology.nodes.values()].some((n) => n.ipv6 === "auto")) assignIpv6(topology, segments, notes);
  return { topology, notes };
}

/** The global (not link-local) IPv6 prefixes of an interface. */
function globalIpv6(iface: InterfaceSpec): Ipv6Prefix[] {
  return iface.ipv6.filter((p) => !p.address.isLinkLocal);
}

/** IPv6 for the domains where a node asked for `ipv6: auto` (see the module comment). */
function assignIpv6(topology: TopologySpec, segments: Segment[], notes: string[]): void {
  const used = new Set<string>();
  for (const node of topology.nodes.values())
    for (const iface of node.interfaces.values())
      for (const p of globalIpv6(iface)) used.add(p.networkPrefix.toString());
  let spare = 0x100;
  let pointToPoint = 0;
  const take = (candidate: string): Ipv6Prefix | undefined => {
    if (used.has(candidate)) return undefined;
    used.add(candidate);
    return Ipv6Prefix.parse(candidate);
  };
  const subnetFor = (segment: Segment): Ipv6Prefix => {
    const v4 = segment.subnet;
    // Beside 10.0.N.0/24, 2001:db8:N::/64; beside a router-to-router /30, 2001:db8:ff:N::/64.
    if (v4 && v4.length === 24 && v4.network.value >>> 16 === 0x0a00) {
      const n = (v4.network.value >>> 8) & 0xff;
      const prefix = take(`2001:db8:${n.toString(16)}::/64`);
      if (prefix) return prefix;
    }
    if (segment.members.length === 2 && segment.members.every((m) => isRouterKind(m.node.kind))) {
      for (;;) {
        const prefix = take(`2001:db8:ff:${(++pointToPoint).toString(16)}::/64`);
        if (prefix) return prefix;
      }
    }
    for (;;) {
      const prefix = take(`2001:db8:${(spare++).toString(16)}::/64`);
      if (prefix) return prefix;
    }
  };
  const ipv6Segments: { segment: Segment; subnet: Ipv6Prefix }[] = [];
  for (const segment of segments) {
    if (!segment.members.some((m) => m.node.ipv6 === "auto")) continue;
    const existing = segment.members.flatMap((m) => globalIpv6(m.iface))[0];
    const subnet = existing ? existing.networkPrefix : subnetFor(segment);
    ipv6Segments.push({ segment, subnet });
    const routers = segment.members.filter((m) => isRouterKind(m.node.kind));
    const hosts = segment.members.filter((m) => !isRouterKind(m.node.kind));
    const taken = new Set(
      segment.members.flatMap((m) => globalIpv6(m.iface)).map((p) => p.address.toString()),
    );
    let next = 1;
    const nextAddress = (): Ipv6Prefix => {
      for (;;) {
        const bytes = subnet.address.toBytes();
        bytes[14] = next >>> 8;
        bytes[15] = next & 0xff;
        next++;
        const address = new Ipv6Address(bytes);
        if (!taken.has(address.toString())) {
          taken.add(address.toString());
          return new Ipv6Prefix(address, 64);
        }
      }
    };
    for (const member of routers) {
      member.node.ipv6 ??= true;
      if (globalIpv6(member.iface).some((p) => subnet.contains(p.address))) continue;
      const prefix = nextAddress();
      member.iface.ipv6.push(prefix);
      notes.push(`${member.node.name}:${member.iface.name} ${prefix} (auto)`);
    }
    if (hosts.length > 0 && routers.length > 0) {
      // Hosts configure themselves from the first router's advertisements (SLAAC).
      const advertiser = routers[0];
      for (const host of hosts) host.node.ipv6 ??= true;
      if (!advertiser.iface.ipv6Ra) {
        advertiser.iface.ipv6Ra = true;
        notes.push(`${advertiser.node.name}:${advertiser.iface.name} advertises ${subnet} (ipv6-ra, auto)`);
      }
    } else {
      // No router to advertise: the hosts get addresses like the routers do, from ::10.
      next = Math.max(next, 0x10);
      for (const host of hosts) {
        host.node.ipv6 ??= true;
        if (globalIpv6(host.iface).length > 0) continue;
        const prefix = nextAddress();
        host.iface.ipv6.push(prefix);
        notes.push(`${host.node.name}:${host.iface.name} ${prefix} (auto)`);
      }
    }
  }
  assignIpv6Routes(topology, ipv6Segments, notes);
}

/** Static IPv6 routes for routers without any, along shortest paths (as {@link assignRoutes}). */
function assignIpv6Routes(
  topology: TopologySpec,
  ipv6Segments: { segment: Segment; subnet: Ipv6Prefix }[],
  notes: string[],
): void {
  const routers = [...topology.nodes.values()].filter((n) => isRouterKind(n.kind));
  const neighbours = new Map<NodeSpec, { router: NodeSpec; via: Ipv6Address }[]>();
  for (const { segment, subnet } of ipv6Segments) {
    const members = segment.members.filter(
      (m) => isRouterKind(m.node.kind) && globalIpv6(m.iface).some((p) => subnet.contains(p.address)),
    );
    for (const a of members) {
      for (const b of members) {
        if (a.node === b.node) continue;
        const list = neighbours.get(a.node) ?? [];
        list.push({
          router: b.node,
          via: globalIpv6(b.iface).find((p) => subnet.contains(p.address))!.address,
        });
        neighbours.set(a.node, list);
      }
    }
  }
  for (const router of routers) {
    if (router.routes.some((r) => r.to instanceof Ipv6Prefix)) continue;
    const firstHop = new Map<NodeSpec, Ipv6Address>();
    const queue: NodeSpec[] = [];
    for (const n of neighbours.get(router) ?? []) {
      if (!firstHop.has(n.router)) {
        firstHop.set(n.router, n.via);
        queue.push(n.router);
      }
    }
    const visited = new Set<NodeSpec>([router, ...queue]);
    const reached: NodeSpec[] = [];
    while (queue.length > 0) {
      const current = queue.shift()!;
      reached.push(current);
      for (const n of neighbours.get(current) ?? []) {
        if (visited.has(n.router)) continue;
        visited.add(n.router);
        firstHop.set(n.router, firstHop.get(current)!);
        queue.push(n.router);
      }
    }
    const routed = new Set<string>();
    for (const iface of router.interfaces.values())
      for (const p of globalIpv6(iface)) routed.add(p.networkPrefix.toString());
    for (const remote of reached) {
      const networks = [...remote.interfaces.values()].flatMap((iface) =>
        globalIpv6(iface).map((p) => p.networkPrefix),
      );
      // A NAT64 router is the way to the IPv4 Internet's addresses inside its prefix.
      if (remote.nat64) networks.push(nat64Prefix(remote.nat64.prefix));
      for (const network of networks) {
        if (routed.has(network.toString())) continue;
        routed.add(network.toString());
        router.routes.push({ to: network, via: firstHop.get(remote)! });
        notes.push(`${router.name} route ${network} via ${firstHop.get(remote)} (auto)`);
      }
    }
  }
}

function assignGateways(topology: TopologySpec, segments: Segment[], notes: string[]): void {
  for (const node of topology.nodes.values()) {
    if (isRouterKind(node.kind) || node.kind === "switch" || node.gateway || node.ipv4 === false) continue;
    // DHCP gives the gateway (option 3).
    if ([...node.interfaces.values()].some((i) => usesDhcp(node, i))) continue;
    if (node.routes.some((r) => r.to.length === 0 && r.to instanceof Ipv4Prefix)) continue;
    for (const segment of segments) {
      if (!segment.members.some((m) => m.node === node)) continue;
      const router = segment.members.find((m) => isRouterKind(m.node.kind) && m.iface.ipv4.length > 0);
      if (router) {
        node.gateway = router.iface.ipv4[0].address;
        notes.push(`${node.name} gateway ${node.gateway} (${router.node.name}, auto)`);
        break;
      }
    }
  }
}

function assignRoutes(topology: TopologySpec, segments: Segment[], notes: string[]): void {
  const routers = [...topology.nodes.values()].filter((n) => isRouterKind(n.kind));
  // Adjacency: routers sharing a segment, with the neighbour's address on it.
  const neighbours = new Map<NodeSpec, { router: NodeSpec; via: Ipv4Address }[]>();
  for (const segment of segments) {
    const members = segment.members.filter((m) => isRouterKind(m.node.kind) && m.iface.ipv4.length > 0);
    for (const a of members) {
      for (const b of members) {
        if (a.node === b.node) continue;
        const list = neighbours.get(a.node) ?? [];
        list.push({ router: b.node, via: b.iface.ipv4[0].address });
        neighbours.set(a.node, list);
      }
    }
  }
  for (const router of routers) {
    if (router.routes.length > 0) continue;
    const attached = new Set<string>();
    for (const iface of router.interfaces.values())
      for (const p of iface.ipv4) attached.add(p.networkPrefix.toString());
    // Breadth-first search from this router; first hop remembered per reached router.
    const firstHop = new Map<NodeSpec, Ipv4Address>();
    const queue: NodeSpec[] = [];
    for (const n of neighbours.get(router) ?? []) {
      if (!firstHop.has(n.router)) {
        firstHop.set(n.router, n.via);
        queue.push(n.router);
      }
    }
    const visited = new Set<NodeSpec>([router, ...queue]);
    const reachedOrder: NodeSpec[] = [];
    while (queue.length > 0) {
      const current = queue.shift()!;
      reachedOrder.push(current);
      for (const n of neighbours.get(current) ?? []) {
        if (visited.has(n.router)) continue;
        visited.add(n.router);
        firstHop.set(n.router, firstHop.get(current)!);
        queue.push(n.router);
      }
    }
    const routed = new Set(attached);
    for (const remote of reachedOrder) {
      const hidden = natInsideInterfaces(remote);
      for (const iface of remote.interfaces.values()) {
        // The networks behind a NAT are private: nobody outside routes to them.
        if (hidden.has(iface.name)) continue;
        for (const prefix of iface.ipv4) {
          const network = prefix.networkPrefix;
          if (routed.has(network.toString())) continue;
          routed.add(network.toString());
          router.routes.push({ to: network, via: firstHop.get(remote)! });
          notes.push(`${router.name} route ${network} via ${firstHop.get(remote)} (auto)`);
        }
      }
    }
  }
}

/** The inside interfaces of a node that does NAT (empty when it does not, or when unknown yet). */
function natInsideInterfaces(node: NodeSpec): Set<string> {
  if (!node.nat) return new Set();
  const config = natConfigOf(node);
  if (typeof config === "string") return new Set();
  const inside = config.inside ?? [...node.interfaces.keys()].filter((name) => name !== config.outside);
  return new Set(inside);
}
