/**
 * OSPF's views in FRR's format (ospf_vty.c): `show ip ospf`, `show ip ospf neighbor`,
 * `show ip ospf interface`, `show ip ospf database` and `show ip ospf route`.
 */
import { formatUptime } from "../../net/show-ip-route.js";
import { SECOND } from "../../sim/time.js";
import { dotted, LsaType } from "../../wire/ospf/index.js";
import { ageOf, type LsaEntry } from "./lsdb.js";
import type { Ospf } from "./ospf.js";

const pad = (text: string, width: number) => text.padEnd(width);
const rpad = (text: string, width: number) => text.padStart(width);

/** FRR prints short durations as 1m02s / 35.123s. */
function shortDuration(ns: number): string {
  const s = Math.max(0, ns / SECOND);
  if (s < 60) return `${s.toFixed(3)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  return formatUptime(ns);
}

export function showIpOspf(ospf: Ospf): string {
  const now = ospf.now;
  const lines = [
    ` OSPF Routing Process, Router ID: ${dotted(ospf.routerId)}`,
    " Supports only single TOS (TOS0) routes",
    " This implementation conforms to RFC2328",
    ` This router is${ospf.isAreaBorderRouter ? "" : " not"} an ABR, ABR type is: Standard (RFC2328)`,
    ` SPF algorithm last executed ${ospf.lastSpfAt === undefined ? "never" : `${shortDuration(now - ospf.lastSpfAt)} ago`}`,
    ` SPF algorithm executed ${ospf.counters.spfRuns} times`,
    ` Routes last changed ${ospf.lastRouteChangeAt === undefined ? "never" : `${shortDuration(now - ospf.lastRouteChangeAt)} ago`}`,
    ` Number of LSAs originated ${ospf.counters.lsasOriginated}`,
    ` Packets: ${ospf.counters.packetsIn} in, ${ospf.counters.packetsOut} out, ${ospf.counters.dropped} dropped${ospf.lastDrop ? ` (last: ${ospf.lastDrop})` : ""}`,
    ` Number of areas attached to this router: ${ospf.areas.size}`,
  ];
  for (const area of ospf.areas.values()) {
    const full = area.interfaces.reduce(
      (n, i) => n + [...i.neighbors.values()].filter((x) => x.state === "Full").length,
      0,
    );
    lines.push(
      "",
      ` Area ID: ${dotted(area.id)}${area.id === 0 ? " (Backbone)" : ""}`,
      `   Number of interfaces in this area: Total: ${area.interfaces.length}, Active: ${area.interfaces.filter((i) => i.state !== "Down").length}`,
      `   Number of fully adjacent neighbors in this area: ${full}`,
      `   Number of LSA ${area.lsdb.size}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** `show ip ospf neighbor`. */
export function showIpOspfNeighbor(ospf: Ospf): string {
  const lines = [
    "",
    "Neighbor ID     Pri State           Up Time         Dead Time Address         Interface                        RXmtL RqstL DBsmL",
  ];
  const now = ospf.now;
  for (const { iface, neighbor: n } of ospf.neighbors()) {
    let role = "DROther";
    if (iface.isPointToPoint) role = "DROther";
    if (n.address === iface.designatedRouter) role = "DR";
    else if (n.address === iface.backupDesignatedRouter) role = "Backup";
    const state = iface.isPointToPoint && n.state === "Full" ? "Full/-" : `${n.state}/${role}`;
    const dead = n.inactivityTimer?.active ? shortDuration(n.inactivityTimer.time - now) : "-";
    lines.push(
      `${pad(dotted(n.routerId), 15)} ${rpad(String(n.priority), 3)} ${pad(state, 15)} ${pad(shortDuration(now - n.since), 15)} ${rpad(dead, 9)} ${pad(dotted(n.address), 15)} ${pad(`${iface.name}:${dotted(iface.address)}`, 32)} ${rpad(String(n.retransmitList.size), 5)} ${rpad(String(n.requestList.size), 5)} ${rpad(String(n.summaryList.length), 5)}`,
    );
  }
  return `${lines.join("\n")}\n\n`;
}

/** `show ip ospf interface [NAME]`. */
export function showIpOspfInterface(ospf: Ospf, name?: string): string {
  const lines: string[] = [];
  for (const iface of ospf.interfaces.values()) {
    if (name !== undefined && iface.name !== name) continue;
    const s = iface.settings;
    const maskLength = 32 - Math.log2((~iface.mask >>> 0) + 1);
    const neighbors = [...iface.neighbors.values()];
    lines.push(
      `${iface.name} is ${iface.state === "Down" ? "down" : "up"}`,
      `  Internet Address ${dotted(iface.address)}/${maskLength}, Area ${dotted(s.areaId)}`,
      `  Router ID ${dotted(ospf.routerId)}, Network Type ${iface.isPointToPoint ? "POINTOPOINT" : "BROADCAST"}, Cost: ${s.cost}`,
      `  Transmit Delay is 1 sec, State ${iface.state}, Priority ${s.priority}`,
    );
    if (!iface.isPointToPoint) {
      lines.push(
        `  Designated Router (ID) ${dotted(iface.designatedRouter)}`,
        `  Backup Designated Router (ID) ${dotted(iface.backupDesignatedRouter)}`,
      );
    }
    lines.push(
      `  Multicast group memberships: OSPFAllRouters${iface.isDrOrBackup ? " OSPFDesignatedRouters" : ""}`,
      `  Timer intervals configured, Hello ${s.helloInterval}s, Dead ${s.deadInterval}s, Wait ${s.deadInterval}s, Retransmit ${s.retransmitInterval}`,
      `  ${s.passive ? "No Hellos (Passive interface)" : iface.nextHelloAt === undefined ? "No Hellos (interface down)" : `Hello due in ${shortDuration(iface.nextHelloAt - ospf.now)}`}`,
      `  Neighbor Count is ${neighbors.length}, Adjacent neighbor count is ${neighbors.filter((n) => n.state === "Full").length}`,
      "",
    );
  }
  return lines.length > 0 ? `${lines.join("\n")}` : `No such interface${name ? ` ${name}` : ""}\n`;
}

function maskBits(mask: number): number {
  return 32 - Math.log2((~mask >>> 0) + 1);
}

/** `show ip ospf database`. */
export function showIpOspfDatabase(ospf: Ospf): string {
  const now = ospf.now;
  const lines = ["", `       OSPF Router with ID (${dotted(ospf.routerId)})`];
  const header = (e: LsaEntry) => {
    const h = e.lsa.header;
    return `${pad(dotted(h.id), 15)} ${pad(dotted(h.advertisingRouter), 15)} ${rpad(String(ageOf(e, now)), 4)} 0x${(h.sequence >>> 0).toString(16).padStart(8, "0")} 0x${h.checksum.toString(16).padStart(4, "0")}`;
  };
  for (const area of ospf.areas.values()) {
    const entries = [...area.lsdb.values()].sort(
      (a, b) =>
        a.lsa.header.type - b.lsa.header.type ||
        (a.lsa.header.id >>> 0) - (b.lsa.header.id >>> 0) ||
        (a.lsa.header.advertisingRouter >>> 0) - (b.lsa.header.advertisingRouter >>> 0),
    );
    const section = (type: number, title: string, extra: string, cell: (e: LsaEntry) => string) => {
      const of = entries.filter((e) => e.lsa.header.type === type);
      if (of.length === 0) return;
      lines.push(
        "",
        `                ${title} (Area ${dotted(area.id)})`,
        "",
        `Link ID         ADV Router      Age  Seq#       CkSum${extra}`,
      );
      for (const e of of) lines.push(`${header(e)}${cell(e)}`);
    };
    section(LsaType.Router, "Router Link States", "  Link count", (e) =>
      e.lsa.body.kind === "router" ? ` ${e.lsa.body.links.length}` : "",
    );
    section(LsaType.Network, "Net Link States", "", () => "");
    section(LsaType.SummaryNetwork, "Summary Link States", "  Route", (e) =>
      e.lsa.body.kind === "summary" ? ` ${dotted(e.lsa.header.id)}/${maskBits(e.lsa.body.mask)}` : "",
    );
  }
  return `${lines.join("\n")}\n\n`;
}

/** `show ip ospf route`: OSPF's own table, before the RIB chooses among protocols. */
export function showIpOspfRoute(ospf: Ospf): string {
  const lines = ["============ OSPF network routing table ============"];
  const routes = [...ospf.routes.values()].sort(
    (a, b) => a.prefix.network.value - b.prefix.network.value || a.prefix.length - b.prefix.length,
  );
  for (const r of routes) {
    const kind = r.type === "intra-area" ? "N   " : "N IA";
    lines.push(`${kind} ${pad(r.prefix.toString(), 18)} [${r.cost}] area: ${dotted(r.area)}`);
    for (const h of r.nextHops)
      lines.push(
        h.gateway === 0
          ? `                           directly attached to ${h.iface}`
          : `                           via ${dotted(h.gateway)}, ${h.iface}`,
      );
  }
  return `${lines.join("\n")}\n\n`;
}
