/**
 * What a node shows about itself, in the two dialects learners meet: Linux's `ip`/`arp`/`netstat`
 * for hosts, Cisco IOS's `show` commands for routers. Each function mirrors the real tool's
 * columns and wording so outputs can be compared side by side; `show ip route` is FRR's layout
 * (src/net/show-ip-route.ts).
 */
import type { ArpEntryInfo } from "../net/arp-cache.js";
import type { NetInterface } from "../net/interface.js";
import type { Ipv6InterfaceAddress } from "../net/ipv6-interface.js";
import type { NeighborState } from "../net/neighbor-cache.js";
import {
  showIpRoute as formatShowIpRoute,
  showIpv6Route as formatShowIpv6Route,
} from "../net/show-ip-route.js";
import { SECOND } from "../sim/time.js";
import { Ipv4Address, ipv4Netmask } from "../wire/address/ipv4.js";
import type { Ipv6Prefix } from "../wire/address/ipv6.js";
import { MacAddress } from "../wire/address/mac.js";
import type { Node } from "./node.js";

/** Linux `ip route`: connected routes as "proto kernel scope link src", statics as "proto static". */
export function ipRoute(node: Node): string {
  const lines: string[] = [];
  for (const route of node.ipv4.routes.routes()) {
    if (!node.ipv4.routes.isSelected(route)) continue;
    if (route.protocol === "local") continue; // Linux keeps these in the "local" table
    const prefix = route.prefix.length === 0 ? "default" : route.prefix.toString();
    for (const hop of route.nextHops) {
      let line = prefix;
      if (hop.via) line += ` via ${hop.via}`;
      line += ` dev ${hop.interface}`;
      if (route.protocol === "connected") {
        const iface = node.ipv4.interface(hop.interface);
        const src = iface?.addresses.find((p) => p.networkPrefix.equals(route.prefix));
        line += ` proto kernel scope link${src ? ` src ${src.address}` : ""}`;
      } else {
        line += ` proto ${route.protocol}`;
        if (route.metric !== 0) line += ` metric ${route.metric}`;
      }
      lines.push(line);
    }
  }
  // Linux lists the default route first.
  const defaults = lines.filter((l) => l.startsWith("default"));
  const others = lines.filter((l) => !l.startsWith("default"));
  const all = [...defaults, ...others];
  return all.length ? `${all.join("\n")}\n` : "";
}

/** Linux `ip addr`. */
export function ipAddr(node: Node, dev?: string): string {
  const lines =
    dev === undefined || dev === "lo"
      ? [
          "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000",
          "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
          "    inet 127.0.0.1/8 scope host lo",
        ]
      : [];
  node.interfaces.forEach((iface, index) => {
    // `ip addr show dev IFACE`: that interface alone (its index stays the one it has in the list).
    if (dev !== undefined && iface.name !== dev) return;
    lines.push(`${index + 2}: ${linkLine(iface)}`);
    lines.push(`    link/ether ${iface.mac} brd ff:ff:ff:ff:ff:ff`);
    for (const prefix of iface.addresses) {
      const brd = prefix.length < 31 ? ` brd ${prefix.broadcast}` : "";
      lines.push(`    inet ${prefix}${brd} scope global ${iface.name}`);
    }
    const state = node.hasIpv6 ? node.ipv6.interfaceState(iface.name) : undefined;
    if (state) {
      // Linux lists global addresses (newest first) before the link-local one.
      const ordered = [...state.addresses]
        .reverse()
        .sort((a, b) => Number(a.origin === "link-local") - Number(b.origin === "link-local"));
      for (const entry of ordered) lines.push(...inet6Lines(entry, node.scheduler.now));
    }
  });
  return `${lines.join("\n")}\n`;
}

/** The two lines `ip addr` prints for an IPv6 address, with its flags and lifetimes. */
function inet6Lines(entry: Ipv6InterfaceAddress, now: number): string[] {
  const flags: string[] = [entry.address.isLinkLocal ? "scope link" : "scope global"];
  if (entry.origin === "slaac") flags.push("dynamic", "mngtmpaddr");
  if (entry.nodad) flags.push("nodad");
  if (entry.state === "duplicate") flags.push("dadfailed", "tentative");
  else if (entry.state === "tentative") flags.push("tentative");
  else if (entry.state === "deprecated") flags.push("deprecated");
  const lifetime = (until: number | undefined) =>
    until === undefined ? "forever" : `${Math.max(0, Math.floor((until - now) / SECOND))}sec`;
  return [
    `    inet6 ${entry.address}/${entry.prefixLength} ${flags.join(" ")}`,
    `       valid_lft ${lifetime(entry.validUntil)} preferred_lft ${lifetime(entry.preferredUntil ?? entry.validUntil)}`,
  ];
}

/**
 * Linux `ip -6 route`: kernel prefix routes (metric 256), RA-learned ones (`proto ra`, with their
 * expiry), statics (metric 1024), the link-local prefix of each interface, and the default last.
 */
export function ipRoute6(node: Node): string {
  if (!node.hasIpv6) return "";
  const ipv6 = node.ipv6;
  const now = node.scheduler.now;
  const lines = ["::1 dev lo proto kernel metric 256 pref medium"];
  const defaults: string[] = [];
  for (const route of ipv6.routes.routes()) {
    if (!ipv6.routes.isSelected(route) || route.protocol === "local") continue;
    const isDefault = route.prefix.length === 0;
    const prefix = isDefault ? "default" : route.prefix.toString();
    for (const hop of route.nextHops) {
      let line = prefix;
      if (hop.via) line += ` via ${hop.via}`;
      line += ` dev ${hop.interface}`;
      if (route.protocol === "connected") line += " proto kernel metric 256";
      else if (route.protocol === "kernel") {
        const expires = ipv6.nd.expiryOf(
          hop.interface,
          isDefault ? "default" : (route.prefix as Ipv6Prefix),
          hop.via,
        );
        line += ` proto ra metric ${route.metric}`;
        if (expires !== undefined) line += ` expires ${Math.max(0, Math.floor((expires - now) / SECOND))}sec`;
      } else line += ` proto ${route.protocol} metric ${route.metric || 1024}`;
      line += " pref medium";
      (isDefault ? defaults : lines).push(line);
    }
  }
  for (const state of ipv6.interfaces) {
    if (state.linkLocal) lines.push(`fe80::/64 dev ${state.iface.name} proto kernel metric 256 pref medium`);
  }
  return `${[...lines, ...defaults].join("\n")}\n`;
}

const NUD_NAMES: Record<NeighborState, string> = {
  incomplete: "INCOMPLETE",
  reachable: "REACHABLE",
  stale: "STALE",
  delay: "DELAY",
  probe: "PROBE",
  permanent: "PERMANENT",
};

/** Linux `ip -6 neigh`. */
export function ipNeigh6(node: Node): string {
  if (!node.hasIpv6) return "";
  const lines: string[] = [];
  for (const state of node.ipv6.interfaces) {
    for (const entry of state.neighborCache?.list() ?? []) {
      const mac = entry.mac === undefined ? " " : ` lladdr ${new MacAddress(entry.mac)}`;
      lines.push(
        `${entry.address} dev ${state.iface.name}${mac}${entry.isRouter ? " router" : ""} ${NUD_NAMES[entry.state]}`,
      );
    }
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}

/** Cisco `show ipv6 route` (FRR's format). */
export function showIpv6Route(node: Node): string {
  if (!node.hasIpv6) return "";
  return formatShowIpv6Route(node.ipv6.routes, { now: node.scheduler.now });
}

const IOS_NUD: Record<NeighborState, string> = {
  incomplete: "INCMP",
  reachable: "REACH",
  stale: "STALE",
  delay: "DELAY",
  probe: "PROBE",
  permanent: "REACH",
};

/** Cisco `show ipv6 neighbors`: address, age in minutes, MAC, NUD state, interface. */
export function showIpv6Neighbors(node: Node): string {
  const lines = [`${"IPv6 Address".padEnd(42)}Age Link-layer Addr State Interface`];
  const now = node.scheduler.now;
  for (const state of node.hasIpv6 ? node.ipv6.interfaces : []) {
    for (const entry of state.neighborCache?.list() ?? []) {
      const age = entry.state === "permanent" ? "-" : String(Math.floor((now - entry.updated) / 60e9));
      const mac = entry.mac === undefined ? "-" : ciscoMacText(entry.mac);
      lines.push(
        `${entry.address.toString().toUpperCase().padEnd(42)}${age.padStart(3)} ${mac.padEnd(15)} ${IOS_NUD[entry.state].padEnd(5)} ${state.iface.name}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Cisco `show ipv6 interface brief`: each interface's state and addresses (link-local first). */
export function showIpv6InterfaceBrief(node: Node): string {
  const lines: string[] = [];
  for (const iface of node.interfaces) {
    const status = !iface.adminUp ? "administratively down" : iface.isUp ? "up" : "down";
    lines.push(`${iface.name.padEnd(23)}[${status}/${iface.isUp ? "up" : "down"}]`);
    const state = node.hasIpv6 ? node.ipv6.interfaceState(iface.name) : undefined;
    const usable = state?.addresses.filter((a) => a.state !== "duplicate") ?? [];
    if (usable.length === 0) lines.push("    unassigned");
    const ordered = [...usable].sort(
      (a, b) => Number(b.origin === "link-local") - Number(a.origin === "link-local"),
    );
    for (const entry of ordered) lines.push(`    ${entry.address.toString().toUpperCase()}`);
  }
  return `${lines.join("\n")}\n`;
}

function linkLine(iface: NetInterface): string {
  const up = iface.isUp;
  const flags = ["BROADCAST", "MULTICAST"];
  if (iface.adminUp) flags.push("UP");
  if (up) flags.push("LOWER_UP");
  else if (iface.adminUp) flags.splice(0, 0, "NO-CARRIER");
  const name = iface.parent ? `${iface.name}@${iface.parent.name}` : iface.name;
  return `${name}: <${flags.join(",")}> mtu ${iface.mtu} qdisc noqueue state ${up ? "UP" : "DOWN"} group default qlen 1000`;
}

const linuxStates: Record<ArpEntryInfo["state"], string> = {
  incomplete: "INCOMPLETE",
  reachable: "REACHABLE",
  stale: "STALE",
  probe: "PROBE",
  permanent: "PERMANENT",
};

/** Linux `ip neigh`. */
export function ipNeigh(node: Node): string {
  const lines: string[] = [];
  for (const iface of node.interfaces) {
    if (!iface.hasArpCache) continue;
    for (const entry of iface.arp.list()) {
      const address = new Ipv4Address(entry.address);
      const mac = entry.mac === undefined ? " " : ` lladdr ${new MacAddress(entry.mac)}`;
      lines.push(`${address} dev ${iface.name}${mac} ${linuxStates[entry.state]}`);
    }
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}

/** Linux `arp -n` (net-tools). */
export function arpN(node: Node): string {
  const lines = [
    `${"Address".padEnd(25)}${"HWtype".padEnd(8)}${"HWaddress".padEnd(20)}${"Flags Mask".padEnd(16)}Iface`,
  ];
  for (const iface of node.interfaces) {
    if (!iface.hasArpCache) continue;
    for (const entry of iface.arp.list()) {
      const address = new Ipv4Address(entry.address).toString().padEnd(25);
      if (entry.mac === undefined) {
        lines.push(`${address}${"".padEnd(8)}${"(incomplete)".padEnd(20)}${"".padEnd(16)}${iface.name}`);
      } else {
        const flags = entry.state === "permanent" ? "CM" : "C";
        lines.push(
          `${address}${"ether".padEnd(8)}${new MacAddress(entry.mac).toString().padEnd(20)}${flags.padEnd(16)}${iface.name}`,
        );
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Linux `ip -s link`: the RX/TX counter blocks per interface. */
export function ipStatsLink(node: Node): string {
  const lines: string[] = [];
  node.interfaces.forEach((iface, index) => {
    const c = iface.counters;
    lines.push(`${index + 1}: ${linkLine(iface)}`);
    lines.push(`    link/ether ${iface.mac} brd ff:ff:ff:ff:ff:ff`);
    lines.push("    RX:  bytes packets errors dropped  missed   mcast");
    lines.push(`    ${row([c.rxBytes, c.rxPackets, c.rxErrors, c.rxDropped, 0, c.rxMulticast])}`);
    lines.push("    TX:  bytes packets errors dropped carrier collsns");
    lines.push(`    ${row([c.txBytes, c.txPackets, c.txErrors, c.txDropped, 0, 0])}`);
  });
  return `${lines.join("\n")}\n`;
}

/** One row of `ip -s link` numbers: the first column 10 wide, the rest 8, as iproute2 prints them. */
function row(values: number[]): string {
  return values.map((v, i) => String(v).padStart(i === 0 ? 10 : 8)).join("");
}

/** Cisco `show ip route` (FRR's format), with the gateway of last resort line IOS prints. */
export function showIpRoute(node: Node): string {
  return formatShowIpRoute(node.ipv4.routes, { now: node.scheduler.now });
}

/** Cisco's dotted MAC notation: 0200.0000.0001. */
export function ciscoMacText(mac: number): string {
  const hex = mac.toString(16).padStart(12, "0");
  return `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8, 12)}`;
}

/** Cisco `show arp` (IOS `show ip arp`): own addresses with age "-", learned ones in minutes. */
export function showArp(node: Node): string {
  const lines = ["Protocol  Address          Age (min)  Hardware Addr   Type   Interface"];
  const now = node.scheduler.now;
  const rows: { address: number; line: string }[] = [];
  for (const iface of node.interfaces) {
    for (const prefix of iface.addresses) {
      rows.push({
        address: prefix.address.value,
        line: arpLine(prefix.address.value, "-", iface.mac.value, iface.name),
      });
    }
    if (!iface.hasArpCache) continue;
    for (const entry of iface.arp.list()) {
      if (entry.mac === undefined) {
        rows.push({
          address: entry.address,
          line: `Internet  ${new Ipv4Address(entry.address).toString().padEnd(17)}${"0".padStart(9)}   Incomplete      ARPA`,
        });
        continue;
      }
      const age = entry.state === "permanent" ? "-" : String(Math.floor((now - entry.updated) / 60e9));
      rows.push({ address: entry.address, line: arpLine(entry.address, age, entry.mac, iface.name) });
    }
  }
  rows.sort((a, b) => a.address - b.address);
  for (const r of rows) lines.push(r.line);
  return `${lines.join("\n")}\n`;
}

function arpLine(address: number, age: string, mac: number, iface: string): string {
  return `Internet  ${new Ipv4Address(address).toString().padEnd(17)}${age.padStart(9)}   ${ciscoMacText(mac)}  ARPA   ${iface}`;
}

/** Cisco `show ip interface brief`. */
export function showIpInterfaceBrief(node: Node): string {
  const lines = [
    `${"Interface".padEnd(27)}${"IP-Address".padEnd(16)}OK? Method Status                Protocol`,
  ];
  for (const iface of allInterfaces(node)) {
    const address = iface.primaryAddress?.address.toString() ?? "unassigned";
    const method = iface.primaryAddress ? "manual" : "unset ";
    const status = !iface.adminUp ? "administratively down" : iface.isUp ? "up" : "down";
    const protocol = iface.isUp ? "up" : "down";
    lines.push(`${iface.name.padEnd(27)}${address.padEnd(16)}YES ${method} ${status.padEnd(22)}${protocol}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Cisco `show interfaces counters`: octets and unicast/multicast/broadcast packets each way. */
export function showInterfacesCounters(node: Node): string {
  const lines = [
    `${"Port".padEnd(15)}${"InOctets".padStart(12)}${"InUcastPkts".padStart(15)}${"InMcastPkts".padStart(15)}${"InBcastPkts".padStart(15)}`,
  ];
  for (const iface of allInterfaces(node)) {
    const c = iface.counters;
    const unicast = c.rxPackets - c.rxMulticast - c.rxBroadcast;
    lines.push(
      `${iface.name.padEnd(15)}${num(c.rxBytes, 12)}${num(unicast, 15)}${num(c.rxMulticast, 15)}${num(c.rxBroadcast, 15)}`,
    );
  }
  lines.push("");
  lines.push(
    `${"Port".padEnd(15)}${"OutOctets".padStart(12)}${"OutUcastPkts".padStart(15)}${"OutMcastPkts".padStart(15)}${"OutBcastPkts".padStart(15)}`,
  );
  for (const iface of allInterfaces(node)) {
    const c = iface.counters;
    const unicast = c.txPackets - c.txMulticast - c.txBroadcast;
    lines.push(
      `${iface.name.padEnd(15)}${num(c.txBytes, 12)}${num(unicast, 15)}${num(c.txMulticast, 15)}${num(c.txBroadcast, 15)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function num(value: number, width: number): string {
  return String(value).padStart(width);
}

function allInterfaces(node: Node): NetInterface[] {
  return [...node.interfaces];
}

/** The netmask of a prefix length in dotted form (for IOS-style listings). */
export function dottedMask(length: number): string {
  return new Ipv4Address(ipv4Netmask(length)).toString();
}
