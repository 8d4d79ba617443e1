import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  ADMINISTRATIVE_DISTANCE,
  chooseNextHop,
  defaultDistance,
  Ipv6RoutingTable,
  makeIpv6Route,
  makeRoute,
  type Route,
  type RouteProtocol,
  RoutingTable,
} from "../../src/net/routing-table.js";
import { Ipv4Address, Ipv4Prefix } from "../../src/wire/address/ipv4.js";
import { Ipv6Address, Ipv6Prefix } from "../../src/wire/address/ipv6.js";

const ip = (text: string) => Ipv4Address.parse(text);
const prefix = (text: string) => Ipv4Prefix.parse(text);
const lookupPrefix = (table: RoutingTable, address: string) => table.lookup(ip(address))?.prefix.toString();

function staticRoute(p: string, via: string, iface = "eth1", distance?: number): Route {
  return makeRoute({ prefix: p, protocol: "static", via, interface: iface, distance });
}

test("overlapping prefixes: the longest one that contains the address wins", () => {
  for (const listLimit of [0, 32]) {
    const table = new RoutingTable({ listLimit });
    table.add(staticRoute("0.0.0.0/0", "192.0.2.1"));
    table.add(staticRoute("10.0.0.0/8", "192.0.2.8"));
    table.add(staticRoute("10.1.0.0/16", "192.0.2.16"));
    table.add(staticRoute("10.1.2.0/24", "192.0.2.24"));
    table.add(staticRoute("10.1.2.128/25", "192.0.2.25"));
    assert.equal(lookupPrefix(table, "10.1.2.200"), "10.1.2.128/25");
    assert.equal(lookupPrefix(table, "10.1.2.128"), "10.1.2.128/25");
    assert.equal(lookupPrefix(table, "10.1.2.127"), "10.1.2.0/24");
    assert.equal(lookupPrefix(table, "10.1.2.0"), "10.1.2.0/24");
    assert.equal(lookupPrefix(table, "10.1.3.1"), "10.1.0.0/16");
    assert.equal(lookupPrefix(table, "10.2.0.1"), "10.0.0.0/8");
    assert.equal(lookupPrefix(table, "11.0.0.1"), "0.0.0.0/0");
    assert.equal(table.lookup(ip("10.1.2.200").value)?.nextHops[0].via?.toString(), "192.0.2.25");

    // Withdrawing the /24 from the middle of the chain: its addresses fall back to the /16,
    // the /25 inside it still answers for its half.
    assert.ok(table.remove(prefix("10.1.2.0/24"), "static"));
    assert.equal(lookupPrefix(table, "10.1.2.5"), "10.1.0.0/16");
    assert.equal(lookupPrefix(table, "10.1.2.200"), "10.1.2.128/25");
    assert.ok(table.remove(prefix("10.0.0.0/8"), "static"));
    assert.equal(lookupPrefix(table, "10.2.0.1"), "0.0.0.0/0");
    assert.equal(lookupPrefix(table, "10.1.2.5"), "10.1.0.0/16");
    assert.ok(table.remove(prefix("0.0.0.0/0"), "static"));
    assert.equal(table.lookup(ip("10.2.0.1")), undefined);
    assert.ok(!table.remove(prefix("0.0.0.0/0"), "static"));
  }
});

test("/0 and /32: an empty table, the default route, host routes at 0.0.0.0 and 255.255.255.255", () => {
  const table = new RoutingTable();
  assert.equal(table.lookup(0), undefined);
  assert.equal(table.lookup(0xffffffff), undefined);
  table.add(staticRoute("0.0.0.0/0", "192.0.2.1"));
  assert.equal(lookupPrefix(table, "0.0.0.0"), "0.0.0.0/0");
  assert.equal(lookupPrefix(table, "255.255.255.255"), "0.0.0.0/0");
  table.add(makeRoute({ prefix: "255.255.255.255/32", protocol: "local", interface: "eth0" }));
  table.add(makeRoute({ prefix: "0.0.0.0/32", protocol: "local", interface: "lo" }));
  table.add(makeRoute({ prefix: "10.0.0.0/31", protocol: "connected", interface: "eth2" }));
  table.add(makeRoute({ prefix: "10.0.0.1/32", protocol: "local", interface: "eth2" }));
  assert.equal(lookupPrefix(table, "255.255.255.255"), "255.255.255.255/32");
  assert.equal(lookupPrefix(table, "255.255.255.254"), "0.0.0.0/0");
  assert.equal(lookupPrefix(table, "0.0.0.0"), "0.0.0.0/32");
  assert.equal(lookupPrefix(table, "0.0.0.1"), "0.0.0.0/0");
  assert.equal(lookupPrefix(table, "10.0.0.0"), "10.0.0.0/31");
  assert.equal(lookupPrefix(table, "10.0.0.1"), "10.0.0.1/32");
  assert.equal(lookupPrefix(table, "10.0.0.2"), "0.0.0.0/0");
});

test("administrative distance selects among protocols, then the metric", () => {
  const table = new RoutingTable();
  const ospf = table.add(
    makeRoute({ prefix: "10.0.3.0/24", protocol: "ospf", via: "10.0.12.2", interface: "eth1", metric: 20 }),
  );
  const rip = table.add(
    makeRoute({ prefix: "10.0.3.0/24", protocol: "rip", via: "10.0.13.3", interface: "eth2", metric: 2 }),
  );
  assert.equal(ospf.distance, 110);
  assert.equal(rip.distance, 120);
  assert.equal(table.lookup(ip("10.0.3.9")), ospf, "OSPF (110) beats RIP (120) whatever the metrics");
  const stat = table.add(staticRoute("10.0.3.0/24", "10.0.14.4", "eth3"));
  assert.equal(table.lookup(ip("10.0.3.9")), stat, "a static route (1) beats both");
  assert.deepEqual(table.candidates(prefix("10.0.3.0/24")), [stat, ospf, rip]);
  assert.equal(table.size, 3);
  assert.equal(table.prefixCount, 1);
  assert.ok(table.isSelected(stat));
  assert.ok(!table.isSelected(ospf));

  table.remove(prefix("10.0.3.0/24"), "static");
  assert.equal(table.lookup(ip("10.0.3.9")), ospf);
  table.remove(prefix("10.0.3.0/24"), "ospf");
  assert.equal(table.lookup(ip("10.0.3.9")), rip);
  assert.equal(table.size, 1);

  // Equal distance: the lower metric wins, whichever came first.
  const kernelHigh = table.add(
    makeRoute({
      prefix: "192.168.0.0/16",
      protocol: "kernel",
      via: "10.0.12.2",
      interface: "eth1",
      metric: 100,
    }),
  );
  const staticZero = table.add(staticRoute("192.168.0.0/16", "10.0.13.3", "eth2", 0));
  assert.equal(table.lookup(ip("192.168.1.1")), staticZero);
  table.add({ ...staticZero, metric: 200 });
  assert.equal(table.lookup(ip("192.168.1.1")), kernelHigh);
  // On a full tie the older route stays selected.
  const staticTie = table.add({ ...staticZero, metric: 100 });
  assert.equal(table.lookup(ip("192.168.1.1")), kernelHigh);
  assert.deepEqual(table.candidates(prefix("192.168.0.0/16")), [kernelHigh, staticTie]);
});

test("a connected route beats any other source, as in FRR, even one configured at distance 0", () => {
  const table = new RoutingTable();
  const zero = table.add(staticRoute("10.0.1.0/24", "10.0.12.2", "eth1", 0));
  const connected = table.add(makeRoute({ prefix: "10.0.1.0/24", protocol: "connected", interface: "eth0" }));
  assert.equal(table.lookup(ip("10.0.1.7")), connected);
  assert.deepEqual(table.candidates(prefix("10.0.1.0/24")), [connected, zero]);
});

test("a floating static route waits behind the main one and takes over when it is removed", () => {
  const table = new RoutingTable();
  const main = table.add(staticRoute("0.0.0.0/0", "10.0.12.2", "eth1"));
  const floating = table.add(staticRoute("0.0.0.0/0", "10.0.13.3", "eth2", 250));
  assert.equal(table.size, 2);
  assert.equal(table.lookup(ip("8.8.8.8")), main);
  assert.ok(table.remove(prefix("0.0.0.0/0"), "static", 1));
  assert.equal(table.lookup(ip("8.8.8.8")), floating);
  // Without a distance, every static route of the prefix goes.
  table.add(main);
  assert.ok(table.remove(prefix("0.0.0.0/0"), "static"));
  assert.equal(table.size, 0);
  assert.equal(table.lookup(ip("8.8.8.8")), undefined);
});

test("adding a route of the same source replaces it", () => {
  const table = new RoutingTable();
  table.add(
    makeRoute({ prefix: "10.9.0.0/16", protocol: "ospf", via: "10.0.12.2", interface: "eth1", metric: 30 }),
  );
  const better = table.add(
    makeRoute({ prefix: "10.9.0.0/16", protocol: "ospf", via: "10.0.13.3", interface: "eth2", metric: 20 }),
  );
  assert.equal(table.size, 1);
  assert.deepEqual(table.candidates(prefix("10.9.0.0/16")), [better]);
});

test("ECMP: one route, several next hops, a flow hash picks one by hash-threshold (RFC 2992)", () => {
  const table = new RoutingTable();
  const route = table.add(
    makeRoute({
      prefix: "10.0.3.0/24",
      protocol: "ospf",
      metric: 20,
      nextHops: [
        { via: ip("10.0.12.2"), interface: "eth1" },
        { via: ip("10.0.13.3"), interface: "eth2" },
        { via: ip("10.0.14.4"), interface: "eth3" },
      ],
    }),
  );
  assert.equal(table.lookup(ip("10.0.3.1")), route);
  // Three equal regions of the 32-bit hash space.
  assert.equal(chooseNextHop(route, 0).interface, "eth1");
  assert.equal(chooseNextHop(route, 0x55555555).interface, "eth1");
  assert.equal(chooseNextHop(route, 0x55555556).interface, "eth2");
  assert.equal(chooseNextHop(route, 0xaaaaaaaa).interface, "eth2");
  assert.equal(chooseNextHop(route, 0xaaaaaaab).interface, "eth3");
  assert.equal(chooseNextHop(route, 0xffffffff).interface, "eth3");
  assert.equal(chooseNextHop(route, -1).interface, "eth3", "a signed hash is read as unsigned");
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (hash) => {
      const hop = chooseNextHop(route, hash);
      assert.equal(hop, chooseNextHop(route, hash), "same flow, same next hop");
      assert.ok(route.nextHops.includes(hop));
    }),
  );
  // Spread over many flows: each next hop gets about a third.
  const counts = new Map<string, number>();
  for (let i = 0; i < 3000; i++) {
    const hash = Math.imul(i, 0x9e3779b1) >>> 0;
    const hop = chooseNextHop(route, hash).interface;
    counts.set(hop, (counts.get(hop) ?? 0) + 1);
  }
  for (const count of counts.values()) assert.ok(count > 900 && count < 1100, `${[...counts]}`);
  const single = makeRoute({
    prefix: "10.0.4.0/24",
    protocol: "static",
    via: "10.0.12.2",
    interface: "eth1",
  });
  assert.equal(chooseNextHop(single, 12345), single.nextHops[0]);
});

test("routes come out in prefix order, the selected one first; host bits in a prefix are cleared", () => {
  const table = new RoutingTable();
  const stored = table.add({
    prefix: prefix("10.0.1.77/24"),
    nextHops: [{ interface: "eth0" }],
    protocol: "connected",
    distance: 0,
    metric: 0,
  });
  assert.equal(stored.prefix.toString(), "10.0.1.0/24");
  table.add(makeRoute({ prefix: "10.0.1.0/24", protocol: "ospf", interface: "eth0", metric: 10 }));
  table.add(staticRoute("0.0.0.0/0", "10.0.12.2"));
  table.add(makeRoute({ prefix: "10.0.1.1/32", protocol: "local", interface: "eth0" }));
  table.add(makeRoute({ prefix: "9.0.0.0/8", protocol: "bgp", via: "10.0.12.2", interface: "eth1" }));
  assert.deepEqual(
    [...table].map((r) => `${r.protocol} ${r.prefix}`),
    ["static 0.0.0.0/0", "bgp 9.0.0.0/8", "connected 10.0.1.0/24", "ospf 10.0.1.0/24", "local 10.0.1.1/32"],
  );
  assert.deepEqual(
    [...table.selectedRoutes()].map((r) => `${r.protocol} ${r.prefix}`),
    ["static 0.0.0.0/0", "bgp 9.0.0.0/8", "connected 10.0.1.0/24", "local 10.0.1.1/32"],
  );
  assert.equal(table.selected(prefix("10.0.1.0/24")), stored);
  assert.ok(table.remove(prefix("10.0.1.99/24"), "connected"), "remove also takes a prefix with host bits");
  table.clear();
  assert.equal(table.size, 0);
  assert.equal(table.lookup(ip("10.0.1.1")), undefined);
});

test("defaults and validation", () => {
  assert.equal(defaultDistance("connected"), 0);
  assert.equal(defaultDistance("static"), 1);
  assert.equal(defaultDistance("bgp"), 20);
  assert.equal(defaultDistance("bgp", { ibgp: true }), 200);
  assert.equal(defaultDistance("ospf"), 110);
  assert.equal(defaultDistance("rip"), 120);
  assert.equal(ADMINISTRATIVE_DISTANCE.ibgp, 200);
  assert.equal(
    makeRoute({ prefix: "10.0.0.0/8", protocol: "bgp", ibgp: true, via: "192.0.2.1", interface: "eth1" })
      .distance,
    200,
  );
  const table = new RoutingTable();
  const base = staticRoute("10.0.0.0/8", "192.0.2.1");
  assert.throws(() => table.add({ ...base, nextHops: [] }), RangeError);
  assert.throws(() => table.add({ ...base, distance: 256 }), RangeError);
  assert.throws(() => table.add({ ...base, metric: -1 }), RangeError);
  assert.throws(() => makeRoute({ prefix: "10.0.0.0/8", protocol: "static" }), RangeError);
  assert.throws(() => makeRoute({ prefix: "10.0.0.0/33", protocol: "static", interface: "eth0" }), TypeError);
  assert.equal(table.size, 0);
});

test("a host's table stays small: a short list, no trie", () => {
  const table = new RoutingTable();
  table.add(makeRoute({ prefix: "10.0.1.0/24", protocol: "connected", interface: "eth0" }));
  table.add(makeRoute({ prefix: "10.0.1.10/32", protocol: "local", interface: "eth0" }));
  table.add(staticRoute("0.0.0.0/0", "10.0.1.1", "eth0"));
  assert.equal(table.fib.isTrie, false);
  assert.ok(table.memoryBytes() < 512, `${table.memoryBytes()} bytes`);
});

// ---- the whole RIB against a naive model -------------------------------------------------------

const protocols: RouteProtocol[] = ["connected", "static", "ospf", "rip", "bgp", "kernel"];
const prefixes = [
  "0.0.0.0/0",
  "10.0.0.0/8",
  "10.1.0.0/16",
  "10.1.2.0/23",
  "10.1.2.0/24",
  "10.1.2.128/25",
  "10.1.2.200/32",
  "10.1.3.0/24",
  "192.168.0.0/16",
  "255.255.255.255/32",
].map(prefix);

type RibOp =
  | { kind: "add"; prefix: number; protocol: number; distance: number; metric: number }
  | { kind: "remove"; prefix: number; protocol: number; distance: number | undefined };

const ribOp: fc.Arbitrary<RibOp> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("add" as const),
      prefix: fc.nat({ max: prefixes.length - 1 }),
      protocol: fc.nat({ max: protocols.length - 1 }),
      distance: fc.constantFrom(0, 1, 20, 110, 250),
      metric: fc.nat({ max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("remove" as const),
      prefix: fc.nat({ max: prefixes.length - 1 }),
      protocol: fc.nat({ max: protocols.length - 1 }),
      distance: fc.option(fc.constantFrom(0, 1, 20, 110, 250), { nil: undefined }),
    }),
  },
);

/** The model: a plain list in arrival order; selection and longest match computed from scratch. */
class NaiveRib {
  routes: Route[] = [];
  private sameSource(
    a: Route,
    b: { prefix: Ipv4Prefix; protocol: RouteProtocol; distance?: number },
  ): boolean {
    return (
      a.prefix.equals(b.prefix) &&
      a.protocol === b.protocol &&
      (b.protocol !== "static" || b.distance === undefined || a.distance === b.distance)
    );
  }
  add(route: Route): void {
    this.routes = this.routes.filter((r) => !this.sameSource(r, route));
    this.routes.push(route);
  }
  remove(p: Ipv4Prefix, protocol: RouteProtocol, distance?: number): boolean {
    const before = this.routes.length;
    this.routes = this.routes.filter((r) => !this.sameSource(r, { prefix: p, protocol, distance }));
    return this.routes.length !== before;
  }
  best(p: Ipv4Prefix): Route | undefined {
    const rank = (r: Route) => [
      r.protocol === "connected" || r.protocol === "local" ? 0 : 1,
      r.distance,
      r.metric,
    ];
    let best: Route | undefined;
    for (const r of this.routes) {
      if (!r.prefix.equals(p)) continue;
      if (!best) {
        best = r;
        continue;
      }
      const [a, b] = [rank(r), rank(best)];
      if (a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2])))) best = r;
    }
    return best;
  }
  lookup(address: Ipv4Address): Route | undefined {
    let match: Ipv4Prefix | undefined;
    for (const r of this.routes)
      if (r.prefix.contains(address) && (!match || r.prefix.length > match.length)) match = r.prefix;
    return match && this.best(match);
  }
}

test("the RIB agrees with a naive model over random add/remove sequences", () => {
  const probes = prefixes.flatMap((p) => [
    p.network,
    p.broadcast,
    new Ipv4Address(p.network.value - 1),
    new Ipv4Address(p.broadcast.value + 1),
  ]);
  fc.assert(
    fc.property(
      fc.array(ribOp, { maxLength: 50, size: "max" }),
      fc.constantFrom(0, 3, 32),
      (ops, listLimit) => {
        const table = new RoutingTable({ listLimit });
        const model = new NaiveRib();
        for (const op of ops) {
          const p = prefixes[op.prefix];
          const protocol = protocols[op.protocol];
          if (op.kind === "add") {
            const route: Route = {
              prefix: p,
              nextHops: [{ via: new Ipv4Address(0xc0000200 + op.metric), interface: `eth${op.protocol}` }],
              protocol,
              distance: op.distance,
              metric: op.metric,
            };
            table.add(route);
            model.add(route);
          } else {
            assert.equal(table.remove(p, protocol, op.distance), model.remove(p, protocol, op.distance));
          }
          assert.equal(table.size, model.routes.length);
          for (const address of probes)
            assert.equal(table.lookup(address), model.lookup(address), `${address}`);
          for (const q of prefixes) assert.equal(table.selected(q), model.best(q), `${q}`);
        }
      },
    ),
    { numRuns: 200 },
  );
});

// ---- IPv6 -----------------------------------------------------------------------------------------

test("IPv6 routing table: longest match, selection, removal", () => {
  const table = new Ipv6RoutingTable();
  const any = table.add(
    makeIpv6Route({ prefix: "::/0", protocol: "static", via: "fe80::1", interface: "eth1" }),
  );
  const lan = table.add(
    makeIpv6Route({ prefix: "2001:db8:1::/64", protocol: "connected", interface: "eth0" }),
  );
  const ospf = table.add(
    makeIpv6Route({ prefix: "2001:db8:1::/64", protocol: "ospf", interface: "eth0", metric: 10 }),
  );
  const local = table.add(
    makeIpv6Route({ prefix: "2001:db8:1::1/128", protocol: "local", interface: "eth0" }),
  );
  assert.equal(table.lookup(Ipv6Address.parse("2001:db8:1::1")), local);
  assert.equal(table.lookup(Ipv6Address.parse("2001:db8:1::2")), lan);
  assert.equal(table.lookup(Ipv6Address.parse("2001:db8:2::1")), any);
  assert.equal(table.size, 4);
  assert.equal(table.prefixCount, 3);
  table.remove(Ipv6Prefix.parse("2001:db8:1::/64"), "connected");
  assert.equal(table.lookup(Ipv6Address.parse("2001:db8:1::2")), ospf);
  assert.deepEqual(
    [...table].map((r) => r.prefix.toString()),
    ["::/0", "2001:db8:1::/64", "2001:db8:1::1/128"],
  );
  const bytes = new Uint8Array(40);
  bytes.set(Ipv6Address.parse("2001:db8:1::1").bytes, 24);
  assert.equal(table.lookup(bytes, 24), local);
});

test("lookups allocate nothing: the heap stays flat over tens of thousands of them", () => {
  // Any per-lookup allocation (a boxed number, a temporary object) adds at least 16 bytes each:
  // over 500 KB per window below. A young-generation collection could hide that in one window,
  // but a collection is rare at this allocation rate, so all three windows must stay flat.
  const small = new RoutingTable();
  small.add(staticRoute("0.0.0.0/0", "10.0.0.1", "eth0"));
  small.add(makeRoute({ prefix: "10.0.0.0/24", protocol: "connected", interface: "eth0" }));
  const large = new RoutingTable({ listLimit: 0 });
  for (let i = 0; i < 2000; i++) large.add(staticRoute(`10.${i >> 8}.${i & 255}.0/24`, "192.0.2.1"));
  const v6 = new Ipv6RoutingTable();
  v6.add(makeIpv6Route({ prefix: "2001:db8::/32", protocol: "static", via: "fe80::1", interface: "eth0" }));
  const address = ip("10.3.7.9");
  const address6 = Ipv6Address.parse("2001:db8::1");
  let hits = 0;
  const run = () => {
    for (let i = 0; i < 10_000; i++) {
      if (small.lookup(address) !== undefined) hits++;
      if (large.lookup((0x0a000000 + i * 251) >>> 0) !== undefined) hits++;
      if (large.lookup(address) !== undefined) hits++;
      if (v6.lookup(address6) !== undefined) hits++;
    }
  };
  for (let i = 0; i < 10; i++) run(); // warm up, so compilation is not counted
  for (let window = 0; window < 3; window++) {
    const before = process.memoryUsage().heapUsed;
    run();
    const grown = process.memoryUsage().heapUsed - before;
    assert.ok(grown < 64_000, `the heap grew by ${grown} bytes over 40,000 lookups`);
  }
  assert.ok(hits > 0);
});
