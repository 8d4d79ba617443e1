/**
 * Starts what a topology file's DHCP and DNS keys ask for, on a network built from it (the nodes
 * have the topology's names, their interfaces are wired and addressed):
 *
 * - `dhcp-server` → a {@link DhcpServer} per node, each pool on the interface named, or the one
 *   whose subnet holds the pool;
 * - `dhcp-relay` → a {@link DhcpRelay};
 * - `dns-server` / `dns-zone` → a {@link DnsServer}; zones with `hosts: true` (the default) get an
 *   A record for every node with an address (`NAME.ORIGIN`) and, in reverse zones, its PTR record;
 *   recursion starts from `root-hints`, else from the lab's own servers of the root zone;
 * - `dns` / `dns-search` → the node's resolv.conf;
 * - `dhcp: true` (node or interface) → a {@link DhcpClient} per interface, started last;
 * - every DHCP server registers the names of its clients (option 12) in the lab's `hosts: true`
 *   zones while their leases last, A and PTR, as dnsmasq does ({@link DhcpDnsUpdater}).
 *
 * Servers start before clients so the first DISCOVER finds them.
 */
import type { Network } from "../devices/network.js";
import type { Node } from "../devices/node.js";
import type { TopologySpec } from "../topology/model.js";
import { usesDhcp } from "../topology/model.js";
import type { Ipv4Address } from "../wire/address/ipv4.js";
import { DnsType, dnsNameInZone } from "../wire/dns.js";
import { DhcpClient } from "./dhcp/client.js";
import { DhcpDnsUpdater } from "./dhcp/dns-update.js";
import { DhcpRelay } from "./dhcp/relay.js";
import { DhcpServer } from "./dhcp/server.js";
import { resolvConf } from "./dns/resolv-conf.js";
import { DnsServer } from "./dns/server.js";
import { reverseName, Zone } from "./dns/zone.js";

export interface LabServices {
  dhcpServers: Map<string, DhcpServer>;
  dhcpRelays: Map<string, DhcpRelay>;
  dnsServers: Map<string, DnsServer>;
  /** By DHCP server node: its clients' names in the lab's zones. */
  dhcpDnsUpdaters: Map<string, DhcpDnsUpdater>;
  /** By "node:iface". */
  dhcpClients: Map<string, DhcpClient>;
  /** Stops every service and client. */
  stop(): void;
}

/** Starts the topology's DHCP and DNS services on `net`. Throws a RangeError naming a misfit. */
export function startLabServices(net: Network, topology: TopologySpec): LabServices {
  const services: LabServices = {
    dhcpServers: new Map(),
    dhcpRelays: new Map(),
    dnsServers: new Map(),
    dhcpDnsUpdaters: new Map(),
    dhcpClients: new Map(),
    stop() {
      for (const c of this.dhcpClients.values()) c.stop();
      for (const u of this.dhcpDnsUpdaters.values()) u.stop();
      for (const s of this.dhcpServers.values()) s.stop();
      for (const r of this.dhcpRelays.values()) r.stop();
      for (const d of this.dnsServers.values()) d.stop();
    },
  };
  const rootServers = rootServerAddresses(net, topology);
  const domain = labDomain(topology);
  /** The zones that list the lab's hosts, which DHCP clients join too. */
  const hostZones: Zone[] = [];
  for (const spec of topology.nodes.values()) {
    if (spec.kind === "switch") continue;
    const node = net.node(spec.name);
    if (spec.resolver) {
      const conf = resolvConf(node);
      conf.nameservers = [...spec.resolver.servers];
      conf.search = [...spec.resolver.search];
      conf.source = "topology";
    }
    if (spec.dhcpServer) {
      const server = new DhcpServer(node, {
        pools: spec.dhcpServer.pools.map((pool) => ({
          interface: pool.subnet ? undefined : (pool.interface ?? interfaceFor(node, pool.first)),
          ...(pool.subnet ? { subnet: pool.subnet.toString() } : {}),
          range: [pool.first.toString(), pool.last.toString()] as const,
          ...(pool.router ? { router: pool.router.map(String) } : {}),
          ...(pool.dns ? { dns: pool.dns.map(String) } : {}),
          ...(pool.domain !== undefined ? { domain: pool.domain } : {}),
          leaseTime: pool.leaseTime,
          static: pool.static.map((s) => ({
            mac: s.mac,
            address: s.address.toString(),
            ...(s.name !== undefined ? { hostname: s.name } : {}),
          })),
        })),
        ...(spec.dhcpServer.authoritative !== undefined
          ? { authoritative: spec.dhcpServer.authoritative }
          : {}),
        ...(spec.dhcpServer.pingCheck !== undefined ? { pingCheck: spec.dhcpServer.pingCheck } : {}),
      });
      services.dhcpServers.set(spec.name, server.start());
    }
    if (spec.dhcpRelay) {
      const relay = new DhcpRelay(node, {
        servers: spec.dhcpRelay.servers.map(String),
        ...(spec.dhcpRelay.interfaces ? { interfaces: spec.dhcpRelay.interfaces } : {}),
      });
      services.dhcpRelays.set(spec.name, relay.start());
    }
    if (spec.dnsServer) {
      const zones = spec.dnsServer.zones.map((z) => {
        const zone = new Zone({
          origin: z.origin,
          ...(z.ttl !== undefined ? { ttl: z.ttl } : {}),
          records: z.records,
        });
        if (z.hosts) {
          addHostRecords(zone, net, domain);
          hostZones.push(zone);
        }
        return zone;
      });
      const recursion = spec.dnsServer.recursion
        ? {
            rootHints: spec.dnsServer.rootHints.length > 0 ? spec.dnsServer.rootHints : rootServers,
            forwarders: spec.dnsServer.forwarders,
          }
        : false;
      const dns64 = spec.dnsServer.dns64 ? { dns64: { prefix: spec.dnsServer.dns64 } } : {};
      services.dnsServers.set(spec.name, new DnsServer(node, { zones, recursion, ...dns64 }).start());
    }
  }
  for (const [name, server] of services.dhcpServers) {
    const forward = hostZones.filter((z) => !isReverseZone(z));
    if (forward.length === 0) continue;
    const updater = new DhcpDnsUpdater(server, {
      forward,
      reverse: hostZones.filter(isReverseZone),
      ...(domain !== undefined ? { domain } : {}),
    });
    services.dhcpDnsUpdaters.set(name, updater.start());
  }
  for (const spec of topology.nodes.values()) {
    if (spec.kind === "switch") continue;
    for (const iface of spec.interfaces.values()) {
      if (!usesDhcp(spec, iface)) continue;
      const client = new DhcpClient(net.node(spec.name), { iface: iface.name });
      services.dhcpClients.set(`${spec.name}:${iface.name}`, client.start());
    }
  }
  return services;
}

/** The interface of `node` whose subnet holds `address`. */
function interfaceFor(node: Node, address: Ipv4Address): string {
  const iface = node.interfaces.find((i) => i.isOnLink(address.value));
  if (!iface) {
    throw new RangeError(
      `${node.name}: no interface has a subnet holding the DHCP pool starting at ${address}; give the pool an "interface" or the interface an address`,
    );
  }
  return iface.name;
}

/** A and PTR records for every node with an address ("hosts: true"); PTRs name NODE.DOMAIN. */
function addHostRecords(zone: Zone, net: Network, domain: string | undefined): void {
  const reverse = isReverseZone(zone);
  for (const node of net.nodes) {
    const own = zone.origin === "." ? node.name : `${node.name}.${zone.origin}`;
    for (const iface of node.interfaces) {
      for (const prefix of iface.addresses) {
        const address = prefix.address;
        if (reverse) {
          const name = reverseName(address);
          if (!dnsNameInZone(name, zone.origin)) continue;
          const target = domain ? `${node.name}.${domain}.` : `${node.name}.`;
          if (zone.at(name).length === 0) zone.addText({ name: `${name}.`, type: "PTR", value: target });
        } else if (
          !zone
            .at(own)
            .some((r) => r.type === DnsType.A && r.data.kind === "a" && r.data.address.equals(address))
        ) {
          if (zone.at(own).some((r) => r.type === DnsType.CNAME)) continue;
          zone.addText({ name: `${own}.`, type: "A", value: address.toString() });
        }
      }
    }
  }
}

/** A zone that holds IPv4 reverse names (it is, or is above, in-addr.arpa): it gets PTR records. */
function isReverseZone(zone: Zone): boolean {
  return dnsNameInZone("in-addr.arpa", zone.origin) || dnsNameInZone(zone.origin, "in-addr.arpa");
}

/** The lab's forward domain: the first zone with `hosts: true` that is not a reverse zone. */
function labDomain(topology: TopologySpec): string | undefined {
  for (const spec of topology.nodes.values()) {
    for (const zone of spec.dnsServer?.zones ?? []) {
      if (zone.hosts && zone.origin !== "." && !dnsNameInZone(zone.origin, "arpa")) return zone.origin;
    }
  }
  return undefined;
}

/** Addresses of the lab's servers of the root zone ("."), the default root hints. */
function rootServerAddresses(net: Network, topology: TopologySpec): Ipv4Address[] {
  const addresses: Ipv4Address[] = [];
  for (const spec of topology.nodes.values()) {
    if (!spec.dnsServer?.zones.some((z) => z.origin === ".")) continue;
    const address = net.node(spec.name).primaryAddress;
    if (address) addresses.push(address);
  }
  return addresses;
}
