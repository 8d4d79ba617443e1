import assert from "node:assert/strict";
import { test } from "node:test";
import { Ipv6RoutingTable, makeIpv6Route, makeRoute, RoutingTable } from "../../src/net/routing-table.js";
import { formatUptime, IPV4_ROUTE_LEGEND, showIpRoute, showIpv6Route } from "../../src/net/show-ip-route.js";
import { seconds } from "../../src/sim/time.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";

const ip = (text: string) => Ipv4Address.parse(text);

/** A router with two LANs, a default route with a floating backup, OSPF (with ECMP), RIP and BGP. */
function router(): RoutingTable {
  const table = new RoutingTable();
  table.add(makeRoute({ prefix: "10.0.1.0/24", protocol: "connected", interface: "eth0" }));
  table.add(makeRoute({ prefix: "10.0.1.1/32", protocol: "local", interface: "eth0" }));
  table.add(makeRoute({ prefix: "10.0.1.0/24", protocol: "ospf", interface: "eth0", metric: 10 }));
  table.add(makeRoute({ prefix: "0.0.0.0/0", protocol: "static", via: "10.0.12.2", interface: "eth1" }));
  table.add(
    makeRoute({
      prefix: "0.0.0.0/0",
      protocol: "static",
      via: "10.0.13.3",
      interface: "eth2",
      distance: 250,
    }),
  );
  table.add(
    makeRoute({
      prefix: "10.0.3.0/24",
      protocol: "ospf",
      metric: 20,
      nextHops: [
        { via: ip("10.0.12.2"), interface: "eth1" },
        { via: ip("10.0.13.3"), interface: "eth2" },
      ],
    }),
  );
  table.add(
    makeRoute({ prefix: "172.16.0.0/16", protocol: "rip", metric: 2, via: "10.0.13.3", interface: "eth2" }),
  );
  table.add(makeRoute({ prefix: "192.0.2.0/24", protocol: "bgp", via: "10.0.12.2", interface: "eth1" }));
  table.add(
    makeRoute({
      prefix: "198.51.100.0/24",
      protocol: "kernel",
      via: "10.0.12.2",
      interface: "eth1",
      metric: 100,
    }),
  );
  return table;
}

test("show ip route: FRR's legend, codes, > and * flags, [distance/metric], ECMP lines aligned under via", () => {
  assert.equal(
    showIpRoute(router()),
    `Codes: K - kernel route, C - connected, L - local, S - static,
       R - RIP, O - OSPF, I - IS-IS, B - BGP, E - EIGRP, N - NHRP,
       T - Table, v - VNC, V - VNC-Direct, A - Babel, F - PBR,
       f - OpenFabric, t - Table-Direct,
       > - selected route, * - FIB route, q - queued, r - rejected, b - backup
       t - trapped, o - offload failure

S>* 0.0.0.0/0 [1/0] via 10.0.12.2, eth1
S   0.0.0.0/0 [250/0] via 10.0.13.3, eth2
C>* 10.0.1.0/24 is directly connected, eth0
O   10.0.1.0/24 [110/10] is directly connected, eth0
L>* 10.0.1.1/32 is directly connected, eth0
O>* 10.0.3.0/24 [110/20] via 10.0.12.2, eth1
  *                      via 10.0.13.3, eth2
R>* 172.16.0.0/16 [120/2] via 10.0.13.3, eth2
B>* 192.0.2.0/24 [20/0] via 10.0.12.2, eth1
K>* 198.51.100.0/24 [0/100] via 10.0.12.2, eth1
`,
  );
});

test("show ip route: a route that lost the selection, ECMP included, carries neither > nor *", () => {
  const table = new RoutingTable();
  table.add(makeRoute({ prefix: "10.0.3.0/24", protocol: "static", via: "10.0.14.4", interface: "eth3" }));
  table.add(
    makeRoute({
      prefix: "10.0.3.0/24",
      protocol: "ospf",
      metric: 20,
      nextHops: [
        { via: ip("10.0.12.2"), interface: "eth1" },
        { via: ip("10.0.13.3"), interface: "eth2" },
      ],
    }),
  );
  assert.equal(
    showIpRoute(table, { legend: false }),
    `S>* 10.0.3.0/24 [1/0] via 10.0.14.4, eth3
O   10.0.3.0/24 [110/20] via 10.0.12.2, eth1
                         via 10.0.13.3, eth2
`,
  );
});

test("show ip route ospf: only one protocol's routes, legend kept; an empty table shows the legend", () => {
  assert.equal(
    showIpRoute(router(), { protocol: "ospf" }),
    `${IPV4_ROUTE_LEGEND}

O   10.0.1.0/24 [110/10] is directly connected, eth0
O>* 10.0.3.0/24 [110/20] via 10.0.12.2, eth1
  *                      via 10.0.13.3, eth2
`,
  );
  assert.equal(showIpRoute(new RoutingTable()), `${IPV4_ROUTE_LEGEND}\n\n`);
  assert.equal(showIpRoute(new RoutingTable(), { legend: false }), "");
});

test("route ages print as FRR does when the route has installedAt and the caller gives now", () => {
  const table = new RoutingTable();
  table.add(
    makeRoute({ prefix: "10.0.1.0/24", protocol: "connected", interface: "eth0", installedAt: seconds(1) }),
  );
  table.add(
    makeRoute({
      prefix: "10.0.3.0/24",
      protocol: "ospf",
      metric: 20,
      installedAt: seconds(60),
      nextHops: [
        { via: ip("10.0.12.2"), interface: "eth1" },
        { via: ip("10.0.13.3"), interface: "eth2" },
      ],
    }),
  );
  assert.equal(
    showIpRoute(table, { legend: false, now: seconds(313) }),
    `C>* 10.0.1.0/24 is directly connected, eth0, 00:05:12
O>* 10.0.3.0/24 [110/20] via 10.0.12.2, eth1, 00:04:13
  *                      via 10.0.13.3, eth2, 00:04:13
`,
  );
  assert.equal(formatUptime(0), "00:00:00");
  assert.equal(formatUptime(seconds(3723.999)), "01:02:03");
  assert.equal(formatUptime(seconds(86_399)), "23:59:59");
  assert.equal(formatUptime(seconds(86_400 + 2 * 3600 + 3 * 60)), "1d02h03m");
  assert.equal(formatUptime(seconds(15 * 86_400 + 4 * 3600)), "02w1d04h");
});

test("show ipv6 route: the IPv6 legend and RFC 5952 addresses", () => {
  const table = new Ipv6RoutingTable();
  table.add(makeIpv6Route({ prefix: "::/0", protocol: "static", via: "fe80::1", interface: "eth1" }));
  table.add(makeIpv6Route({ prefix: "2001:db8:1::/64", protocol: "connected", interface: "eth0" }));
  table.add(makeIpv6Route({ prefix: "2001:db8:1::1/128", protocol: "local", interface: "eth0" }));
  table.add(
    makeIpv6Route({
      prefix: "2001:db8:3::/64",
      protocol: "ospf",
      metric: 20,
      nextHops: [
        { via: Ipv6Address.parse("fe80::2"), interface: "eth1" },
        { via: Ipv6Address.parse("fe80::3"), interface: "eth2" },
      ],
    }),
  );
  assert.equal(
    showIpv6Route(table),
    `Codes: K - kernel route, C - connected, L - local, S - static,
       R - RIPng, O - OSPFv3, I - IS-IS, B - BGP, N - NHRP,
       T - Table, v - VNC, V - VNC-Direct, A - Babel, F - PBR,
       f - OpenFabric, t - Table-Direct,
       > - selected route, * - FIB route, q - queued, r - rejected, b - backup
       t - trapped, o - offload failure

S>* ::/0 [1/0] via fe80::1, eth1
C>* 2001:db8:1::/64 is directly connected, eth0
L>* 2001:db8:1::1/128 is directly connected, eth0
O>* 2001:db8:3::/64 [110/20] via fe80::2, eth1
  *                          via fe80::3, eth2
`,
  );
});
