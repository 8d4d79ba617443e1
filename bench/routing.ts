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
 * - `bgp-advertise-1m`: wall seconds for the router to send that whole table to a new eBGP peer
 *   (export rules, AS prepended, packed UPDATEs over TCP), from the session coming up to the peer
 *   having counted the last prefix.
 */
import { Network } from "../src/devices/network.js";
import type { Router } from "../src/devices/router.js";
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
  const sink = net.addRouter("sink");
  net.connect("r1:eth0", "feeder:eth0", { rate: "10Gbit" });
  net.connect("r1:eth1", "sink:eth0", { rate: "10Gbit" });
  r1.addAddress("eth0", "10.0.12.1/24");
  feeder.addAddress("eth0", "10.0.12.2/24");
  r1.addAddress("eth1", "10.0.13.1/24");
  sink.addAddress("eth0", "10.0.13.3/24");
  const bgp = r1.routing.add(
    new Bgp(r1, {
      asn: 65001,
      "router-id": "1.1.1.1",
      timers: { hold: 0 },
      neighbors: [
        { address: "10.0.12.2", "remote-as": 65002, passive: true },
        { address: "10.0.13.3", "remote-as": 65003, passive: true },
      ],
    }),
  );
  const { send } = rawPeer(feeder, "10.0.12.1", 65002, () => {});
  net.scheduler.runWhile(() => bgp.session("10.0.12.2")?.state !== "Established", 10e9);
  if (bgp.session("10.0.12.2")?.state !== "Established") throw new Error("bgp bench: no session");
  return { net, r1, bgp, send, sink };
}

/** NLRI octets of an UPDATE, counted as prefixes without building objects. */
function countNlri(bytes: Uint8Array, at: number, length: number): number {
  const withdrawn = (bytes[at + 19] << 8) | bytes[at + 20];
  const attrsAt = at + 21 + withdrawn;
  const attrs = (bytes[attrsAt] << 8) | bytes[attrsAt + 1];
  let p = attrsAt + 2 + attrs;
  let n = 0;
  while (p < at + length) {
    p += 1 + ((bytes[p] + 7) >> 3);
    n++;
  }
  return n;
}

/**
 * A BGP speaker written by hand over our TCP: OPEN, KEEPALIVE once the router's OPEN arrives, then
 * whatever `send` is given; `onUpdate(prefixes)` for each UPDATE received.
 */
function rawPeer(node: Router, routerAddress: string, asn: number, onUpdate: (prefixes: number) => void) {
  const stream = tcpStreamTransport(node.tcp).connect({ host: routerAddress, port: 179 });
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
        holdTime: 0,
        myAs: asn,
        bgpId: new Ipv4Address(0x02020200 + (asn & 0xff)),
        capabilities: [{ kind: "four-octet-as", asn }],
      }),
    );
  // Messages may span chunks: keep the tail until it is whole.
  let pending = new Uint8Array(0);
  stream.events.onData = (chunk) => {
    let bytes = chunk;
    if (pending.length > 0) {
      bytes = new Uint8Array(pending.length + chunk.length);
      bytes.set(pending);
      bytes.set(chunk, pending.length);
    }
    let at = 0;
    while (at + 19 <= bytes.length) {
      const length = bgpMessageLength(bytes, at);
      if (at + length > bytes.length) break;
      if (bytes[at + 18] === 1) send(encodeBgpMessage({ type: "keepalive" }));
      if (bytes[at + 18] === 2) onUpdate(countNlri(bytes, at, length));
      at += length;
    }
    pending = bytes.slice(at);
  };
  return { send };
}

export function run(report: Report): void {
  if (process.env.ROUTING_BENCH !== "bgp") runOspfConverge(report);
  if (process.env.ROUTING_BENCH === "ospf") return;
  const count = Number(process.env.BGP_BENCH_PREFIXES ?? 1_000_000);
  const { net, r1, bgp, send, sink } = bgpLab();
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

  // A new peer: the whole table goes out to it.
  let advertised = 0;
  const t1 = performance.now();
  rawPeer(sink, "10.0.13.1", 65003, (n) => {
    advertised += n;
  });
  net.scheduler.runWhile(() => advertised < count);
  const sent = (performance.now() - t1) / 1000;
  if (advertised !== count) throw new Error(`bgp-advertise: ${advertised} of ${count} prefixes`);
  report({
    suite: SUITE,
    name: count === 1_000_000 ? "bgp-advertise-1m" : `bgp-advertise-${count}`,
    value: round(sent),
    unit: "s",
    prefixes: count,
    updates: bgp.session("10.0.13.3")?.sent.updates,
  });
}
