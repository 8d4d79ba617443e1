/**
 * `show ip bgp`, `show ip bgp summary` and `show ip bgp neighbors` in FRR 8's layout (bgp_route.c
 * route_vty_out, bgp_vty.c bgp_show_summary and bgp_show_peer), so that what a learner reads here
 * reads the same on a real router.
 */
import { type Nanoseconds, SECOND } from "../../sim/time.js";
import type { Ipv4Prefix } from "../../wire/address/ipv4.js";
import { type BgpPathAttributes, formatAsPath, formatCommunity, ORIGIN_CODES } from "../../wire/bgp/index.js";
import type { BgpSession } from "./session.js";
import type { Bgp, BgpPath, LocRibEntry } from "./speaker.js";

const STATUS_LEGEND = [
  "Status codes:  s suppressed, d damped, h history, * valid, > best, = multipath,",
  "               i internal, r RIB-failure, S Stale, R Removed",
  "Nexthop codes: @NNN nexthop's vrf id, < announce-nh-self",
  "Origin codes:  i - IGP, e - EGP, ? - incomplete",
  "RPKI validation codes: V valid, I invalid, N Not found",
].join("\n");

/** FRR's peer_uptime: hh:mm:ss under a day, then 1d02h03m, then 01w2d03h. */
export function formatUptime(since: Nanoseconds, now: Nanoseconds): string {
  let s = Math.max(0, Math.floor((now - since) / SECOND));
  const pad = (n: number) => String(n).padStart(2, "0");
  const days = Math.floor(s / 86400);
  s %= 86400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (days === 0) return `${pad(h)}:${pad(m)}:${pad(sec)}`;
  if (days < 7) return `${days}d${pad(h)}h${pad(m)}m`;
  return `${pad(Math.floor(days / 7))}w${days % 7}d${pad(h)}h`;
}

function pathLine(bgp: Bgp, entry: LocRibEntry, path: BgpPath, first: boolean): string {
  const valid = path.from === undefined || bgp.resolve(path.attributes.nextHop!).reachable;
  const status = `${valid ? "*" : " "}${path === entry.best ? ">" : " "}${path.from?.ibgp ? "i" : " "}`;
  return routeLine(status, first ? entry.prefix.toString() : "", path.attributes, path.weight);
}

/** One line of FRR's table: status (3), network (17), next hop (16), metric, LocPrf, weight, path. */
function routeLine(status: string, network: string, a: BgpPathAttributes, weight: number): string {
  let line = status;
  line += network.length >= 17 ? `${network}\n${" ".repeat(20)}` : network.padEnd(17);
  const nh = (a.nextHop ?? "0.0.0.0").toString();
  line += nh.length >= 16 ? `${nh}\n${" ".repeat(36)}` : nh.padEnd(16);
  line += a.med !== undefined ? String(a.med).padStart(10) : " ".repeat(10);
  line += a.localPref !== undefined ? String(a.localPref).padStart(7) : " ".repeat(7);
  line += `${String(weight).padStart(7)} `;
  const asPath = formatAsPath(a.asPath);
  line += `${asPath ? `${asPath} ` : ""}${ORIGIN_CODES[a.origin ?? 2] ?? "?"}`;
  return line;
}

/**
 * `show ip bgp neighbors A.B.C.D advertised-routes` (the Adj-RIB-Out: what we sent, as sent, our
 * AS prepended and NEXT_HOP rewritten) or `... routes` (the Adj-RIB-In: what we accepted from it).
 */
export function showIpBgpNeighborRoutes(bgp: Bgp, address: string, which: "advertised" | "received"): string {
  const session = bgp.session(address);
  if (!session) return `% No such neighbor or address family\n`;
  const rows: { prefix: Ipv4Prefix; attributes: BgpPathAttributes; weight: number }[] = [];
  if (which === "advertised") {
    for (const [, entry] of bgp.locRib) {
      const sent = bgp.advertised(session).get(entry.prefix.address.value * 64 + entry.prefix.length);
      if (sent) rows.push({ prefix: entry.prefix, attributes: sent, weight: 0 });
    }
  } else {
    for (const path of bgp.accepted(session))
      rows.push({ prefix: path.prefix, attributes: path.attributes, weight: path.weight });
  }
  rows.sort((a, b) => a.prefix.address.value - b.prefix.address.value || a.prefix.length - b.prefix.length);
  const lines = [
    `BGP table version is ${bgp.tableVersion}, local router ID is ${bgp.routerId}, vrf id 0`,
    `Default local pref 100, local AS ${bgp.asn}`,
    STATUS_LEGEND,
    "",
    "   Network          Next Hop            Metric LocPrf Weight Path",
  ];
  for (const r of rows)
    lines.push(routeLine(`*>${session.ibgp ? "i" : " "}`, r.prefix.toString(), r.attributes, r.weight));
  lines.push("", `Total number of prefixes ${rows.length}`);
  return `${lines.join("\n")}\n`;
}

/** `show ip bgp` (or just the lines of one prefix with `prefix`). */
export function showIpBgp(bgp: Bgp): string {
  const lines = [
    `BGP table version is ${bgp.tableVersion}, local router ID is ${bgp.routerId}, vrf id 0`,
    `Default local pref 100, local AS ${bgp.asn}`,
    STATUS_LEGEND,
    "",
    "   Network          Next Hop            Metric LocPrf Weight Path",
  ];
  let routes = 0;
  let paths = 0;
  for (const entry of bgp.entries()) {
    if (entry.paths.length === 0) continue;
    routes++;
    // The best path first, then the others as FRR lists them (newest first).
    const ordered = entry.best ? [entry.best, ...entry.paths.filter((p) => p !== entry.best)] : entry.paths;
    ordered.forEach((p, i) => {
      lines.push(pathLine(bgp, entry, p, i === 0));
      paths++;
    });
  }
  if (routes === 0) return "No BGP prefixes displayed, 0 exist\n";
  lines.push("", `Displayed  ${routes} routes and ${paths} total paths`);
  return `${lines.join("\n")}\n`;
}

/** `show ip bgp A.B.C.D/N`: every path of one prefix, with why the best one won. */
export function showIpBgpPrefix(bgp: Bgp, prefix: string): string {
  const entry = bgp.entry(prefix);
  if (!entry || entry.paths.length === 0) return "% Network not in table\n";
  const lines = [`BGP routing table entry for ${entry.prefix}, version ${bgp.tableVersion}`];
  lines.push(`Paths: (${entry.paths.length} available${entry.best ? ", best #1" : ", no best path"})`);
  const ordered = entry.best ? [entry.best, ...entry.paths.filter((p) => p !== entry.best)] : entry.paths;
  for (const p of ordered) {
    const a = p.attributes;
    lines.push(`  ${formatAsPath(a.asPath) || "Local"}`);
    const from = p.from
      ? `from ${p.from.address} (${p.from.peerId ?? "0.0.0.0"})`
      : `from 0.0.0.0 (${bgp.routerId})`;
    lines.push(`    ${a.nextHop ?? "0.0.0.0"} ${from}`);
    // FRR prints only the attributes the path has, and the weight when it is not 0.
    const bits = [
      `Origin ${["IGP", "EGP", "incomplete"][a.origin ?? 2]}`,
      a.med !== undefined ? `metric ${a.med}` : "",
      a.localPref !== undefined ? `localpref ${a.localPref}` : "",
      p.weight !== 0 ? `weight ${p.weight}` : "",
      p.from === undefined || bgp.resolve(a.nextHop!).reachable ? "valid" : "invalid",
      p.from === undefined ? "sourced, local" : p.from.ibgp ? "internal" : "external",
      p === entry.best ? "best" : "",
    ].filter(Boolean);
    lines.push(`      ${bits.join(", ")}`);
    if (a.communities) lines.push(`      Community: ${a.communities.map(formatCommunity).join(" ")}`);
    if (a.originatorId)
      lines.push(`      Originator: ${a.originatorId}, Cluster list: ${(a.clusterList ?? []).join(" ")}`);
    if (p !== entry.best && entry.best)
      lines.push(`      Not best: ${bgp.reason(entry.best, p)} of the best path is better`);
  }
  return `${lines.join("\n")}\n`;
}

function stateOrPrefixes(s: BgpSession): string {
  if (s.state === "Established") return String(s.prefixesReceived);
  if (s.config.shutdown) return "Idle (Admin)";
  return s.state;
}

/** `show ip bgp summary`. */
export function showIpBgpSummary(bgp: Bgp): string {
  const now = bgp.node.scheduler.now;
  const lines = [
    "",
    "IPv4 Unicast Summary (VRF default):",
    `BGP router identifier ${bgp.routerId}, local AS number ${bgp.asn} vrf-id 0`,
    `BGP table version ${bgp.tableVersion}`,
    `RIB entries ${bgp.locRib.size}, using ${bgp.locRib.size * 192} bytes of memory`,
    `Peers ${bgp.sessions.length}, using ${bgp.sessions.length * 724} KiB of memory`,
    "",
    "Neighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down State/PfxRcd   PfxSnt Desc",
  ];
  for (const s of bgp.sessions) {
    const rcvd = total(s.receivedCounts);
    const sent = total(s.sent);
    const up = s.establishedCount === 0 ? "never" : formatUptime(s.upDownSince, now);
    const host = s.address.toString();
    lines.push(
      `${host.length >= 16 ? `${host}\n${" ".repeat(16)}` : host.padEnd(16)}4 ${String(s.remoteAs).padStart(10)} ${String(rcvd).padStart(9)} ${String(sent).padStart(9)} ${String(0).padStart(8)} ${String(0).padStart(4)} ${String(s.outputQueue > 0 ? 1 : 0).padStart(4)} ${up.padStart(8)} ${stateOrPrefixes(s).padStart(12)} ${String(s.state === "Established" ? s.prefixesSent : 0).padStart(8)} ${s.config.description ?? "N/A"}`,
    );
  }
  lines.push("", `Total number of neighbors ${bgp.sessions.length}`);
  return `${lines.join("\n")}\n`;
}

/** FRR's wording: "Notification sent (Cease/Administrative Reset)". */
function resetReason(error: string): string {
  if (error.startsWith("sent ")) return `Notification sent (${error.slice(5)})`;
  if (error.startsWith("received ")) return `Notification received (${error.slice(9)})`;
  return error;
}

function total(c: BgpSession["sent"]): number {
  return c.opens + c.updates + c.keepalives + c.notifications + c.routeRefreshes;
}

/** `show ip bgp neighbors [A.B.C.D]`. */
export function showIpBgpNeighbors(bgp: Bgp, address?: string): string {
  const sessions = address ? bgp.sessions.filter((s) => s.address.toString() === address) : bgp.sessions;
  if (sessions.length === 0) return `% No such neighbor\n`;
  const now = bgp.node.scheduler.now;
  const out: string[] = [];
  for (const s of sessions) {
    const l: string[] = [];
    l.push(
      `BGP neighbor is ${s.address}, remote AS ${s.remoteAs}, local AS ${bgp.asn}, ${s.ibgp ? "internal" : "external"} link`,
    );
    if (s.config.description) l.push(` Description: ${s.config.description}`);
    l.push(`  BGP version 4, remote router ID ${s.peerId ?? "0.0.0.0"}, local router ID ${bgp.routerId}`);
    l.push(
      `  BGP state = ${s.state}${s.state === "Established" ? `, up for ${formatUptime(s.upDownSince, now)}` : ""}`,
    );
    const hold =
      s.state === "Established"
        ? s.negotiatedHoldTime
        : (s.config.timers?.hold ?? bgp.config.timers?.hold ?? 180);
    const keepalive = Math.max(
      1,
      Math.min(s.config.timers?.keepalive ?? bgp.config.timers?.keepalive ?? 60, Math.floor(hold / 3)),
    );
    l.push(`  Hold time is ${hold} seconds, keepalive interval is ${keepalive} seconds`);
    const configuredHold = s.config.timers?.hold ?? bgp.config.timers?.hold ?? 180;
    const configuredKeepalive = s.config.timers?.keepalive ?? bgp.config.timers?.keepalive ?? 60;
    l.push(
      `  Configured hold time is ${configuredHold} seconds, keepalive interval is ${configuredKeepalive} seconds`,
    );
    const open = s.peerOpen;
    if (open) {
      const has = (kind: string) => open.capabilities.some((c) => c.kind === kind);
      l.push("  Neighbor capabilities:");
      l.push(`    4 Byte AS: advertised${has("four-octet-as") ? " and received" : ""}`);
      l.push(`    Route refresh: advertised${has("route-refresh") ? " and received(new)" : ""}`);
      l.push(
        `    Address Family IPv4 Unicast: advertised${open.capabilities.some((c) => c.kind === "multiprotocol" && c.afi === 1 && c.safi === 1) ? " and received" : ""}`,
      );
    }
    l.push("  Message statistics:");
    l.push("    Inq depth is 0");
    l.push(`    Outq depth is ${s.outputQueue > 0 ? 1 : 0}`);
    l.push("                         Sent       Rcvd");
    const row = (name: string, a: number, b: number) =>
      `    ${name.padEnd(15)}${String(a).padStart(10)} ${String(b).padStart(10)}`;
    l.push(row("Opens:", s.sent.opens, s.receivedCounts.opens));
    l.push(row("Notifications:", s.sent.notifications, s.receivedCounts.notifications));
    l.push(row("Updates:", s.sent.updates, s.receivedCounts.updates));
    l.push(row("Keepalives:", s.sent.keepalives, s.receivedCounts.keepalives));
    l.push(row("Route Refresh:", s.sent.routeRefreshes, s.receivedCounts.routeRefreshes));
    l.push(row("Capability:", 0, 0));
    l.push(row("Total:", total(s.sent), total(s.receivedCounts)));
    l.push("");
    l.push(" For address family: IPv4 Unicast");
    if (s.config["route-reflector-client"]) l.push("  Route-Reflector Client");
    if (s.config["next-hop-self"]) l.push("  NEXT_HOP is always this router");
    if (s.config["prefix-list-in"])
      l.push(`  Incoming update prefix filter list is *${s.config["prefix-list-in"]}`);
    if (s.config["prefix-list-out"])
      l.push(`  Outgoing update prefix filter list is *${s.config["prefix-list-out"]}`);
    if (s.config["route-map-in"])
      l.push(`  Route map for incoming advertisements is *${s.config["route-map-in"]}`);
    if (s.config["route-map-out"])
      l.push(`  Route map for outgoing advertisements is *${s.config["route-map-out"]}`);
    l.push(`  ${s.prefixesReceived} accepted prefixes`);
    l.push("");
    l.push(`  Connections established ${s.establishedCount}; dropped ${s.droppedCount}`);
    l.push(
      s.lastError
        ? `  Last reset ${formatUptime(s.upDownSince, now)},  ${resetReason(s.lastError)}`
        : "  Last reset never",
    );
    if (!s.ibgp) l.push("  External BGP neighbor may be up to 1 hops away.");
    const retry = s.config.timers?.["connect-retry"] ?? bgp.config.timers?.["connect-retry"] ?? 120;
    l.push(`BGP Connect Retry Timer in Seconds: ${retry}`);
    if (s.state === "Established") {
      l.push(`Local host: ${s.localAddress}, Local port: ${s.localPort}`);
      l.push(`Foreign host: ${s.address}, Foreign port: ${s.remotePort}`);
    }
    out.push(l.join("\n"));
  }
  return `${out.join("\n\n")}\n`;
}
