/**
 * Simulator benchmarks: `tinkernet bench sim`. Each group of cases is one function below; the
 * routing table's come first (longest prefix match on a full Internet table).
 */

import { loadavg } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { syntheticInternetTable, syntheticIpv6Table } from "../src/net/lpm/synthetic-table.js";
import {
  type Ipv6NextHop,
  type Ipv6Route,
  Ipv6RoutingTable,
  makeRoute,
  type NextHop,
  type Route,
  RoutingTable,
} from "../src/net/routing-table.js";
import { SeededRandom } from "../src/sim/random.js";
import { Ipv4Address, Ipv4Prefix } from "../src/wire/address/ipv4.js";
import { Ipv6Address, Ipv6Prefix } from "../src/wire/address/ipv6.js";
import { opsPerSecond, type Report, round } from "./harness.js";
import { run as runNetworkCases } from "./sim-network.js";

const SUITE = "sim";

/** A full garbage collection, when the runtime lets us ask for one (for heap measurements). */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (() => void) | undefined;
  gc?.();
  gc?.();
}

/** Bytes on the JS heap plus typed-array backing stores (which live outside the heap). */
function usedBytes(): number {
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

export function run(report: Report): void {
  routingTable(report);
  routingTable6(report);
  runNetworkCases(report);
}

/** Longest prefix match: build and lookup rates on a 1,000,000-prefix table, and memory at both ends. */
function routingTable(report: Report): void {
  const count = 1_000_000;
  const { networks, lengths } = syntheticInternetTable(count, 1);
  // A core router learns its table from a handful of peers: the routes share next-hop lists.
  const peers: NextHop[][] = [1, 2, 3, 4].map((i) => [
    { via: Ipv4Address.parse(`192.0.2.${i}`), interface: `eth${i}` },
  ]);
  const routes: Route[] = new Array(count);
  for (let i = 0; i < count; i++) {
    routes[i] = {
      prefix: new Ipv4Prefix(new Ipv4Address(networks[i]), lengths[i]),
      nextHops: peers[i & 3],
      protocol: "bgp",
      distance: 20,
      metric: 0,
    };
  }

  const before = usedBytes();
  const start = performance.now();
  const table = new RoutingTable();
  for (let i = 0; i < count; i++) table.add(routes[i]);
  const buildSeconds = (performance.now() - start) / 1000;
  const tableBytes = usedBytes() - before;
  report({
    suite: SUITE,
    name: "lpm-1m-build",
    value: round(buildSeconds),
    unit: "s",
    target: 3,
    prefixes: table.prefixCount,
    trieNodes: table.fib.nodeCount,
    heapBytes: tableBytes,
    bytesPerPrefix: round(tableBytes / table.prefixCount),
    structureBytes: table.memoryBytes(),
  });

  // Uniformly random destinations, as the brief asks; most fall outside any /24 of the table.
  const rng = new SeededRandom(7);
  const random = () => rng.next();
  const mask = (1 << 20) - 1;
  const uniform = new Uint32Array(mask + 1);
  for (let i = 0; i <= mask; i++) uniform[i] = Math.floor(random() * 0x1_0000_0000);
  // Destinations inside announced prefixes (traffic goes where routes are): deeper walks.
  const inside = new Uint32Array(mask + 1);
  for (let i = 0; i <= mask; i++) {
    const r = Math.floor(random() * count);
    inside[i] = (networks[r] + Math.floor(random() * 2 ** (32 - lengths[r]))) >>> 0;
  }

  for (const [name, addresses] of [
    ["lpm-1m-lookups", uniform],
    ["lpm-1m-lookups-routed", inside],
  ] as const) {
    let next = 0;
    let hits = 0;
    const cpuBefore = process.cpuUsage();
    const perSecond = opsPerSecond(() => {
      if (table.lookup(addresses[next++ & mask]) !== undefined) hits++;
    }, 2);
    const cpu = process.cpuUsage(cpuBefore);
    report({
      suite: SUITE,
      name,
      value: Math.round(perSecond),
      unit: "lookups/s",
      target: 10_000_000,
      hitRate: round(hits / next),
      // The same rate per second of CPU this process got: on a shared machine the wall-clock
      // figure drops with the load, this one much less.
      perCpuSecond: Math.round(next / ((cpu.user + cpu.system) / 1e6)),
      loadAverage: round(loadavg()[0]),
    });
  }
  if (table.size !== count) throw new Error("the table lost routes");

  // A host's table, many times over (as in a 10,000-node topology): connected, local, default,
  // and two statics. Measured per table with its route objects, over 10,000 tables.
  const tables = 10_000;
  const small: RoutingTable[] = [];
  const smallBefore = usedBytes();
  for (let i = 0; i < tables; i++) {
    const t = new RoutingTable();
    const lan = `10.${(i >> 8) & 255}.${i & 255}`;
    t.add(makeRoute({ prefix: `${lan}.0/24`, protocol: "connected", interface: "eth0" }));
    t.add(makeRoute({ prefix: `${lan}.10/32`, protocol: "local", interface: "eth0" }));
    t.add(makeRoute({ prefix: "0.0.0.0/0", protocol: "static", via: `${lan}.1`, interface: "eth0" }));
    t.add(makeRoute({ prefix: "192.168.0.0/16", protocol: "static", via: `${lan}.2`, interface: "eth0" }));
    t.add(makeRoute({ prefix: "172.16.0.0/12", protocol: "static", via: `${lan}.3`, interface: "eth0" }));
    small.push(t);
  }
  const perTable = (usedBytes() - smallBefore) / tables;
  report({
    suite: SUITE,
    name: "lpm-5-routes-heap",
    value: Math.round(perTable),
    unit: "bytes",
    structureBytes: small[0].memoryBytes(),
    note: "per table, route objects included",
  });
}

/**
 * IPv6 longest prefix match on a 1,000,000-prefix synthetic table (src/net/lpm/synthetic-table.ts:
 * the 2024 length mix, three in four prefixes more-specifics of another): build time, memory, and
 * lookups of addresses inside announced prefixes (where traffic goes; the target) and of random
 * addresses in 2000::/3 (mostly misses, short walks).
 */
function routingTable6(report: Report): void {
  const count = 1_000_000;
  const { networks, lengths } = syntheticIpv6Table(count, 1);
  const n = lengths.length;
  const peers: Ipv6NextHop[][] = [1, 2, 3, 4].map((i) => [
    { via: Ipv6Address.parse(`fe80::${i}`), interface: `eth${i}` },
  ]);
  const routes: Ipv6Route[] = new Array(n);
  for (let i = 0; i < n; i++) {
    routes[i] = {
      prefix: new Ipv6Prefix(new Ipv6Address(networks.slice(16 * i, 16 * i + 16)), lengths[i]),
      nextHops: peers[i & 3],
      protocol: "bgp",
      distance: 20,
      metric: 0,
    };
  }

  const before = usedBytes();
  const start = performance.now();
  const table = new Ipv6RoutingTable();
  for (let i = 0; i < n; i++) table.add(routes[i]);
  const buildSeconds = (performance.now() - start) / 1000;
  const tableBytes = usedBytes() - before;
  report({
    suite: SUITE,
    name: "lpm6-1m-build",
    value: round(buildSeconds),
    unit: "s",
    target: 10,
    prefixes: table.prefixCount,
    trieNodes: table.fib.nodeCount,
    heapBytes: tableBytes,
    bytesPerPrefix: round(tableBytes / table.prefixCount),
    structureBytes: table.memoryBytes(),
  });

  const rng = new SeededRandom(7);
  const mask = (1 << 18) - 1;
  const inside = new Uint8Array(16 * (mask + 1));
  const uniform = new Uint8Array(16 * (mask + 1));
  for (let k = 0; k <= mask; k++) {
    const r = rng.int(n);
    const at = 16 * k;
    for (let i = 0; i < 16; i++) {
      inside[at + i] = rng.int(256);
      uniform[at + i] = rng.int(256);
    }
    uniform[at] = 0x20 | (uniform[at] & 0x1f);
    for (let bit = 0; bit < lengths[r]; bit++) {
      const m = 0x80 >> (bit & 7);
      inside[at + (bit >> 3)] = (inside[at + (bit >> 3)] & ~m) | (networks[16 * r + (bit >> 3)] & m);
    }
  }
  // Routers look up bursts of packets (DPDK's rte_lpm6_lookup_bulk_func): `lookupBulk` walks 8
  // addresses side by side so their cache misses overlap. Single lookups are reported too.
  const burst = 64;
  const found: (Ipv6Route | undefined)[] = new Array(burst);
  for (const [name, addresses, bulk, target] of [
    ["lpm6-1m-lookups", inside, true, 5_000_000],
    ["lpm6-1m-lookups-single", inside, false, undefined],
    ["lpm6-1m-lookups-uniform", uniform, true, undefined],
  ] as const) {
    let next = 0;
    let done = 0;
    let hits = 0;
    const cpuBefore = process.cpuUsage();
    const perSecond = bulk
      ? burst *
        opsPerSecond(
          () => {
            table.lookupBulk(addresses, 16 * next, burst, found);
            next = (next + burst) & mask;
            done += burst;
            for (let i = 0; i < burst; i++) if (found[i] !== undefined) hits++;
          },
          2,
          16,
        )
      : opsPerSecond(() => {
          done++;
          if (table.lookup(addresses, 16 * (next++ & mask)) !== undefined) hits++;
        }, 2);
    const cpu = process.cpuUsage(cpuBefore);
    report({
      suite: SUITE,
      name,
      value: Math.round(perSecond),
      unit: "lookups/s",
      ...(target !== undefined ? { target } : {}),
      ...(bulk ? { burst } : {}),
      hitRate: round(hits / done),
      perCpuSecond: Math.round(done / ((cpu.user + cpu.system) / 1e6)),
      loadAverage: round(loadavg()[0]),
    });
  }
  if (table.size !== n) throw new Error("the IPv6 table lost routes");
}
