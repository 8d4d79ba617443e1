/**
 * Cisco IOS's NAT views: `show ip nat translations [verbose]` and `show ip nat statistics`, with
 * IOS's vocabulary: *inside local* (the inside host's own endpoint), *inside global* (what the
 * outside sees), *outside local/global* (the remote endpoint; the same here, as no outside NAT is
 * configured). One line per session; a port forward also has its static line with `---` outside.
 */
import { type Nanoseconds, SECOND } from "../../sim/time.js";
import { Ipv4Address } from "../../wire/address/ipv4.js";
import { IpProtocol } from "../../wire/ipv4.js";
import type { Nat } from "./nat.js";
import { NAT_TCP_STATE_NAMES } from "./tcp-state.js";

const protocolNames: Record<number, string> = {
  [IpProtocol.TCP]: "tcp",
  [IpProtocol.UDP]: "udp",
  [IpProtocol.ICMP]: "icmp",
};

const endpoint = (address: number, port: number) => `${new Ipv4Address(address)}:${port}`;

/** hh:mm:ss, as IOS prints ages. */
export function formatAge(duration: Nanoseconds): string {
  const total = Math.max(0, Math.floor(duration / SECOND));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}

/** `show ip nat translations` (with `verbose`: ages, timeouts and TCP state under each line). */
export function showIpNatTranslations(nat: Nat, options: { verbose?: boolean } = {}): string {
  const now = nat.ipv4.now;
  const width = 22;
  const lines = [
    `${"Pro".padEnd(5)}${"Inside global".padEnd(width)}${"Inside local".padEnd(width)}${"Outside local".padEnd(width)}Outside global`,
  ];
  const mappings = nat.table.mappings(now);
  mappings.sort(
    (a, b) =>
      Number(b.isStatic) - Number(a.isStatic) ||
      a.externalAddress - b.externalAddress ||
      a.externalPort - b.externalPort ||
      a.protocol - b.protocol,
  );
  for (const mapping of mappings) {
    const pro = (protocolNames[mapping.protocol] ?? String(mapping.protocol)).padEnd(5);
    const global = endpoint(mapping.externalAddress, mapping.externalPort).padEnd(width);
    const local = endpoint(mapping.internalAddress, mapping.internalPort).padEnd(width);
    if (mapping.isStatic) {
      lines.push(`${pro}${global}${local}${"---".padEnd(width)}---`);
      if (options.verbose) lines.push(`    create ${formatAge(now - mapping.created)}, flags: static`);
    }
    const sessions = [...mapping.sessions].sort(
      (a, b) => a.remoteAddress - b.remoteAddress || a.remotePort - b.remotePort,
    );
    for (const session of sessions) {
      // IOS shows an ICMP session's remote with the query's identifier.
      const remotePort = mapping.protocol === IpProtocol.ICMP ? mapping.externalPort : session.remotePort;
      const remote = endpoint(session.remoteAddress, remotePort);
      lines.push(`${pro}${global}${local}${remote.padEnd(width)}${remote}`);
      if (options.verbose) {
        const timeout = nat.table.idleTimeout(mapping.protocol, session.state);
        let detail = `    create ${formatAge(now - session.created)}, use ${formatAge(now - session.lastUsed)}, timeout:${timeout / 1e6}, left ${formatAge(session.expires - now)}`;
        if (mapping.protocol === IpProtocol.TCP) detail += `, state ${NAT_TCP_STATE_NAMES[session.state]}`;
        detail += `, packets out ${session.packetsOut} in ${session.packetsIn}`;
        lines.push(detail);
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

/** `show ip nat statistics`. */
export function showIpNatStatistics(nat: Nat): string {
  const now = nat.ipv4.now;
  const mappings = nat.table.mappings(now);
  const statics = mappings.filter((m) => m.isStatic).length;
  const table = nat.table;
  const stats = table.stats;
  const counters = nat.counters;
  const dynamicSessions = mappings.filter((m) => !m.isStatic).reduce((n, m) => n + m.sessions.length, 0);
  const total = statics + table.sessionCount;
  const lines = [
    `Total active translations: ${total} (${statics} static, ${dynamicSessions} dynamic; ${table.sessionCount} extended)`,
    stats.peakSessions > 0
      ? `Peak translations: ${stats.peakSessions}, occurred ${formatAge(now - stats.peakTime)} ago`
      : "Peak translations: 0",
    "Outside interfaces:",
    `  ${nat.outside}`,
    "Inside interfaces:",
    `  ${(nat.inside ?? nat.ipv4.interfaces.map((i) => i.name).filter((n) => n !== nat.outside)).join(", ")}`,
    `Hits: ${counters.hits}  Misses: ${counters.misses}`,
    `Translated packets: ${counters.outboundPackets} out, ${counters.inboundPackets} in, ${counters.hairpinPackets} hairpinned, ${counters.icmpErrorsTranslated} ICMP errors`,
    `Expired translations: ${stats.sessionsExpired}`,
    "Dynamic mappings:",
    "-- Inside Source",
  ];
  const refcount = mappings.filter((m) => !m.isStatic).length;
  if (nat.pool) {
    lines.push(`[Id: 1] pool NAT-POOL overload refcount ${refcount}`);
    const first = new Ipv4Address(Math.min(...nat.pool));
    const last = new Ipv4Address(Math.max(...nat.pool));
    const allocated = nat.pool.filter((a) => table.pairedCount(a) > 0).length;
    lines.push(` pool NAT-POOL: start ${first} end ${last}`);
    lines.push(
      `\ttype generic, total addresses ${nat.pool.length}, allocated ${allocated} (${Math.round((allocated * 100) / nat.pool.length)}%), misses ${stats.refusedNoPort}`,
    );
  } else {
    lines.push(`[Id: 1] interface ${nat.outside} overload refcount ${refcount}`);
  }
  lines.push(`Mapping: ${nat.mappingBehavior}; filtering: ${nat.filtering}`);
  lines.push(
    `Limit: ${nat.maxTranslations} translations; refused ${stats.refusedTableFull} (table full), ${stats.refusedNoPort} (no free port)`,
  );
  lines.push(`Filtered inbound packets: ${counters.filtered}`);
  const drops = counters.drops.entries();
  if (drops.length > 0) lines.push(`Drops: ${drops.map(([reason, n]) => `${reason} ${n}`).join(", ")}`);
  return `${lines.join("\n")}\n`;
}
