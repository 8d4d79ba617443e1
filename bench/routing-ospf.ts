/**
 * `ospf-converge-1000` (part of `tinkernet bench routing`): wall seconds for 1,000 OSPF routers in
 * a random mesh to converge (target ≤ 30). The mesh is seeded: a random spanning tree (each router
 * joins an earlier one) plus 500 random extra links, all point-to-point /30s with 1 ms of delay,
 * each router with a loopback /32. FRR's timers (hello 10 s, dead 40 s) run in virtual time; the
 * clock runs from the start until every router has an OSPF route to every prefix in the mesh.
 */
import { Network } from "../src/devices/network.js";
import type { Router } from "../src/devices/router.js";
import { Ospf } from "../src/routing/ospf/ospf.js";
import { SeededRandom } from "../src/sim/random.js";
import { SECOND } from "../src/sim/time.js";
import { Ipv4Address } from "../src/wire/address/ipv4.js";
import type { Report } from "./harness.js";

export interface OspfMesh {
  net: Network;
  routers: Router[];
  processes: Ospf[];
  links: number;
  /** Prefixes every router should end up with (loopbacks and link subnets). */
  prefixes: number;
}

/** Builds the seeded random mesh with OSPF on every interface (area 0, point-to-point). */
export function ospfMesh(count: number, extraLinks: number, seed = 1): OspfMesh {
  const net = new Network({ seed });
  const random = new SeededRandom(seed);
  const routers: Router[] = [];
  const interfaces: string[][] = [];
  for (let i = 0; i < count; i++) {
    const r = net.addRouter(`r${i}`);
    r.addAddress("lo", `10.255.${i >> 8}.${i & 0xff}/32`);
    routers.push(r);
    interfaces.push(["lo"]);
  }
  const seen = new Set<string>();
  let links = 0;
  const join = (a: number, b: number) => {
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (a === b || seen.has(key)) return false;
    seen.add(key);
    const base = (10 << 24) + links * 4; // 10.0.0.0/30, 10.0.0.4/30, ...
    const aIf = `e${interfaces[a].length}`;
    const bIf = `e${interfaces[b].length}`;
    net.connect(`r${a}:${aIf}`, `r${b}:${bIf}`, { delay: "1ms" });
    routers[a].addAddress(aIf, `${new Ipv4Address(base + 1)}/30`);
    routers[b].addAddress(bIf, `${new Ipv4Address(base + 2)}/30`);
    interfaces[a].push(aIf);
    interfaces[b].push(bIf);
    links++;
    return true;
  };
  for (let i = 1; i < count; i++) join(i, random.int(i));
  for (let added = 0; added < extraLinks; ) if (join(random.int(count), random.int(count))) added++;
  const processes = routers.map((r, i) =>
    r.routing.add(
      new Ospf(r, {
        routerId: `10.255.${i >> 8}.${i & 0xff}`,
        areas: {
          0: {
            interfaces: interfaces[i].map((name) =>
              name === "lo" ? name : { name, network: "point-to-point" as const },
            ),
          },
        },
      }),
    ),
  );
  return { net, routers, processes, links, prefixes: count + links };
}

/** Runs until every router has all the mesh's prefixes from OSPF; returns the virtual seconds it took. */
export function converge(mesh: OspfMesh, limit = 600 * SECOND): number | undefined {
  const { net, processes, prefixes } = mesh;
  const target = processes.length * prefixes;
  for (let t = 0; t < limit; t += SECOND) {
    net.scheduler.runFor(SECOND);
    let total = 0;
    for (const p of processes) total += p.installedCount;
    if (total === target) return net.scheduler.now / SECOND;
  }
  return undefined;
}

export function runOspfConverge(report: Report): void {
  const count = Number(process.env.OSPF_BENCH_ROUTERS ?? 1000);
  const extra = Math.round(count / 2);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const mesh = ospfMesh(count, extra, 1);
  const built = performance.now();
  const virtual = converge(mesh);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (virtual === undefined)
    throw new Error("ospf-converge: the mesh did not converge in 600 virtual seconds");
  const spfRuns = mesh.processes.reduce((n, p) => n + p.counters.spfRuns, 0);
  const packets = mesh.processes.reduce((n, p) => n + p.counters.packetsOut, 0);
  report({
    suite: "routing",
    name: count === 1000 ? "ospf-converge-1000" : `ospf-converge-${count}`,
    value: Math.round(seconds * 100) / 100,
    unit: "s",
    target: "<= 30",
    routers: count,
    links: mesh.links,
    buildSeconds: Math.round(built - t0) / 1000,
    // CPU seconds of this process: on a shared machine the wall clock also counts other work.
    cpuSeconds: Math.round((cpu.user + cpu.system) / 10_000) / 100,
    virtualSeconds: virtual,
    spfRuns,
    ospfPackets: packets,
  });
}
