/** Link and switch benchmarks: `tinkernet bench link`. */
import { Link } from "../src/link/link.js";
import { Switch } from "../src/link/switch.js";
import { Scheduler } from "../src/sim/scheduler.js";
import { writeMac48 } from "../src/wire/ethernet.js";
import { type Report, round } from "./harness.js";

function frame(length: number, dst: number, src: number): Uint8Array {
  const bytes = new Uint8Array(length);
  writeMac48(bytes, 0, dst);
  writeMac48(bytes, 6, src);
  bytes[12] = 0x08;
  return bytes;
}

/** Runs `round` repeatedly for about a second (after a warm-up); returns units per second. */
function perSecond(round: () => number, seconds = 1): number {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) round();
  let units = 0;
  const start = performance.now();
  let now = start;
  while (now - start < seconds * 1000) {
    units += round();
    now = performance.now();
  }
  return (units * 1000) / (now - start);
}

export function run(report: Report): void {
  // A chain of 10 unimpaired links with a forwarder at each junction: the link share of the
  // forwarding benchmark's packet-hops (no IP processing here).
  {
    const scheduler = new Scheduler();
    const hops = 10;
    const links = Array.from({ length: hops }, (_, i) => new Link(scheduler, { name: `l${i}`, delay: 1000 }));
    for (let i = 0; i < hops - 1; i++) {
      const next = links[i + 1].a;
      links[i].b.onReceive = (f) => next.transmit(f);
    }
    let delivered = 0;
    links[hops - 1].b.onReceive = () => delivered++;
    const f = frame(1000, 2, 1);
    const value = perSecond(() => {
      for (let i = 0; i < 100; i++) links[0].a.transmit(f);
      scheduler.run();
      return 100 * hops;
    });
    report({ suite: "link", name: "chain-10-hops", value: round(value), unit: "hops/s", target: 1_000_000 });
    if (delivered === -1) console.log(delivered);
  }

  // The same with a rate limit, so every frame also waits in a queue (two events per frame).
  {
    const scheduler = new Scheduler();
    const link = new Link(scheduler, { name: "l", rate: "1gbit", delay: 1000 });
    link.b.onReceive = () => {};
    const f = frame(1000, 2, 1);
    const value = perSecond(() => {
      for (let i = 0; i < 100; i++) link.a.transmit(f);
      scheduler.run();
      return 100;
    });
    report({ suite: "link", name: "rate-limited-queued", value: round(value), unit: "frames/s" });
  }

  // All impairments on: loss, duplication, reordering, corruption, jitter.
  {
    const scheduler = new Scheduler();
    const link = new Link(scheduler, {
      name: "l",
      delay: "1ms",
      jitter: "100us",
      loss: "1%",
      duplicate: "1%",
      reorder: "1%",
      corrupt: "1%",
    });
    link.b.onReceive = () => {};
    const f = frame(1000, 2, 1);
    const value = perSecond(() => {
      for (let i = 0; i < 100; i++) link.a.transmit(f);
      scheduler.run();
      return 100;
    });
    report({ suite: "link", name: "impaired", value: round(value), unit: "frames/s" });
  }

  // A 4-port switch forwarding known unicast between access ports (through its links).
  {
    const scheduler = new Scheduler();
    const sw = new Switch(scheduler, "sw");
    const hosts = Array.from({ length: 4 }, (_, i) => {
      const link = new Link(scheduler, { name: `h${i}` });
      sw.addPort(`eth${i}`, link.b, { mode: "access", vlan: 10 });
      link.a.onReceive = () => {};
      return link.a;
    });
    hosts[1].transmit(frame(64, 0xffff_ffff_ffff, 2)); // learn host 1
    scheduler.run();
    const f = frame(1000, 2, 1);
    const value = perSecond(() => {
      for (let i = 0; i < 100; i++) hosts[0].transmit(f);
      scheduler.run();
      return 100;
    });
    report({ suite: "link", name: "switch-unicast", value: round(value), unit: "frames/s" });
  }

  // Memory: heap per idle link (two endpoints, two directions, no traffic yet).
  {
    const scheduler = new Scheduler();
    const count = 20_000;
    const links: Link[] = [];
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < count; i++) links.push(new Link(scheduler, { name: `m${i}` }));
    const after = process.memoryUsage().heapUsed;
    report({ suite: "link", name: "heap-per-link", value: round((after - before) / count), unit: "bytes" });
    const start = performance.now();
    for (let i = 0; i < count; i++) links.push(new Link(scheduler, { name: `n${i}` }));
    report({
      suite: "link",
      name: "build-links",
      value: round((count * 1000) / (performance.now() - start)),
      unit: "links/s",
    });
  }
}
