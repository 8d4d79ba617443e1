/** `show ip rip` in FRR's format (ripd/rip_interface.c, rip_vty). */
import { SECOND } from "../../sim/time.js";
import { RIP_INFINITY } from "../../wire/rip.js";
import type { Rip } from "./rip.js";

function dotted(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

function mmss(ns: number): string {
  const s = Math.max(0, Math.round(ns / SECOND));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

export function showIpRip(rip: Rip): string {
  const now = rip.router.scheduler.now;
  const lines = [
    "Codes: R - RIP, C - connected, S - Static, O - OSPF, B - BGP",
    "Sub-codes:",
    "      (n) - normal, (s) - static, (d) - default, (r) - redistribute,",
    "      (i) - interface",
    "",
    "     Network            Next Hop         Metric From            Tag Time",
  ];
  const routes = [...rip.routes.values()].sort(
    (a, b) => a.prefix.network.value - b.prefix.network.value || a.prefix.length - b.prefix.length,
  );
  for (const r of routes) {
    const code = r.connected ? "C(i)" : "R(n)";
    const metric = r.connected ? (r.metric >= RIP_INFINITY ? RIP_INFINITY : 1) : r.metric;
    const time = r.connected || r.expiresAt === undefined ? "" : mmss(r.expiresAt - now);
    lines.push(
      `${code} ${r.prefix.toString().padEnd(18)} ${dotted(r.nextHop).padEnd(16)} ${String(metric).padStart(6)} ${(r.connected ? "self" : dotted(r.from)).padEnd(15)} ${String(r.tag).padStart(3)} ${time}`.trimEnd(),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** `show ip rip status`. */
export function showIpRipStatus(rip: Rip): string {
  const c = rip.counters;
  return `${rip.showProtocols()}  Updates sent ${c.updatesSent} (triggered ${c.triggered}), received ${c.updatesReceived}; requests sent ${c.requestsSent}, received ${c.requestsReceived}; bad packets ${c.badPackets}, bad routes ${c.badRoutes}\n`;
}
