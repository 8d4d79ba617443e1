/**
 * Small networks with recorded traces, for the learning-view tests.
 */
import { ping } from "../../../src/apps/ping.js";
import { Network } from "../../../src/devices/network.js";
import { driveUntil } from "../../../src/sim/async-driver.js";
import type { NetSocket } from "../../../src/socket/net.js";
import type { TraceEvent } from "../../../src/trace/events.js";

/**
 * h1 — r1 — r2 — h2: 1 ms, 20 ms and 1 ms links (1 Gbit/s), static routes (`middle` is the 20 ms
 * link), r1 a NAT with `nat`. Every trace event is recorded in `events`.
 */
export function chain(options: { seed?: number; nat?: boolean } = {}) {
  const net = new Network({ seed: options.seed ?? 1 });
  const events: TraceEvent[] = [];
  net.tracer.subscribe((e) => events.push(e));
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  const r1 = net.addRouter("r1");
  const r2 = net.addRouter("r2");
  net.connect("h1:eth0", "r1:eth0", { rate: "1Gbit", delay: "1ms" });
  const middle = net.connect("r1:eth1", "r2:eth0", { rate: "1Gbit", delay: "20ms" });
  net.connect("r2:eth1", "h2:eth0", { rate: "1Gbit", delay: "1ms" });
  h1.addAddress("eth0", "10.0.1.10/24").setGateway("10.0.1.1");
  r1.addAddress("eth0", "10.0.1.1/24")
    .addAddress("eth1", "10.0.12.1/24")
    .addRoute("10.0.2.0/24", "10.0.12.2");
  r2.addAddress("eth0", "10.0.12.2/24")
    .addAddress("eth1", "10.0.2.1/24")
    .addRoute("10.0.1.0/24", "10.0.12.1");
  h2.addAddress("eth0", "10.0.2.10/24").setGateway("10.0.2.1");
  // r1 as a home router: h1's packets leave with r1's outside address, 10.0.12.1.
  if (options.nat) r1.enableNat({ outside: "eth1" });
  // Let the interfaces' startup announcements go by before the tests start talking.
  net.runFor(10_000_000_000);
  events.length = 0;
  /** Resolves every ARP entry along the path (one ping), then forgets the events it caused. */
  const warmUp = () => {
    net.runUntilDone(ping(h1, "10.0.2.10", { count: 1 }));
    net.runFor(1_000_000_000);
    events.length = 0;
  };
  return { net, events, h1, h2, r1, r2, middle, warmUp };
}

const listening = new WeakSet<object>();

/** An echo server on h2:7 (started on first use), a client on h1 that sends `messages` one after another and closes. */
export async function tcpEcho(
  setup: ReturnType<typeof chain>,
  messages: string[] = ["hello"],
): Promise<string> {
  const { net, h1, h2 } = setup;
  if (!listening.has(h2)) {
    listening.add(h2);
    h2.net
      .createServer((socket: NetSocket) => {
        socket.on("data", (data: Uint8Array) => socket.write(data));
        socket.on("end", () => socket.end());
      })
      .listen(7);
  }
  let received = "";
  let closed = false;
  const client = h1.net.createConnection(7, "10.0.2.10");
  const queue = [...messages];
  let expected = 0;
  client.on("connect", () => {
    const first = queue.shift() ?? "";
    expected = first.length;
    client.write(first);
  });
  client.on("data", (data) => {
    received += String(data);
    if (received.length < expected) return;
    const next = queue.shift();
    if (next === undefined) client.end();
    else {
      expected += next.length;
      client.write(next);
    }
  });
  client.on("close", () => {
    closed = true;
  });
  await driveUntil(net.scheduler, () => closed);
  // Let the last ACK arrive.
  net.runFor(1_000_000_000);
  return received;
}
