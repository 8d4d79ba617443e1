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
 * - routers without configured routes (and without RIP, OSPF or BGP) get static routes to every subnet they are not attached to,
 *   along shortest paths (hop count) over the router graph — the answer a routing protocol would
 *   reach, computed once (not on routers that run one: `bgp`, which learn their routes).
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
  usesDynamicRouting,
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

/**
 * What a switch port carries, as src/link/switch.ts forwards it (IEEE 802.1Q): the VLAN of its
 * untagged frames (an access port's VLAN; a trunk's native VLAN, 1 unless set, when the trunk
 * carries it) and the VLANs it sends tagged (a trunk's others).
 */
function switchPortVlans(iface: InterfaceSpec): { untagged: number | undefined; tagged: number[] } {
  if (!iface.trunk) return { untagged: iface.vlan ?? 1, tagged: [] };
  const native = iface.native ?? 1;
  return {
    untagged: iface.trunk.includes(native) ? native : undefined,
    tagged: iface.trunk.filter((vlan) => vlan !== native),
  };
}

/** An L3 node's VLAN sub-interfaces of `parent` (`eth0.10` is VLAN 10 on `eth0`), by VLAN. */
function subinterfaces(node: NodeSpec, parent: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const name of node.interfaces.keys()) {
    const match = /^(.+)\.(\d+)$/.exec(name);
    if (match && match[1] === parent) found.set(Number(match[2]), name);
  }
  return found;
}

/**
 * An L3 interface that is only the parent of VLAN sub-interfaces (a router "on a stick": its
 * traffic is 802.1Q-tagged, its sub-interfaces have the addresses), with no address of its own.
 */
function isTrunkParent(member: Member): boolean {
  return (
    member.iface.ipv4.length === 0 &&
    !member.iface.dhcp &&
    subinterfaces(member.node, member.iface.name).size > 0
  );
}

/**
 * Groups L3 interfaces into broadcast domains, following the frames: untagged with untagged, and
 * 802.1Q-tagged VLAN N with VLAN N (a switch's VLAN, or an L3 node's sub-interface `ethX.N`).
 * Keys: `node:iface` for L3 interfaces, `switch/vlan` for a switch's VLANs.
 */
function findSegments(topology: TopologySpec): Segment[] {
  const domains = new Domains();
  const l3Keys = new Set<string>();
  for (const link of topology.links) {
    const ends = [link.a, link.b].map((endpoint) => ({
      node: topology.nodes.get(endpoint.node)!,
      iface: interfaceOf(topology, endpoint),
    }));
    /** Where this end's frames go: "untagged", or a VLAN number for tagged frames. */
    const keysFor = (end: (typeof ends)[number]): Map<number | "untagged", string> => {
      const keys = new Map<number | "untagged", string>();
      if (isL3(end.node)) {
        keys.set("untagged", `${end.node.name}:${end.iface.name}`);
        for (const [vlan, name] of subinterfaces(end.node, end.iface.name))
          keys.set(vlan, `${end.node.name}:${name}`);
        return keys;
      }
      const { untagged, tagged } = switchPortVlans(end.iface);
      if (untagged !== undefined) keys.set("untagged", `${end.node.name}/${untagged}`);
      for (const vlan of tagged) keys.set(vlan, `${end.node.name}/${vlan}`);
      return keys;
    };
    const [left, right] = ends.map(keysFor);
    for (const [carried, key] of left) {
      const other = right.get(carried);
      if (other) domains.union(key, other);
    }
    for (const [index, end] of ends.entries()) {
      if (!isL3(end.node)) continue;
      const [near, far] = index === 0 ? [left, right] : [right, left];
      // The interface itself always (a host on a port that drops its frames still is one, alone);
      // a sub-interface when the far end carries its VLAN.
      l3Keys.add(near.get("untagged")!);
      for (const [carried, key] of near) if (carried !== "untagged" && far.has(carried)) l3Keys.add(key);
    }
  }
  const segments = new Map<string, Segment>();
  for (const key of l3Keys) {
    const root = domains.find(key);
    const colon = key.indexOf(":");
    const node = topology.nodes.get(key.slice(0, colon))!;
    let segment = segments.get(root);
    if (!segment) {
      segment = { members: [] };
      segments.set(root, segment);
    }
    segment.members.push({ node, iface: node.interfaces.get(key.slice(colon + 1))! });
  }
  // A trunk parent whose untagged side reaches no one else (the switch port carries only tagged
  // VLANs, or the far end is a trunk parent too) is in no broadcast domain worth a subnet: it gets
  // no automatic address (it used to get a /24 of its own).
  const result: Segment[] = [];
  for (const segment of segments.values()) {
    const members = segment.members.some((m) => !isTrunkParent(m))
      ? segment.members
      : segment.members.filter((m) => !isTrunkParent(m));
    if (members.length > 0) result.push({ members });
  }
  return result;
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
    // Nodes that say `ipv6: false` stay IPv4-only, even on a link that gets a /64.
    const routers = segment.members.filter((m) => isRouterKind(m.node.kind) && m.node.ipv6 !== false);
    const hosts = segment.members.filter((m) => !isRouterKind(m.node.kind) && m.node.ipv6 !== false);
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
    // A router that runs a routing protocol learns its IPv4 routes from it, not from us.
    if (router.routes.length > 0 || usesDynamicRouting(router)) continue;
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
