/**
 * Routing benchmarks: `tinkernet bench routing`.
 *
 * - `bgp-load-1m`: wall seconds for a router to receive and install 1,000,000 IPv4 prefixes over
 *   one eBGP session (target ≤ 20): a feeder speaks BGP by hand over our TCP, sending the table as
 *   UPDATEs packed to 4096 octets (about 1,000 /24s each, as a real full-table transfer does);
 *   the clock runs from the first UPDATE until the last prefix is in the Loc-RIB and the
 *   router's forwarding table.
 * - `ospf-converge-1000`: wall seconds for 1,000 OSPF routers in a seeded random mesh to converge
 *   (bench/routing-ospf.ts; target ≤ 30).
 * - `bgp-updates-per-s`: UPDATE messages per second processed afterwards, each changing the MED of
 *   one installed prefix (decision, RIB change, as churn on the Internet looks).
 */
import { Network } from "../src/devices/network.js";
import { Bgp } from "../src/routing/bgp/speaker.js";
import { tcpStreamTransport } from "../src/socket/tcp-transport.js";
import { Ipv4Address, Ipv4Prefix } from "../src/wire/address/ipv4.js";
import {
  type BgpPathAttributes,
  bgpMessageLength,
  encodeBgpMessage,
  packUpdates,
} from "../src/wire/bgp/index.js";
import { type Report, round } from "./harness.js";
import { runOspfConverge } from "./routing-ospf.js";

const SUITE = "routing";

function bgpLab() {
  const net = new Network({ seed: 1 });
  const r1 = net.addRouter("r1");
  const feeder = net.addRouter("feeder");
  net.connect("r1:eth0", "feeder:eth0", { rate: "10Gbit" });
  r1.addAddress("eth0", "10.0.12.1/24");
  feeder.addAddress("eth0", "10.0.12.2/24");
  const bgp = r1.routing.add(
    new Bgp(r1, {
      asn: 65001,
      "router-id": "1.1.1.1",
      timers: { hold: 0 },
      neighbors: [{ address: "10.0.12.2", "remote-as": 65002, passive: true }],
    }),
  );
  // The feeder: OPEN, then KEEPALIVE once the router's OPEN arrives, then whatever `send` is given.
  const stream = tcpStreamTransport(feeder.tcp).connect({ host: "10.0.12.1", port: 179 });
  const queue: Uint8Array[] = [];
  const flush = () => {
    while (queue.length > 0) {
      const n = stream.write(queue[0]);
      if (n < queue[0].length) {
        queue[0] = queue[0].subarray(n);
        return;
      }
      queue.shift();
    }
  };
  const send = (bytes: Uint8Array) => {
    queue.push(bytes);
    flush();
  };
  stream.events.onWritable = flush;
  stream.events.onConnect = () =>
    send(
      encodeBgpMessage({
        type: "open",
        version: 4,
        myAs: 65002,
        holdTime: 0,
        bgpId: Ipv4Address.parse("2.2.2.2"),
        capabilities: [{ kind: "four-octet-as", asn: 65002 }],
      }),
    );
  stream.events.onData = (chunk) => {
    // The router's OPEN and KEEPALIVE: answer each OPEN with a KEEPALIVE.
    for (let at = 0; at + 19 <= chunk.length; at += bgpMessageLength(chunk, at)) {
      if (chunk[at + 18] === 1) send(encodeBgpMessage({ type: "keepalive" }));
    }
  };
  net.scheduler.runWhile(() => bgp.session("10.0.12.2")?.state !== "Established", 10e9);
  if (bgp.session("10.0.12.2")?.state !== "Established") throw new Error("bgp bench: no session");
  return { net, r1, bgp, send };
}

export function run(report: Report): void {
  if (process.env.ROUTING_BENCH !== "bgp") runOspfConverge(report);
  if (process.env.ROUTING_BENCH === "ospf") return;
  const count = Number(process.env.BGP_BENCH_PREFIXES ?? 1_000_000);
  const { net, r1, bgp, send } = bgpLab();
  const prefixes: Ipv4Prefix[] = new Array(count);
  const base = Ipv4Address.parse("20.0.0.0").value;
  for (let i = 0; i < count; i++) prefixes[i] = new Ipv4Prefix(new Ipv4Address(base + i * 256), 24);
  const attributes: BgpPathAttributes = {
    origin: 0,
    asPath: [{ type: 2, asns: [65002, 3356, 174] }],
    nextHop: Ipv4Address.parse("10.0.12.2"),
    med: 0,
  };
  // Encoding belongs to the feeder, not to what is measured.
  const table = packUpdates([], attributes, prefixes);
  const start = performance.now();
  send(table);
  net.scheduler.runWhile(() => bgp.locRib.size < count);
  const seconds = (performance.now() - start) / 1000;
  if (r1.ipv4.routes.lookup(Ipv4Address.parse("20.1.2.3"))?.protocol !== "bgp" || bgp.locRib.size !== count) {
    throw new Error(`bgp-load: ${bgp.locRib.size} of ${count} prefixes`);
  }
  report({
    suite: SUITE,
    name: count === 1_000_000 ? "bgp-load-1m" : `bgp-load-${count}`,
    value: round(seconds),
    unit: "s",
    target: "<= 20",
    prefixes: count,
    updates: bgp.session("10.0.12.2")?.receivedCounts.updates,
    fibPrefixes: r1.ipv4.routes.prefixCount,
  });

  // Churn: one prefix per UPDATE, a new MED each time.
  const churn = Math.min(100_000, count);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < churn; i++) {
    const m = encodeBgpMessage({
      type: "update",
      withdrawn: [],
      attributes: { ...attributes, med: 1 + (i % 7) },
      nlri: [prefixes[(i * 7919) % count]],
    });
    chunks.push(m);
    total += m.length;
  }
  const stream = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    stream.set(c, at);
    at += c.length;
  }
  const before = bgp.session("10.0.12.2")?.receivedCounts.updates ?? 0;
  const t0 = performance.now();
  send(stream);
  net.scheduler.runWhile(() => (bgp.session("10.0.12.2")?.receivedCounts.updates ?? 0) - before < churn);
  const elapsed = (performance.now() - t0) / 1000;
  report({
    suite: SUITE,
    name: "bgp-updates-per-s",
    value: round(churn / elapsed),
    unit: "updates/s",
    messages: churn,
  });
}
