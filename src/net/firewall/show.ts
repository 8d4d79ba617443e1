/**
 * What the firewall shows: Cisco's `show access-lists` (one list per chain, each rule with its
 * hit count; the policy is printed as the list's last line, where IOS keeps an invisible
 * "deny any"), and Linux's `conntrack -L` for the connections it tracks.
 */
import { SECOND } from "../../sim/time.js";
import { Ipv4Address } from "../../wire/address/ipv4.js";
import { IpProtocol } from "../../wire/ipv4.js";
import { TCP_TRACK_NAMES } from "./conntrack.js";
import { CHAIN_NAMES, type Firewall } from "./firewall.js";

const policyWord = { accept: "permit", drop: "deny", reject: "reject" } as const;

/** `show access-lists`. */
export function showAccessLists(firewall: Firewall): string {
  const lines: string[] = [];
  if (firewall.zones.size > 0) {
    lines.push(
      `Zones: ${[...firewall.zones].map(([zone, members]) => `${zone} (${members.join(", ")})`).join(", ")}`,
    );
  }
  for (const name of CHAIN_NAMES) {
    const chain = firewall.chains[name];
    lines.push(`Extended IP access list ${name}`);
    chain.rules.forEach((rule, index) => {
      lines.push(`    ${(index + 1) * 10} ${rule.describe()} (${rule.packets} matches)`);
    });
    lines.push(`    policy ${policyWord[chain.policy]} ip any any (${chain.policyPackets} matches)`);
  }
  const c = firewall.conntrack;
  lines.push(
    `Connection tracking: ${c.size} of ${c.maxConnections} entries; ${c.stats.created} created, ${c.stats.expired} expired, ${c.stats.tableFull} refused (table full), ${c.stats.invalid} invalid packets`,
  );
  const drops = firewall.counters.drops.entries();
  if (drops.length > 0) lines.push(`Drops: ${drops.map(([reason, n]) => `${reason} ${n}`).join(", ")}`);
  return `${lines.join("\n")}\n`;
}

const protocolNames: Record<number, string> = {
  [IpProtocol.TCP]: "tcp",
  [IpProtocol.UDP]: "udp",
  [IpProtocol.ICMP]: "icmp",
};

/** `conntrack -L`: one line per connection, original tuple then reply tuple. */
export function showConntrack(firewall: Firewall): string {
  const now = firewall.ipv4.now;
  const lines: string[] = [];
  const connections = firewall.conntrack.connections(now).sort((a, b) => a.created - b.created);
  for (const c of connections) {
    const name = protocolNames[c.protocol] ?? "unknown";
    const left = Math.max(0, Math.ceil((c.expires - now) / SECOND));
    let line = `${name.padEnd(8)} ${c.protocol} ${left} `;
    if (c.protocol === IpProtocol.TCP) line += `${TCP_TRACK_NAMES[c.tcpState]} `;
    const src = new Ipv4Address(c.src);
    const dst = new Ipv4Address(c.dst);
    const ports = (a: number, b: number) =>
      c.protocol === IpProtocol.ICMP
        ? ` id=${a}`
        : c.protocol === IpProtocol.TCP || c.protocol === IpProtocol.UDP
          ? ` sport=${a} dport=${b}`
          : "";
    line += `src=${src} dst=${dst}${ports(c.srcPort, c.dstPort)} packets=${c.packets[0]} bytes=${c.bytes[0]} `;
    if (!c.replied) line += "[UNREPLIED] ";
    line += `src=${dst} dst=${src}${ports(c.dstPort, c.srcPort)} packets=${c.packets[1]} bytes=${c.bytes[1]}`;
    if (c.replied) line += " [ASSURED]";
    lines.push(line);
  }
  lines.push(`conntrack v1.4.7 (conntrack-tools): ${connections.length} flow entries have been shown.`);
  return `${lines.join("\n")}\n`;
}
